//! Status codes, the error object, and the guard every entry point runs its body in.

use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use module_registry::{BootError, ModuleError, RegistryError, ShutdownError, ValidationErrors};

/// What a function returned. `MR_OK` is zero; every other value is a failure, described by the
/// `MrError` the function wrote to its `err` argument.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MrStatus {
    /// Success.
    MrOk = 0,
    /// A required pointer argument was NULL.
    MrNullArgument = 1,
    /// An argument was malformed: a string that is not UTF-8, an index out of range, a missing
    /// callback.
    MrInvalidArgument = 2,
    /// No module, or no processor, of that name.
    MrNotFound = 3,
    /// The module graph is invalid; the error's findings carry the codes (`MR0001`...).
    MrInvalidGraph = 4,
    /// A dynamic registration was refused; the registry is unchanged. The findings carry the codes.
    MrRefused = 5,
    /// A module failed while booting or being created; what was started was cleaned up.
    MrBootFailed = 6,
    /// A module's `process` returned an error.
    MrModuleFailed = 7,
    /// Shutdown ran every cleanup, and some failed; everything was still freed.
    MrShutdownFailed = 8,
    /// Rust code panicked; the panic was caught at the boundary.
    MrPanic = 9,
}

impl MrStatus {
    const ALL: [MrStatus; 10] = [
        MrStatus::MrOk,
        MrStatus::MrNullArgument,
        MrStatus::MrInvalidArgument,
        MrStatus::MrNotFound,
        MrStatus::MrInvalidGraph,
        MrStatus::MrRefused,
        MrStatus::MrBootFailed,
        MrStatus::MrModuleFailed,
        MrStatus::MrShutdownFailed,
        MrStatus::MrPanic,
    ];

    /// The status's name, as `mr_status_name` returns it.
    pub fn name(self) -> &'static CStr {
        match self {
            MrStatus::MrOk => c"ok",
            MrStatus::MrNullArgument => c"null_argument",
            MrStatus::MrInvalidArgument => c"invalid_argument",
            MrStatus::MrNotFound => c"not_found",
            MrStatus::MrInvalidGraph => c"invalid_graph",
            MrStatus::MrRefused => c"refused",
            MrStatus::MrBootFailed => c"boot_failed",
            MrStatus::MrModuleFailed => c"module_failed",
            MrStatus::MrShutdownFailed => c"shutdown_failed",
            MrStatus::MrPanic => c"panic",
        }
    }
}

/// The name of an `MrStatus` value, e.g. `"not_found"`: a static string, never freed. NULL for
/// a value that is not a status.
#[no_mangle]
pub extern "C" fn mr_status_name(status: c_int) -> *const c_char {
    guard_value(ptr::null(), || {
        MrStatus::ALL
            .iter()
            .find(|s| **s as c_int == status)
            .map_or(ptr::null(), |s| s.name().as_ptr())
    })
}

/// A failure: its status, its message, and for graph errors one finding per problem, each with
/// its stable code. Owned by the caller; free it with `mr_error_free`.
#[derive(Debug)]
pub struct MrError {
    status: MrStatus,
    message: CString,
    findings: Vec<(CString, CString)>,
}

/// A failure inside the library, before it is handed to C as an `MrError`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: MrStatus,
    pub(crate) message: String,
    pub(crate) findings: Vec<(String, String)>,
}

impl Failure {
    pub(crate) fn new(status: MrStatus, message: impl Into<String>) -> Self {
        Failure {
            status,
            message: message.into(),
            findings: Vec::new(),
        }
    }

    pub(crate) fn null(what: &str) -> Self {
        Failure::new(MrStatus::MrNullArgument, format!("`{what}` is NULL"))
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Failure::new(MrStatus::MrInvalidArgument, message)
    }

    fn graph(status: MrStatus, message: String, errors: &ValidationErrors) -> Self {
        Failure {
            status,
            message,
            findings: errors
                .iter()
                .map(|e| (e.code().to_owned(), e.to_string()))
                .collect(),
        }
    }
}

impl From<ValidationErrors> for Failure {
    fn from(errors: ValidationErrors) -> Self {
        Failure::graph(MrStatus::MrInvalidGraph, errors.to_string(), &errors)
    }
}

