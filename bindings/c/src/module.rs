//! What C sees of a module, linked or registered at run time, and lists of them.

use std::borrow::Cow;
use std::ffi::{c_char, CString};
use std::ptr;
use std::sync::OnceLock;

use module_registry::{ModuleDescriptor, ModuleInfo, Registry};

use crate::error::{c_string, guard, guard_value, Failure, MrError};

/// One module: name, version, kind, capabilities, required capabilities and dependencies, as
/// NUL-terminated strings borrowed from the module.
///
/// A linked module's `MrModule` lives as long as the library is loaded; one in an
/// `MrModuleList` lives until the list is freed.
#[derive(Clone, Debug)]
pub struct MrModule {
    name: CString,
    version: CString,
    kind: CString,
    description: CString,
    capabilities: Vec<CString>,
    requires: Vec<CString>,
    dependencies: Vec<Dependency>,
}

#[derive(Clone, Debug)]
struct Dependency {
    name: CString,
    version_req: Option<CString>,
    optional: bool,
}

fn c_strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Vec<CString> {
    items.into_iter().map(c_string).collect()
}

impl MrModule {
    fn from_descriptor(d: &'static ModuleDescriptor) -> Self {
        MrModule {
            name: c_string(d.name()),
            version: c_string(&d.version().to_string()),
            kind: c_string(d.kind().as_str()),
            description: c_string(d.description()),
            capabilities: c_strings(d.capabilities().iter().copied()),
            requires: c_strings(d.requires().iter().copied()),
            dependencies: d
                .dependencies()
                .iter()
                .map(|dep| Dependency {
                    name: c_string(dep.name()),
                    version_req: dep.version_req().map(c_string),
                    optional: dep.is_optional(),
                })
                .collect(),
        }
    }

    pub(crate) fn from_info(info: &ModuleInfo) -> Self {
        if let Some(d) = info.descriptor() {
            if let Some(linked) = linked(d) {
                return linked.clone();
            }
        }
        MrModule {
            name: c_string(info.name()),
            version: c_string(&info.version().to_string()),
            kind: c_string(info.module_type().as_str()),
            description: CString::default(),
            capabilities: c_strings(info.capabilities()),
            requires: c_strings(info.required_capabilities()),
            dependencies: info
                .dependencies()
                .iter()
                .map(|dep| Dependency {
                    name: c_string(dep.name()),
                    version_req: dep.version_req().map(c_string),
                    optional: dep.is_optional(),
                })
                .collect(),
        }
    }
}

/// Every linked module's `MrModule`, built on first use, and their positions sorted by
/// descriptor address.
struct Linked {
    modules: Vec<MrModule>,
    by_address: Vec<(usize, usize)>,
}

fn address(d: &'static ModuleDescriptor) -> usize {
    ptr::from_ref(d) as usize
}

/// The `MrModule` of a linked module, alive as long as the library.
pub(crate) fn linked(d: &'static ModuleDescriptor) -> Option<&'static MrModule> {
    static LINKED: OnceLock<Linked> = OnceLock::new();
    let table = LINKED.get_or_init(|| {
        let modules: Vec<_> = Registry::global()
            .modules()
            .map(MrModule::from_descriptor)
            .collect();
        let mut by_address: Vec<_> = Registry::global()
            .modules()
            .enumerate()
            .map(|(i, d)| (address(d), i))
            .collect();
        by_address.sort_unstable();
        Linked {
            modules,
            by_address,
        }
    });
    let at = table
        .by_address
        .binary_search_by_key(&address(d), |&(a, _)| a)
        .ok()?;
    Some(&table.modules[table.by_address[at].1])
}

/// A list of modules, owned by the caller; free it with `mr_module_list_free`.
#[derive(Debug, Default)]
pub struct MrModuleList {
    items: Vec<Cow<'static, MrModule>>,
}

impl MrModuleList {
    pub(crate) fn from_descriptors(
        descriptors: impl IntoIterator<Item = &'static ModuleDescriptor>,
    ) -> Self {
        MrModuleList {
            items: descriptors
                .into_iter()
                .map(|d| match linked(d) {
                    Some(m) => Cow::Borrowed(m),
                    None => Cow::Owned(MrModule::from_descriptor(d)),
                })
                .collect(),
        }
    }

    pub(crate) fn from_infos(infos: &[ModuleInfo]) -> Self {
        MrModuleList {
            items: infos
                .iter()
                .map(|info| Cow::Owned(MrModule::from_info(info)))
                .collect(),
        }
    }

    /// Hands the list to C through `out`.
    ///
    /// # Safety
    /// `out` is writable storage for one pointer.
    pub(crate) unsafe fn write_to(self, out: *mut *mut MrModuleList) {
        // SAFETY: guaranteed by the caller.
        unsafe { out.write(Box::into_raw(Box::new(self))) };
    }
}

/// How many modules `list` holds; 0 for NULL.
///
/// # Safety
/// `list` is NULL or an `MrModuleList` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_module_list_len(list: *const MrModuleList) -> usize {
    guard_value(0, || {
        // SAFETY: guaranteed by the caller.
        unsafe { list.as_ref() }.map_or(0, |l| l.items.len())
    })
}

