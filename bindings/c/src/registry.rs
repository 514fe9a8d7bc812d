//! The static registry (every module linked into the library) and its runtime.

use std::ffi::{c_char, c_int};
use std::ptr;
use std::sync::LazyLock;

use module_registry::{BootPolicy, Registry, Runtime};

use crate::bytes::{input, MrBytes};
use crate::error::{check_out, guard, guard_value, handle, text, Failure, MrError, MrStatus};
use crate::module::{linked, MrModule, MrModuleList};

/// A set of linked modules. The only one is `mr_registry_global()`, which is never freed.
#[derive(Debug)]
pub struct MrRegistry(&'static Registry);

/// What `mr_registry_boot` does when a module fails.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MrBootPolicy {
    /// Stop, clean up what was started in reverse order, and fail with `MR_BOOT_FAILED`.
    MrFailFast = 0,
    /// Skip the failed module and every module that requires it; boot the rest.
    MrDegrade = 1,
}

/// Booted modules: one instance each, in dependency order. Owned by the caller; end it with
/// `mr_runtime_shutdown`, exactly once.
#[derive(Debug)]
pub struct MrRuntime(Runtime);

/// Every module linked into the library: the registry its linker collected. Never freed.
#[no_mangle]
pub extern "C" fn mr_registry_global() -> *const MrRegistry {
    static GLOBAL: LazyLock<MrRegistry> = LazyLock::new(|| MrRegistry(Registry::global()));
    guard_value(ptr::null(), || ptr::from_ref(&*GLOBAL))
}

/// How many modules `registry` holds; 0 for NULL.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_len(registry: *const MrRegistry) -> usize {
    guard_value(0, || {
        // SAFETY: guaranteed by the caller.
        unsafe { registry.as_ref() }.map_or(0, |r| r.0.len())
    })
}

/// Writes to `out` a new list of every module of `registry`, in link order. The caller frees
/// it with `mr_module_list_free`.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`; `out` is NULL or writable; `err` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_modules(
    registry: *const MrRegistry,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        check_out(out, "out")?;
        let list = MrModuleList::from_descriptors(registry.0.modules());
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Writes to `out` the module named `name`, borrowed for as long as the library is loaded
/// (never freed); `MR_NOT_FOUND` if there is none.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`; `name` is NULL or NUL-terminated; `out`
/// and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_find(
    registry: *const MrRegistry,
    name: *const c_char,
    out: *mut *const MrModule,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        // SAFETY: guaranteed by the caller.
        let name = unsafe { text(name, "name") }?;
        check_out(out, "out")?;
        let module = registry.0.find(name).and_then(linked).ok_or_else(|| {
            Failure::new(MrStatus::MrNotFound, format!("no module named \"{name}\""))
        })?;
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { out.write(module) };
        Ok(())
    })
}

/// Writes to `out` a new list of the modules that provide `capability`, in registry order (an
/// empty list if none does). The caller frees it with `mr_module_list_free`.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`; `capability` is NULL or NUL-terminated;
/// `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_with_capability(
    registry: *const MrRegistry,
    capability: *const c_char,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        // SAFETY: guaranteed by the caller.
        let capability = unsafe { text(capability, "capability") }?;
        check_out(out, "out")?;
        let list = MrModuleList::from_descriptors(registry.0.with_capability(capability));
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Runs every graph check. `MR_INVALID_GRAPH` if one fails: the error holds one finding per
/// problem, each with its code (`MR0001` cycle ... `MR0006` not linked) and text.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_validate(
    registry: *const MrRegistry,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        registry.0.validate()?;
        Ok(())
    })
}

/// Writes to `out` a new list of the modules in boot order (dependencies first, ties by name);
/// fails like `mr_registry_validate`. The caller frees the list with `mr_module_list_free`.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_init_order(
    registry: *const MrRegistry,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        check_out(out, "out")?;
        let order = registry.0.init_order()?;
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { MrModuleList::from_descriptors(order).write_to(out) };
        Ok(())
    })
}

