//! What the linker collects: every module's descriptor, and the modules a build check expected.

use linkme::distributed_slice;

use crate::descriptor::{Location, ModuleDescriptor};

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

/// A module the build check found in the sources; written by `module-registry-build` into
/// `OUT_DIR/module_registry_link.rs` and pulled in by `link_modules!()`.
pub struct ExpectedModule {
    pub(crate) name: &'static str,
    pub(crate) type_name: &'static str,
    pub(crate) location: Location,
}

/// Every module some build check expected to be linked into this program.
#[distributed_slice]
pub static EXPECTED: [ExpectedModule];
