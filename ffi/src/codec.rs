//! The codec: prefixed strings to JSON and back, transaction hashes and channel ids.
//!
//! Decoding and encoding share their code with `aesc decode` / `aesc encode` (the CLI's
//! `objects` module), so the JSON is exactly what the command prints.

use std::ffi::c_char;

use aesc_codec::derive;
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::tx::SignedTx;
use serde_json::Value;

use crate::error::Failure;
use crate::guard;
use crate::objects;
use crate::result::aesc_result;
use crate::strings::{amount, parsed, str_in, OutStr};

/// Decodes a transaction string (`tx_…`) into a signed transaction.
pub(crate) fn signed_tx(text: &str, name: &str) -> Result<SignedTx, Failure> {
    let bytes = encoding::decode_as(Prefix::Transaction, text)
        .map_err(|e| Failure::new(aesc_result::DecodeError, format!("{name}: {e}")))?;
    SignedTx::from_rlp(&bytes)
        .map_err(|e| Failure::new(aesc_result::DecodeError, format!("{name}: {e}")))
}

/// Decodes any prefixed string (`tx_…`, `ak_…`, `ch_…`, `pi_…`, `ss_…`, `cs_…`, `th_…`, …)
/// into the JSON object `aesc decode` prints for it: `"prefix"` and `"type"` first, then the
/// object's fields (a transaction's fields, signatures, the hex of an id, …). Numbers are JSON
/// numbers at full precision (they may exceed 64 bits: parse them as big integers).
///
/// Ownership: `input` is borrowed for the call. On success `*json_out` receives a new string
/// owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`, `AESC_RESULT_DECODE_ERROR`
/// (unknown prefix, bad checksum, malformed RLP, unknown transaction, …).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_decode(input: *const c_char, json_out: *mut *mut c_char) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(json_out, "json_out")?;
        // SAFETY: the caller passes a NUL-terminated string (contract above).
        let input = unsafe { str_in(input, "input") }?;
        let json = decode_to_string(input)?;
        // SAFETY: `json_out` is a writable `char **` (contract above).
        unsafe { out.give(json) }
    })
}

/// The JSON text of a decoded prefixed string.
pub(crate) fn decode_to_string(input: &str) -> Result<String, Failure> {
    let value = objects::decode(input)
        .map_err(|e| Failure::new(aesc_result::DecodeError, e.to_string()))?;
    serde_json::to_string(&value).map_err(|e| Failure::new(aesc_result::Other, e.to_string()))
}

/// Encodes a JSON object as `aesc_decode` prints it back into its prefixed string, as
/// `aesc encode` does: computed fields (`state_hash` of state trees) are ignored, and a field
/// that decoding never prints and encoding does not read (a misspelt or foreign field) is an
/// error naming it. Numbers may be JSON numbers of any size or decimal strings.
///
/// Ownership: `json` is borrowed for the call. On success `*string_out` receives a new string
/// owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT` (not JSON, or not an object `aesc_decode` prints).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_encode(json: *const c_char, string_out: *mut *mut c_char) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(string_out, "string_out")?;
        // SAFETY: the caller passes a NUL-terminated string (contract above).
        let json = unsafe { str_in(json, "json") }?;
        let value: Value = serde_json::from_str(json).map_err(|e| Failure::invalid("json", e))?;
        let encoded = objects::encode_strict(&value).map_err(|e| Failure::invalid("json", e))?;
        // SAFETY: `string_out` is a writable `char **` (contract above).
        unsafe { out.give(encoded) }
    })
}

/// The hash (`th_…`) of a signed transaction (`tx_…`), as the node computes it: over the
/// node's serialization, signatures sorted.
///
/// Ownership: `tx` is borrowed for the call. On success `*hash_out` receives a new string
/// owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`, `AESC_RESULT_DECODE_ERROR`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_tx_hash(tx: *const c_char, hash_out: *mut *mut c_char) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(hash_out, "hash_out")?;
        // SAFETY: the caller passes a NUL-terminated string (contract above).
        let tx = unsafe { str_in(tx, "tx") }?;
        let hash = signed_tx(tx, "tx")?.hash().to_string();
        // SAFETY: `hash_out` is a writable `char **` (contract above).
        unsafe { out.give(hash) }
    })
}

/// The id (`ch_…`) of the channel that the create transaction of `initiator` (`ak_…`) and
/// `responder` (`ak_…`) with nonce `nonce` (a decimal string) opens.
///
/// Ownership: the strings are borrowed for the call. On success `*channel_id_out` receives a
/// new string owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT` (an account or the nonce does not parse).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_id(
    initiator: *const c_char,
    responder: *const c_char,
    nonce: *const c_char,
    channel_id_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(channel_id_out, "channel_id_out")?;
        // SAFETY: the caller passes NUL-terminated strings (contract above).
        let (initiator, responder, nonce) = unsafe {
            (
                str_in(initiator, "initiator")?,
                str_in(responder, "responder")?,
                str_in(nonce, "nonce")?,
            )
        };
        let initiator: AccountId = parsed(initiator, "initiator")?;
        let responder: AccountId = parsed(responder, "responder")?;
        let id = derive::channel_id(&initiator, amount(nonce, "nonce")?, &responder);
        // SAFETY: `channel_id_out` is a writable `char **` (contract above).
        unsafe { out.give(id.to_string()) }
    })
}
