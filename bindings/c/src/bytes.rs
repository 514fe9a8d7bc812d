//! Bytes crossing the boundary: results handed to C, and the output a C module writes.

use std::ffi::c_char;
use std::ptr;

use crate::error::{guard, guard_value, text, Failure, MrError, MrStatus};

/// Bytes the library allocated and the caller owns: free them with `mr_bytes_free`.
/// `data` is NULL only for a freed or never-written value; an empty result has `len` 0.
#[repr(C)]
#[derive(Debug)]
pub struct MrBytes {
    /// The first byte.
    pub data: *mut u8,
    /// How many bytes.
    pub len: usize,
}

impl MrBytes {
    pub(crate) fn from_vec(bytes: Vec<u8>) -> Self {
        let bytes = Box::into_raw(bytes.into_boxed_slice());
        MrBytes {
            data: bytes.cast(),
            len: bytes.len(),
        }
    }
}

/// Frees the bytes `bytes` points to and sets it to `{NULL, 0}`; a NULL `bytes`, or one whose
/// `data` is NULL, is ignored, so freeing twice through the same `MrBytes` is harmless.
///
/// # Safety
/// `bytes` is NULL or points to an `MrBytes` this library wrote (or one with `data` NULL).
#[no_mangle]
pub unsafe extern "C" fn mr_bytes_free(bytes: *mut MrBytes) {
    guard_value((), || {
        // SAFETY: guaranteed by the caller.
        let Some(bytes) = (unsafe { bytes.as_mut() }) else {
            return;
        };
        if !bytes.data.is_null() {
            let slice = ptr::slice_from_raw_parts_mut(bytes.data, bytes.len);
            // SAFETY: `data` and `len` came from `Box::into_raw` of a boxed slice in
            // `from_vec`, and are reset below so the box is freed once.
            drop(unsafe { Box::from_raw(slice) });
        }
        bytes.data = ptr::null_mut();
        bytes.len = 0;
    });
}

/// Borrows `len` bytes at `data`; NULL is an empty input only when `len` is 0.
///
/// # Safety
/// `data` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn input<'a>(data: *const u8, len: usize) -> Result<&'a [u8], Failure> {
    // SAFETY: guaranteed by the caller.
    unsafe { crate::error::slice(data, len, "data") }
}

/// Where a C module's callback writes its result or its error message. Owned by the library
/// and valid only during the callback it was passed to.
#[derive(Debug, Default)]
pub struct MrOutput {
    pub(crate) data: Vec<u8>,
    pub(crate) error: Option<String>,
}

/// Appends `len` bytes at `data` to the callback's result.
///
/// # Safety
/// `output` is NULL or the `MrOutput` passed to the running callback; `data` is NULL or `len`
/// readable bytes; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_output_write(
    output: *mut MrOutput,
    data: *const u8,
    len: usize,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let output = unsafe { output.as_mut() }.ok_or_else(|| Failure::null("output"))?;
        // SAFETY: guaranteed by the caller.
        let data = unsafe { input(data, len) }?;
        output.data.extend_from_slice(data);
        Ok(())
    })
}

/// Sets the message of the callback's failure (copied), used when the callback returns
/// non-zero.
///
/// # Safety
/// `output` is NULL or the `MrOutput` passed to the running callback; `message` is NULL or
/// NUL-terminated; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn mr_output_set_error(
    output: *mut MrOutput,
    message: *const c_char,
    err: *mut *mut MrError,
) -> MrStatus {
    guard(err, || {
        // SAFETY: guaranteed by the caller.
        let output = unsafe { output.as_mut() }.ok_or_else(|| Failure::null("output"))?;
        // SAFETY: guaranteed by the caller.
        let message = unsafe { text(message, "message") }?;
        output.error = Some(message.to_owned());
        Ok(())
    })
}
