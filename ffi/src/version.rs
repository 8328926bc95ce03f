//! The library version. The header's `AESC_VERSION` macro is written by the header's
//! generator (`tests/header.rs`) from the crate version.

use std::ffi::c_char;

/// The version of the library actually linked, as a static NUL-terminated string such as
/// `"0.1.0"`; compare it with `AESC_VERSION` to detect a header/library mismatch. The string is
/// owned by the library and lives as long as the program: never free it.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_version_is_the_crate_version() {
        // SAFETY: a static NUL-terminated string.
        let linked = unsafe { std::ffi::CStr::from_ptr(aesc_version()) };
        assert_eq!(linked.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