/// Module `index` of `list`, borrowed until the list is freed; NULL if `list` is NULL or
/// `index` is out of range.
///
/// # Safety
/// `list` is NULL or an `MrModuleList` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_module_list_get(
    list: *const MrModuleList,
    index: usize,
) -> *const MrModule {
    guard_value(ptr::null(), || {
        // SAFETY: guaranteed by the caller.
        let list = unsafe { list.as_ref() };
        list.and_then(|l| l.items.get(index))
            .map_or(ptr::null(), |m| ptr::from_ref::<MrModule>(m))
    })
}

/// Frees a list (and the modules borrowed from it). NULL is ignored.
///
/// # Safety
/// `list` is NULL or an `MrModuleList` from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_module_list_free(list: *mut MrModuleList) {
    guard_value((), || {
        if !list.is_null() {
            // SAFETY: `list` came from `Box::into_raw` in `write_to` and is freed once.
            drop(unsafe { Box::from_raw(list) });
        }
    });
}

/// Reads one string field of a module; NULL for a NULL module.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
unsafe fn field(
    module: *const MrModule,
    get: impl FnOnce(&MrModule) -> *const c_char,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: guaranteed by the caller.
        unsafe { module.as_ref() }.map_or(ptr::null(), get)
    })
}

/// The module's name, borrowed from `module`; NULL for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_name(module: *const MrModule) -> *const c_char {
    // SAFETY: guaranteed by the caller.
    unsafe { field(module, |m| m.name.as_ptr()) }
}

/// The module's version (`"1.2.0"`), borrowed from `module`; NULL for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_version(module: *const MrModule) -> *const c_char {
    // SAFETY: guaranteed by the caller.
    unsafe { field(module, |m| m.version.as_ptr()) }
}

/// The module's kind (`"Storage"`, `"DataProcessor"`, ... or a custom kind's text), borrowed
/// from `module`; NULL for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_kind(module: *const MrModule) -> *const c_char {
    // SAFETY: guaranteed by the caller.
    unsafe { field(module, |m| m.kind.as_ptr()) }
}

/// The module's description (empty for a module registered at run time), borrowed from
/// `module`; NULL for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_description(module: *const MrModule) -> *const c_char {
    // SAFETY: guaranteed by the caller.
    unsafe { field(module, |m| m.description.as_ptr()) }
}

/// How many capabilities the module provides; 0 for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_capability_count(module: *const MrModule) -> usize {
    guard_value(0, || {
        // SAFETY: guaranteed by the caller.
        unsafe { module.as_ref() }.map_or(0, |m| m.capabilities.len())
    })
}

/// Capability `index` the module provides, borrowed from `module`; NULL if out of range.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_capability(
    module: *const MrModule,
    index: usize,
) -> *const c_char {
    // SAFETY: guaranteed by the caller.
    unsafe {
        field(module, |m| {
            m.capabilities
                .get(index)
                .map_or(ptr::null(), |c| c.as_ptr())
        })
    }
}

/// How many capabilities the module requires some other module to provide; 0 for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_requirement_count(module: *const MrModule) -> usize {
    guard_value(0, || {
        // SAFETY: guaranteed by the caller.
        unsafe { module.as_ref() }.map_or(0, |m| m.requires.len())
    })
}

/// Required capability `index`, borrowed from `module`; NULL if out of range.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_requirement(
    module: *const MrModule,
    index: usize,
) -> *const c_char {
    // SAFETY: guaranteed by the caller.
    unsafe {
        field(module, |m| {
            m.requires.get(index).map_or(ptr::null(), |c| c.as_ptr())
        })
    }
}

/// How many dependencies (required and optional) the module declares; 0 for NULL.
///
/// # Safety
/// `module` is NULL or a live `MrModule`.
#[no_mangle]
pub unsafe extern "C" fn mr_module_dependency_count(module: *const MrModule) -> usize {
    guard_value(0, || {
        // SAFETY: guaranteed by the caller.
        unsafe { module.as_ref() }.map_or(0, |m| m.dependencies.len())
    })
}

/// Dependency `index`: its name (written to `name` if not NULL, borrowed from `module`), its
/// version requirement (written to `version_req` if not NULL: a borrowed string, or NULL when there is none) and
/// whether it is optional (written to `optional` if not NULL).
///
/// `MR_NULL_ARGUMENT` for a NULL module, `MR_INVALID_ARGUMENT` for an index out of range.
///
/// # Safety
/// `module` is NULL or a live `MrModule`; `name`, `version_req`, `optional` and `err` are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_module_dependency(
    module: *const MrModule,
    index: usize,
    name: *mut *const c_char,
    version_req: *mut *const c_char,
    optional: *mut bool,
    err: *mut *mut MrError,
) -> crate::MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let module = unsafe { crate::error::handle(module, "module") }?;
        let dep = module.dependencies.get(index).ok_or_else(|| {
            Failure::invalid(format!(
                "dependency index {index} out of range: the module has {}",
                module.dependencies.len()
            ))
        })?;
        // SAFETY: each out-argument is NULL or writable, by the caller's guarantee.
        unsafe {
            if !name.is_null() {
                name.write(dep.name.as_ptr());
            }
            if !version_req.is_null() {
                version_req.write(dep.version_req.as_ref().map_or(ptr::null(), |r| r.as_ptr()));
            }
            if !optional.is_null() {
                optional.write(dep.optional);
            }
        }
        Ok(())
    })
}