/// Boots every module of `registry` in dependency order and writes the new runtime to `out`;
/// the caller ends it with `mr_runtime_shutdown`. `policy` is an `MrBootPolicy` value.
///
/// Fails with `MR_INVALID_GRAPH` (nothing started) or `MR_BOOT_FAILED` (what was started has
/// been cleaned up, in reverse order); `*out` is then left unchanged.
///
/// # Safety
/// `registry` is NULL or from `mr_registry_global`; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_registry_boot(
    registry: *const MrRegistry,
    policy: c_int,
    out: *mut *mut MrRuntime,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let registry = unsafe { handle(registry, "registry") }?;
        check_out(out, "out")?;
        let policy = match policy {
            p if p == MrBootPolicy::MrFailFast as c_int => BootPolicy::FailFast,
            p if p == MrBootPolicy::MrDegrade as c_int => BootPolicy::Degrade,
            p => return Err(Failure::invalid(format!("{p} is not an MrBootPolicy"))),
        };
        let runtime = registry.0.boot_with(policy)?;
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { out.write(Box::into_raw(Box::new(MrRuntime(runtime)))) };
        Ok(())
    })
}

/// Writes to `out` a new list of the running modules, in boot order. The caller frees it with
/// `mr_module_list_free`.
///
/// # Safety
/// `runtime` is NULL or a runtime not yet shut down; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_runtime_modules(
    runtime: *const MrRuntime,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let runtime = unsafe { handle(runtime, "runtime") }?;
        check_out(out, "out")?;
        let list = MrModuleList::from_descriptors(runtime.0.modules());
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Writes to `out` a new list of the running modules that provide `dyn Processor`, in boot
/// order: the stages of a pipeline. The caller frees it with `mr_module_list_free`.
///
/// # Safety
/// `runtime` is NULL or a runtime not yet shut down; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_runtime_processors(
    runtime: *const MrRuntime,
    out: *mut *mut MrModuleList,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let runtime = unsafe { handle(runtime, "runtime") }?;
        check_out(out, "out")?;
        let rt = &runtime.0;
        let list = MrModuleList::from_descriptors(
            rt.modules().filter(|d| rt.processor(d.name()).is_some()),
        );
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { list.write_to(out) };
        Ok(())
    })
}

/// Runs the `process` of the running module `name` (one that provides `dyn Processor`) on the
/// `len` bytes at `data`, and writes the result to `out`; the caller frees it with
/// `mr_bytes_free`. `data` may be NULL when `len` is 0; it is only read during the call.
///
/// `MR_NOT_FOUND` if no running module of that name provides `dyn Processor`;
/// `MR_MODULE_FAILED` with the module's message if it returned an error. Safe to call from
/// several threads at once on one runtime.
///
/// # Safety
/// `runtime` is NULL or a runtime not yet shut down; `name` is NULL or NUL-terminated; `data`
/// is NULL or `len` readable bytes; `out` and `err` are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_runtime_process(
    runtime: *const MrRuntime,
    name: *const c_char,
    data: *const u8,
    len: usize,
    out: *mut MrBytes,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let runtime = unsafe { handle(runtime, "runtime") }?;
        // SAFETY: guaranteed by the caller.
        let name = unsafe { text(name, "name") }?;
        // SAFETY: guaranteed by the caller.
        let data = unsafe { input(data, len) }?;
        check_out(out, "out")?;
        let processor = runtime.0.processor(name).ok_or_else(|| {
            Failure::new(
                MrStatus::MrNotFound,
                format!("no running module named \"{name}\" provides `dyn Processor`"),
            )
        })?;
        let result = processor.process(data)?;
        // SAFETY: `out` is not NULL and writable, by the caller's guarantee.
        unsafe { out.write(MrBytes::from_vec(result)) };
        Ok(())
    })
}

/// Runs every module's cleanup in reverse boot order and frees the runtime, whatever happens:
/// `runtime` must not be used again. `MR_SHUTDOWN_FAILED` lists the cleanups that failed.
/// NULL is `MR_NULL_ARGUMENT`.
///
/// # Safety
/// `runtime` is NULL or from `mr_registry_boot`, not yet shut down, and no other thread is
/// using it; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_runtime_shutdown(
    runtime: *mut MrRuntime,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        if runtime.is_null() {
            return Err(Failure::null("runtime"));
        }
        // SAFETY: `runtime` came from `Box::into_raw` in `mr_registry_boot` and is freed once.
        let runtime = unsafe { Box::from_raw(runtime) };
        runtime.0.shutdown()?;
        Ok(())
    })
}
