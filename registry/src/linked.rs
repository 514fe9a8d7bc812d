//! What the program links: every module's descriptor, and the modules a build check expected.
//!
//! Where the linker collects sections (ELF, Mach-O, PE), each derive places its descriptor in a
//! `linkme` slice and a descriptor's address is its index. On WebAssembly, which has no such
//! sections, the derive places nothing: the build check writes the list of every module into
//! the file `link_modules!()` includes, which exports it under the symbol
//! `module_registry_core::list_symbol!()` names, and indexes go through a table built on first
//! use.

use crate::descriptor::{Location, ModuleDescriptor};

/// A module the build check found in the sources; written by `module-registry-build` into
/// `OUT_DIR/module_registry_link.rs` and pulled in by `link_modules!()`.
pub struct ExpectedModule {
    pub(crate) name: &'static str,
    pub(crate) type_name: &'static str,
    pub(crate) location: Location,
}

#[cfg(not(target_family = "wasm"))]
pub use self::sections::{EXPECTED, MODULES};

/// Without linker sections, the name the derive's attribute is given and ignores.
#[cfg(target_family = "wasm")]
pub static MODULES: [ModuleDescriptor; 0] = [];

/// Without linker sections, the name the build check's file would use; it writes a list there.
#[cfg(target_family = "wasm")]
pub static EXPECTED: [ExpectedModule; 0] = [];

#[cfg(not(target_family = "wasm"))]
mod sections {
    use linkme::distributed_slice;

    use super::ExpectedModule;
    use crate::descriptor::ModuleDescriptor;

    /// Every module descriptor of the program, collected by the linker.
    #[distributed_slice]
    pub static MODULES: [ModuleDescriptor];

    /// Every module some build check expected to be linked into this program.
    #[distributed_slice]
    pub static EXPECTED: [ExpectedModule];
}

/// How many modules are linked.
#[cfg(not(target_family = "wasm"))]
pub(crate) fn len() -> usize {
    MODULES.len()
}

/// The `i`-th linked module.
#[cfg(not(target_family = "wasm"))]
pub(crate) fn at(i: usize) -> &'static ModuleDescriptor {
    &MODULES[i]
}

/// The position of `d` among the linked modules: descriptors are slice elements, so their
/// address is a dense index.
#[cfg(not(target_family = "wasm"))]
#[inline]
pub(crate) fn index_of(d: &'static ModuleDescriptor) -> Option<usize> {
    let base = MODULES.as_ptr() as usize;
    let offset = (d as *const ModuleDescriptor as usize).wrapping_sub(base);
    let i = offset / std::mem::size_of::<ModuleDescriptor>();
    (i < MODULES.len()).then_some(i)
}

/// The modules the build check expected; each is linked or `validate()` names it.
#[cfg(not(target_family = "wasm"))]
pub(crate) fn expected() -> &'static [ExpectedModule] {
    &EXPECTED
}

#[cfg(target_family = "wasm")]
mod list {
    use std::collections::HashMap;
    use std::sync::OnceLock;

    use crate::descriptor::ModuleDescriptor;

    extern "Rust" {
        // The list `link_modules!()` exports: `&'static` descriptors, written once by the
        // compiler.
        #[link_name = module_registry_core::list_symbol!()]
        static MODULE_LIST: &'static [&'static ModuleDescriptor];
    }

    pub(crate) fn modules() -> &'static [&'static ModuleDescriptor] {
        // A program without `link_modules!()` leaves the symbol undefined, which the
        // WebAssembly linker resolves to address 0. Read the address as an opaque value, so
        // the check is not folded away on the assumption that statics are never null.
        let at = std::hint::black_box(std::ptr::addr_of!(MODULE_LIST));
        if at.is_null() {
            panic!(
                "`Registry::global()` on a target without linker sections lists the modules \
                 that `module_registry::link_modules!()` names: call it at the crate root, with \
                 `module_registry_build::Checker` in `build.rs`; or use `modules![...]`"
            );
        }
        // SAFETY: `link_modules!()` defines the symbol as a `static` of exactly this type, and
        // nothing writes it.
        unsafe { *at }
    }

    /// Descriptor address → position, built on first use.
    pub(crate) fn positions() -> &'static HashMap<usize, usize> {
        static POSITIONS: OnceLock<HashMap<usize, usize>> = OnceLock::new();
        POSITIONS.get_or_init(|| {
            let mut map = HashMap::new();
            for (i, &d) in modules().iter().enumerate() {
                map.entry(d as *const ModuleDescriptor as usize)
                    .or_insert(i);
            }
            map
        })
    }
}

/// How many modules are linked.
#[cfg(target_family = "wasm")]
pub(crate) fn len() -> usize {
    list::modules().len()
}

/// The `i`-th linked module.
#[cfg(target_family = "wasm")]
pub(crate) fn at(i: usize) -> &'static ModuleDescriptor {
    list::modules()[i]
}

/// The position of `d` among the linked modules.
#[cfg(target_family = "wasm")]
pub(crate) fn index_of(d: &'static ModuleDescriptor) -> Option<usize> {
    list::positions()
        .get(&(d as *const ModuleDescriptor as usize))
        .copied()
}

/// The modules the build check expected: on this target, its list is what is linked.
#[cfg(target_family = "wasm")]
pub(crate) fn expected() -> &'static [ExpectedModule] {
    &[]
}
