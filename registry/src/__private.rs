// Not public API: what generated code names. Only re-exports and const constructors.

use std::any::Any;
use std::borrow::Cow;

pub use linkme;
#[cfg(not(target_family = "wasm"))]
pub use linkme::distributed_slice;
pub use module_registry_core::req::{Comparator, Op, VersionReq};
/// Without linker sections a module's static stays a plain static, which the build check's list
/// names.
#[cfg(target_family = "wasm")]
pub use module_registry_macros::__no_linker_section as distributed_slice;

pub use crate::async_hooks::{
    async_create, async_feature, async_hooks, async_lifecycle, boxed_create, sync_create,
    sync_create_of_async, sync_hook_of_async, sync_lifecycle, AsyncCreate, AsyncHooks,
    CreateFuture, DeclaresAsyncLifecycle,
};
pub use crate::const_check::{check_requirement, stub};
pub use crate::context::Context;
pub use crate::descriptor::{
    Dependency, Location, ModuleDescriptor, ModuleType, Provided, Version,
};
pub use crate::error::ModuleError;
pub use crate::linked::{ExpectedModule, EXPECTED, MODULES};
pub use crate::module::{Caster, DependsOn, Lifecycle, Module, OptionallyDependsOn};

/// Builds a descriptor; `T`'s lifecycle functions are filled in here, not in the expansion.
#[allow(clippy::too_many_arguments)]
pub const fn descriptor<T: Module>(
    name: &'static str,
    version: Version,
    kind: ModuleType,
    capabilities: &'static [&'static str],
    requires: &'static [&'static str],
    dependencies: &'static [Dependency],
    provides: &'static [Provided],
    description: &'static str,
    type_name: &'static str,
    location: Location,
) -> ModuleDescriptor {
    ModuleDescriptor {
        name,
        version,
        kind,
        capabilities,
        requires,
        dependencies,
        provides,
        description,
        type_name,
        location,
        create: crate::instance::create_erased::<T>,
        #[cfg(feature = "async")]
        hooks: T::__HOOKS,
    }
}

pub const fn version(
    major: u64,
    minor: u64,
    patch: u64,
    pre: &'static str,
    build: &'static str,
) -> Version {
    Version::with_parts(major, minor, patch, pre, build)
}

pub const fn custom_kind(name: &'static str) -> ModuleType {
    ModuleType::Custom(Cow::Borrowed(name))
}

pub const fn location(file: &'static str, line: u32, column: u32) -> Location {
    Location::new(file, line, column)
}

pub const fn dependency(
    target: fn() -> &'static ModuleDescriptor,
    req: Option<VersionReq<'static>>,
    optional: bool,
    location: Location,
) -> Dependency {
    Dependency {
        target,
        req,
        optional,
        location,
    }
}

pub const fn provided(name: &'static str, caster: &'static (dyn Any + Send + Sync)) -> Provided {
    Provided { name, caster }
}

pub const fn expected(
    name: &'static str,
    type_name: &'static str,
    location: Location,
) -> ExpectedModule {
    ExpectedModule {
        name,
        type_name,
        location,
    }
}
