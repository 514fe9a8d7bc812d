//! The `'static` description of a module that `#[derive(Module)]` generates.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;

use crate::error::ModuleError;
use crate::runtime::{Erased, Slots};

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
    pub(crate) create: fn(&Slots) -> Result<Erased, ModuleError>,
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
    pub(crate) req: Option<&'static str>,
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

    /// The semver requirement written after `=`, if any (e.g. `^1.2`).
    pub fn version_req(&self) -> Option<&'static str> {
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

/// Where a module or a dependency was written, like [`std::panic::Location`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

impl Location {
    /// The source file, relative to the package root as `file!()` gives it.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The 1-based line.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column.
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// What a module is for, as in the original FAQ.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleType {
    /// Transforms data (`Processor` implementations usually are).
    DataProcessor,
    /// A service other modules call; the default.
    Service,
    /// Persists data.
    Storage,
    /// Talks to the network.
    Network,
    /// Authentication, encryption, access control.
    Security,
    /// Metrics, logging, health.
    Monitoring,
    /// Anything else, named by the user: `kind = Custom("scheduler")`.
    Custom(Cow<'static, str>),
}

/// `descriptor.kind() == ModuleType::Storage`, without a `*`.
impl PartialEq<ModuleType> for &ModuleType {
    fn eq(&self, other: &ModuleType) -> bool {
        **self == *other
    }
}

impl PartialEq<&ModuleType> for ModuleType {
    fn eq(&self, other: &&ModuleType) -> bool {
        *self == **other
    }
}

impl ModuleType {
    /// A custom kind from any string: `ModuleType::custom("scheduler")`.
    pub fn custom(name: impl Into<Cow<'static, str>>) -> Self {
        ModuleType::Custom(name.into())
    }

    /// The kind's name: the variant (`Storage`) or the custom text.
    pub fn as_str(&self) -> &str {
        match self {
            ModuleType::DataProcessor => "DataProcessor",
            ModuleType::Service => "Service",
            ModuleType::Storage => "Storage",
            ModuleType::Network => "Network",
            ModuleType::Security => "Security",
            ModuleType::Monitoring => "Monitoring",
            ModuleType::Custom(name) => name,
        }
    }
}

impl fmt::Display for ModuleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A semantic version that can live in a `static` (its parts are `&'static str`).
///
/// Convert with [`Version::to_semver`] for comparisons and requirement matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
    pub(crate) pre: &'static str,
    pub(crate) build: &'static str,
}

impl Version {
    /// `major.minor.patch` with no pre-release or build metadata.
    pub const fn new(major: u64, minor: u64, patch: u64) -> Self {
        Version {
            major,
            minor,
            patch,
            pre: "",
            build: "",
        }
    }

    /// The major version.
    pub fn major(&self) -> u64 {
        self.major
    }

    /// The minor version.
    pub fn minor(&self) -> u64 {
        self.minor
    }

    /// The patch version.
    pub fn patch(&self) -> u64 {
        self.patch
    }

    /// The pre-release part after `-`, or `""`.
    pub fn pre(&self) -> &'static str {
        self.pre
    }

    /// The build metadata after `+`, or `""`.
    pub fn build(&self) -> &'static str {
        self.build
    }

    /// The same version as a [`semver::Version`].
    pub fn to_semver(&self) -> semver::Version {
        let mut v = semver::Version::new(self.major, self.minor, self.patch);
        // The derive validated both parts with `semver`, so these parses succeed.
        if !self.pre.is_empty() {
            v.pre = semver::Prerelease::new(self.pre).unwrap_or(semver::Prerelease::EMPTY);
        }
        if !self.build.is_empty() {
            v.build =
                semver::BuildMetadata::new(self.build).unwrap_or(semver::BuildMetadata::EMPTY);
        }
        v
    }
}

/// `version == "1.2.0"`: equal when the text parses as that very semver version.
impl PartialEq<str> for Version {
    fn eq(&self, other: &str) -> bool {
        semver::Version::parse(other).is_ok_and(|v| v == self.to_semver())
    }
}

impl PartialEq<&str> for Version {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl PartialEq<Version> for str {
    fn eq(&self, other: &Version) -> bool {
        *other == *self
    }
}

impl PartialEq<Version> for &str {
    fn eq(&self, other: &Version) -> bool {
        *other == **self
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if !self.pre.is_empty() {
            write!(f, "-{}", self.pre)?;
        }
        if !self.build.is_empty() {
            write!(f, "+{}", self.build)?;
        }
        Ok(())
    }
}

impl PartialEq<semver::Version> for Version {
    fn eq(&self, other: &semver::Version) -> bool {
        self.to_semver() == *other
    }
}
