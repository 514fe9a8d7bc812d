//! The `'static` description of a module that `#[derive(Module)]` generates, and the values
//! it holds.

use std::any::Any;
use std::fmt;

pub use module_registry_core::location::Location;
pub use module_registry_core::req::VersionReq;
pub use module_registry_core::version::{ModuleType, Version};

use crate::instance::CreateFn;

/// One module, as the derive described it: a `'static` value placed in the linker-collected slice.
///
/// Every accessor is a field read; nothing here allocates.
pub struct ModuleDescriptor {
    pub(crate) name: &'static str,
    pub(crate) version: Version,
    pub(crate) kind: ModuleType,
    pub(crate) capabilities: &'static [&'static str],
    pub(crate) requires: &'static [&'static str],
    pub(crate) dependencies: &'static [Dependency],
    pub(crate) provides: &'static [Provided],
    pub(crate) description: &'static str,
    pub(crate) type_name: &'static str,
    pub(crate) location: Location,
    pub(crate) create: CreateFn,
    /// How the async boot creates and runs the module.
    #[cfg(feature = "async")]
    pub(crate) hooks: &'static crate::async_hooks::AsyncHooks,
}

impl ModuleDescriptor {
    /// The module's name: lowercase words joined by `-`, unique in a valid registry.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The module's semantic version.
    pub fn version(&self) -> &Version {
        &self.version
    }

    /// What kind of module this is.
    pub fn kind(&self) -> &ModuleType {
        &self.kind
    }

    /// The capabilities this module provides to others.
    pub fn capabilities(&self) -> &'static [&'static str] {
        self.capabilities
    }

    /// The capabilities some other module of the registry must provide.
    pub fn requires(&self) -> &'static [&'static str] {
        self.requires
    }

    /// The trait objects this module can be reached through (`provides = [dyn Trait]`).
    pub fn provides(&self) -> &'static [Provided] {
        self.provides
    }

    /// The declared dependencies, required ones and optional ones, in declaration order.
    pub fn dependencies(&self) -> &'static [Dependency] {
        self.dependencies
    }

    /// The `description` key, or the struct's doc comment.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The Rust path of the module type, e.g. `my_app::cache::Cache`.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// Where the module was declared (the struct the derive is on).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Whether the module has an async hook (`create = async path` or `lifecycle = async`): only
    /// [`Registry::boot_async`](crate::Registry::boot_async) boots it.
    #[cfg(feature = "async")]
    pub fn is_async(&self) -> bool {
        self.hooks.is_async()
    }

    /// Whether this module provides capability `cap`.
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities.contains(&cap)
    }
}

impl fmt::Debug for ModuleDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModuleDescriptor")
            .field("name", &self.name)
            .field("version", &format_args!("{}", self.version))
            .field("kind", &self.kind)
            .field("capabilities", &self.capabilities)
            .field("requires", &self.requires)
            .field("dependencies", &self.dependencies)
            .field("provides", &self.provides)
            .field("type_name", &self.type_name)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

/// Descriptors are compared by identity: each module has exactly one.
impl PartialEq for ModuleDescriptor {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for ModuleDescriptor {}

/// One entry of `depends_on` or `optional`.
pub struct Dependency {
    pub(crate) target: fn() -> &'static ModuleDescriptor,
    pub(crate) req: Option<VersionReq<'static>>,
    pub(crate) optional: bool,
    pub(crate) location: Location,
}

impl Dependency {
    /// The descriptor of the module depended on.
    pub fn descriptor(&self) -> &'static ModuleDescriptor {
        (self.target)()
    }

    /// The name of the module depended on.
    pub fn name(&self) -> &'static str {
        self.descriptor().name
    }

    /// The version requirement written after `=`, if any (e.g. `^1.2`), as written.
    pub fn version_req(&self) -> Option<&'static str> {
        self.req.map(|r| r.text())
    }

    /// The version requirement as the derive parsed it, with its matcher.
    pub fn requirement(&self) -> Option<VersionReq<'static>> {
        self.req
    }

    /// Whether the dependency was listed under `optional`.
    pub fn is_optional(&self) -> bool {
        self.optional
    }

    /// Where the dependency was written.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

impl fmt::Debug for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dependency")
            .field("name", &self.name())
            .field("version_req", &self.req)
            .field("optional", &self.optional)
            .finish()
    }
}

/// One entry of `provides = [dyn Trait]`.
pub struct Provided {
    pub(crate) name: &'static str,
    /// A `Caster<dyn Trait>`, recovered with a safe downcast by `Runtime::all`.
    pub(crate) caster: &'static (dyn Any + Send + Sync),
}

impl Provided {
    /// The trait object type as written, e.g. `dyn CacheApi`.
    pub fn name(&self) -> &'static str {
        self.name
    }
}

impl fmt::Debug for Provided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl fmt::Display for Provided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}
