//! Strings across the boundary: NUL-terminated UTF-8 in, library-allocated strings out, and
//! the checked pointers every entry point reads its parameters through.

use std::ffi::{c_char, CStr, CString};

use aesc_codec::Uint;
use zeroize::Zeroize;

use crate::error::Failure;
use crate::result::aesc_result;

/// Frees a string returned by this library (through a `char **` output). Its bytes are
/// overwritten with zeros first, so secret keys and FSM ids do not linger in freed memory.
///
/// Ownership: takes back ownership of `s`, which must have come from this library and not have
/// been modified or freed before (double free is the caller's error). `s == NULL` does nothing.
///
/// Thread safety: may be called from any thread, for a string returned on any thread.
#[no_mangle]
pub extern "C" fn aesc_string_free(s: *mut c_char) {
    crate::guard::run_or((), || {
        if s.is_null() {
            return;
        }
        // SAFETY: per the contract above, `s` came from `CString::into_raw` in this library
        // (see `OutStr::write`) and is freed only once.
        let owned = unsafe { CString::from_raw(s) };
        let mut bytes = owned.into_bytes_with_nul();
        bytes.zeroize();
    });
}

/// Reads the NUL-terminated UTF-8 string parameter `name` at `ptr`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that stays valid and unmodified for
/// `'a` (the length of the call).
pub(crate) unsafe fn str_in<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: not NULL, and NUL-terminated and valid for `'a` by this function's contract.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|e| Failure::new(aesc_result::InvalidUtf8, format!("{name}: {e}")))
}

/// Reads an optional string parameter: `None` for NULL.
///
/// # Safety
/// As [`str_in`].
pub(crate) unsafe fn opt_str_in<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL; the rest is this function's contract, passed on.
    unsafe { str_in(ptr, name) }.map(Some)
}

/// Reads the array of `len` string pointers at `ptr` (which may be NULL when `len` is 0).
///
/// # Safety
/// `ptr` is NULL or points to `len` readable pointers, each of which satisfies [`str_in`].
pub(crate) unsafe fn str_array_in<'a>(
    ptr: *const *const c_char,
    len: usize,
    name: &str,
) -> Result<Vec<&'a str>, Failure> {
    if len == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(null(name));
    }
    // SAFETY: not NULL and `len` readable pointers by this function's contract.
    let items = unsafe { std::slice::from_raw_parts(ptr, len) };
    items
        .iter()
        .enumerate()
        // SAFETY: each element satisfies `str_in`'s contract by this function's contract.
        .map(|(i, p)| unsafe { str_in(*p, &format!("{name}[{i}]")) })
        .collect()
}

/// Parses a decimal amount parameter.
pub(crate) fn amount(text: &str, name: &str) -> Result<Uint, Failure> {
    text.parse::<Uint>().map_err(|e| Failure::invalid(name, e))
}

/// Parses a prefixed-string parameter (`ak_…`, `ch_…`).
pub(crate) fn parsed<T: std::str::FromStr>(text: &str, name: &str) -> Result<T, Failure>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>().map_err(|e| Failure::invalid(name, e))
}

/// The failure for a NULL parameter.
pub(crate) fn null(name: &str) -> Failure {
    Failure::new(aesc_result::NullParameter, format!("{name} is NULL"))
}

/// An output parameter, checked for NULL before any work is done.
#[derive(Debug)]
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Checks the output parameter `name`.
    pub(crate) fn new(ptr: *mut T, name: &str) -> Result<Self, Failure> {
        if ptr.is_null() {
            Err(null(name))
        } else {
            Ok(Out(ptr))
        }
    }

    /// Writes the output.
    ///
    /// # Safety
    /// The pointer given to [`Out::new`] is writable for a `T` (the caller's contract).
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: not NULL (checked in `new`) and writable by this function's contract.
        // `write` does not drop the previous content, which is uninitialized memory or a value
        // the caller owns.
        unsafe { self.0.write(value) }
    }
}

/// A `char **` output: the string is handed over to the caller.
pub(crate) type OutStr = Out<*mut c_char>;

impl OutStr {
    /// Hands `text` to the caller as a NUL-terminated string to free with [`aesc_string_free`].
    ///
    /// # Safety
    /// As [`Out::write`].
    pub(crate) unsafe fn give(self, text: String) -> Result<(), Failure> {
        let c = CString::new(text)
            .map_err(|_| Failure::new(aesc_result::Other, "the output contains a NUL byte"))?;
        // SAFETY: this function's contract, passed on.
        unsafe { self.write(c.into_raw()) };
        Ok(())
    }
}
