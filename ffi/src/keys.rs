//! Keys: a fresh secret key from the operating system's randomness, and the account of a key.

use std::ffi::c_char;

use aesc_codec::crypto::SecretKey;

use crate::error::Failure;
use crate::guard;
use crate::result::aesc_result;
use crate::strings::{str_in, OutStr};

/// Parses a secret key parameter (`sk_…` or the 64-character hex seed).
pub(crate) fn secret_key(text: &str, name: &str) -> Result<SecretKey, Failure> {
    SecretKey::parse(text).map_err(|e| Failure::invalid(name, e))
}

/// Generates a fresh Ed25519 secret key from the operating system's random source and writes
/// it as `sk_…` (the 32-byte seed) to `*secret_key_out`.
///
/// Ownership: on success `*secret_key_out` receives a new string owned by the caller, to free
/// with `aesc_string_free` (which wipes it).
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_NO_ENTROPY` when the operating system
/// gives no randomness (no key is made then, never a predictable one).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_secret_key_generate(secret_key_out: *mut *mut c_char) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(secret_key_out, "secret_key_out")?;
        let key = SecretKey::generate()
            .map_err(|e| Failure::new(aesc_result::NoEntropy, e.to_string()))?;
        let text = key.to_sk_string();
        // SAFETY: `secret_key_out` is a writable `char **` (contract above).
        unsafe { out.give(text.as_str().to_owned()) }
    })
}

/// Writes the account (`ak_…`, the public key) of `secret_key` (`sk_…` or a 64-character hex
/// seed) to `*account_out`.
///
/// Ownership: `secret_key` is borrowed for the call. On success `*account_out` receives a new
/// string owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT` (not a secret key; the message never contains key material).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_public_key(
    secret_key: *const c_char,
    account_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(account_out, "account_out")?;
        // SAFETY: the caller passes a NUL-terminated string (contract above).
        let text = unsafe { str_in(secret_key, "secret_key") }?;
        let key = self::secret_key(text, "secret_key")?;
        // SAFETY: `account_out` is a writable `char **` (contract above).
        unsafe { out.give(key.public_key().to_string()) }
    })
}