impl From<BootError> for Failure {
    fn from(error: BootError) -> Self {
        match &error {
            BootError::Invalid(errors) => {
                Failure::graph(MrStatus::MrInvalidGraph, error.to_string(), errors)
            }
            _ => Failure::new(MrStatus::MrBootFailed, error.to_string()),
        }
    }
}

impl From<ShutdownError> for Failure {
    fn from(error: ShutdownError) -> Self {
        Failure::new(MrStatus::MrShutdownFailed, error.to_string())
    }
}

impl From<ModuleError> for Failure {
    fn from(error: ModuleError) -> Self {
        Failure::new(MrStatus::MrModuleFailed, error.to_string())
    }
}

impl From<RegistryError> for Failure {
    fn from(error: RegistryError) -> Self {
        let status = match &error {
            RegistryError::Refused { .. } => MrStatus::MrRefused,
            RegistryError::NotFound { .. } => MrStatus::MrNotFound,
            RegistryError::Process(_) => MrStatus::MrModuleFailed,
            RegistryError::Cleanup { .. } => MrStatus::MrShutdownFailed,
            _ => MrStatus::MrBootFailed,
        };
        match error.validation_errors() {
            Some(errors) => Failure::graph(status, error.to_string(), errors),
            None => Failure::new(status, error.to_string()),
        }
    }
}

/// A C string from Rust text; an interior NUL, which C cannot hold, ends the string there.
pub(crate) fn c_string(text: &str) -> CString {
    let text = text.split('\0').next().unwrap_or_default();
    CString::new(text).unwrap_or_default()
}

fn into_error(failure: Failure) -> MrError {
    MrError {
        status: failure.status,
        message: c_string(&failure.message),
        findings: failure
            .findings
            .iter()
            .map(|(code, text)| (c_string(code), c_string(text)))
            .collect(),
    }
}

/// The message of a caught panic.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "a panic with a non-string payload"
    };
    format!("panic in module-registry: {text}")
}

/// Drops a panic payload, whose own `Drop` may panic in turn; that second payload is leaked
/// rather than let it unwind into C.
fn drop_payload(payload: Box<dyn std::any::Any + Send>) {
    if let Err(again) = catch_unwind(AssertUnwindSafe(|| drop(payload))) {
        std::mem::forget(again);
    }
}

/// Runs the body of an entry point that reports through `err`: catches a panic, turns a
/// failure into a status and, if `err` is not NULL, an `MrError` written there.
pub(crate) fn guard(
    err: *mut *mut MrError,
    body: impl FnOnce() -> Result<(), Failure>,
) -> MrStatus {
    if !err.is_null() {
        // SAFETY: the caller passes NULL or a pointer to writable storage for one pointer.
        unsafe { err.write(ptr::null_mut()) };
    }
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return MrStatus::MrOk,
        Ok(Err(failure)) => failure,
        Err(payload) => {
            let message = panic_message(&*payload);
            drop_payload(payload);
            Failure::new(MrStatus::MrPanic, message)
        }
    };
    let status = failure.status;
    if !err.is_null() {
        let error = Box::into_raw(Box::new(into_error(failure)));
        // SAFETY: as above.
        unsafe { err.write(error) };
    }
    status
}

/// Runs the body of an entry point that returns a value instead of a status: a panic returns
/// `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(value) => value,
        Err(payload) => {
            drop_payload(payload);
            fallback
        }
    }
}

/// Borrows an opaque handle, or fails with `MR_NULL_ARGUMENT`.
///
/// # Safety
/// `p` is NULL or points to a live `T` that outlives `'a`.
pub(crate) unsafe fn handle<'a, T>(p: *const T, what: &str) -> Result<&'a T, Failure> {
    // SAFETY: guaranteed by the caller.
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(what))
}

/// Borrows a NUL-terminated UTF-8 string, or fails with `MR_NULL_ARGUMENT` or
/// `MR_INVALID_ARGUMENT`.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn text<'a>(p: *const c_char, what: &str) -> Result<&'a str, Failure> {
    if p.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: `p` is not NULL and, by the caller's guarantee, NUL-terminated.
    let bytes = unsafe { CStr::from_ptr(p) };
    bytes
        .to_str()
        .map_err(|_| Failure::invalid(format!("`{what}` is not UTF-8")))
}

