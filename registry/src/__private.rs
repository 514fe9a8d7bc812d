// Not public API. Used by generated code.

use std::any::Any;
use std::borrow::Cow;

pub use linkme;
pub use linkme::distributed_slice;

pub use crate::context::Context;
pub use crate::descriptor::{
    Dependency, Location, ModuleDescriptor, ModuleType, Provided, Version,
};
pub use crate::error::ModuleError;
pub use crate::module::{DependsOn, Lifecycle, Module, OptionallyDependsOn};
use crate::runtime;

/// Every module descriptor of the program, collected by the linker.
#[distributed_slice]
pub static MODULES: [ModuleDescriptor];

/// The position of `d` in [`MODULES`]: descriptors are slice elements, so their address is a
/// dense index.
#[inline]
pub(crate) fn slice_index(d: &'static ModuleDescriptor) -> Option<usize> {
    let base = MODULES.as_ptr() as usize;
    let offset = (d as *const ModuleDescriptor as usize).wrapping_sub(base);
    let i = offset / std::mem::size_of::<ModuleDescriptor>();
    (i < MODULES.len()).then_some(i)
}

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
        create: runtime::create_erased::<T>,
    }
}

pub const fn version(
    major: u64,
    minor: u64,
    patch: u64,
    pre: &'static str,
    build: &'static str,
) -> Version {
    Version {
        major,
        minor,
        patch,
        pre,
        build,
    }
}

pub const fn custom_kind(name: &'static str) -> ModuleType {
    ModuleType::Custom(Cow::Borrowed(name))
}

pub const fn location(file: &'static str, line: u32, column: u32) -> Location {
    Location { file, line, column }
}

pub const fn dependency(
    target: fn() -> &'static ModuleDescriptor,
    req: Option<&'static str>,
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

/// Turns a type-erased instance pointer of the module into `*const I`.
pub struct Caster<I: ?Sized + 'static>(pub fn(*const ()) -> *const I);

pub const fn provided(name: &'static str, caster: &'static (dyn Any + Send + Sync)) -> Provided {
    Provided { name, caster }
}

/// A module the build check found in the sources; written by `module-registry-build` into
/// `OUT_DIR/module_registry_link.rs` and pulled in by `link_modules!()`.
pub struct ExpectedModule {
    pub name: &'static str,
    pub type_name: &'static str,
    pub location: Location,
}

/// Every module some build check expected to be linked into this program.
#[distributed_slice]
pub static EXPECTED: [ExpectedModule];

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
pub use crate::const_check::*;