/// Like [`text`], but NULL is `None`.
///
/// # Safety
/// As for [`text`].
pub(crate) unsafe fn optional_text<'a>(
    p: *const c_char,
    what: &str,
) -> Result<Option<&'a str>, Failure> {
    if p.is_null() {
        Ok(None)
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { text(p, what) }.map(Some)
    }
}

/// `len` strings from `p`; NULL is an empty list only when `len` is 0.
///
/// # Safety
/// `p` is NULL or points to `len` pointers, each NULL or NUL-terminated, outliving `'a`.
pub(crate) unsafe fn text_list<'a>(
    p: *const *const c_char,
    len: usize,
    what: &str,
) -> Result<Vec<&'a str>, Failure> {
    let items = unsafe { slice(p, len, what) }?;
    items
        .iter()
        // SAFETY: each item is NULL or NUL-terminated, by the caller's guarantee.
        .map(|&item| unsafe { text(item, what) })
        .collect()
}

/// Borrows `len` elements at `p`; NULL is an empty slice only when `len` is 0.
///
/// # Safety
/// `p` is NULL or points to `len` initialized elements that outlive `'a`.
pub(crate) unsafe fn slice<'a, T>(p: *const T, len: usize, what: &str) -> Result<&'a [T], Failure> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(Failure::null(what));
    }
    // SAFETY: `p` is not NULL and points to `len` elements, by the caller's guarantee.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Fails with `MR_NULL_ARGUMENT` if an out-argument is NULL. Checked before any work is done,
/// so that a NULL out-argument never leaves a result without an owner.
pub(crate) fn check_out<T>(p: *mut T, what: &str) -> Result<(), Failure> {
    if p.is_null() {
        Err(Failure::null(what))
    } else {
        Ok(())
    }
}

/// The status of an error; `MR_INVALID_ARGUMENT` for NULL.
///
/// # Safety
/// `error` is NULL or an `MrError` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_error_status(error: *const MrError) -> MrStatus {
    guard_value(MrStatus::MrInvalidArgument, || {
        // SAFETY: guaranteed by the caller.
        match unsafe { error.as_ref() } {
            Some(e) => e.status,
            None => MrStatus::MrInvalidArgument,
        }
    })
}

/// The error's message, borrowed from `error` until `mr_error_free`; NULL for NULL.
///
/// # Safety
/// `error` is NULL or an `MrError` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_error_message(error: *const MrError) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: guaranteed by the caller.
        unsafe { error.as_ref() }.map_or(ptr::null(), |e| e.message.as_ptr())
    })
}

/// How many findings a graph error (`MR_INVALID_GRAPH`, `MR_REFUSED`) carries; 0 for others.
///
/// # Safety
/// `error` is NULL or an `MrError` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_error_finding_count(error: *const MrError) -> usize {
    guard_value(0, || {
        // SAFETY: guaranteed by the caller.
        unsafe { error.as_ref() }.map_or(0, |e| e.findings.len())
    })
}

/// The stable code of finding `index` (e.g. `"MR0004"`), borrowed from `error` until
/// `mr_error_free`; NULL if `error` is NULL or `index` is out of range.
///
/// # Safety
/// `error` is NULL or an `MrError` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_error_finding_code(
    error: *const MrError,
    index: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: guaranteed by the caller.
        let error = unsafe { error.as_ref() };
        error
            .and_then(|e| e.findings.get(index))
            .map_or(ptr::null(), |(code, _)| code.as_ptr())
    })
}

/// The text of finding `index`, borrowed from `error` until `mr_error_free`; NULL if `error`
/// is NULL or `index` is out of range.
///
/// # Safety
/// `error` is NULL or an `MrError` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_error_finding_message(
    error: *const MrError,
    index: usize,
) -> *const c_char {
    guard_value(ptr::null(), || {
        // SAFETY: guaranteed by the caller.
        let error = unsafe { error.as_ref() };
        error
            .and_then(|e| e.findings.get(index))
            .map_or(ptr::null(), |(_, text)| text.as_ptr())
    })
}

/// Frees an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an `MrError` from this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn mr_error_free(error: *mut MrError) {
    guard_value((), || {
        if !error.is_null() {
            // SAFETY: `error` came from `Box::into_raw` in `guard` and is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    });
}
