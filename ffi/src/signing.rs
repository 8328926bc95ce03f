//! Signing transactions, co-signing them, and verifying their signatures.

use std::ffi::c_char;

use aesc_codec::crypto::{NetworkId, SignatureForm};
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::tx::{SignedTx, Tx};

use crate::codec::signed_tx;
use crate::error::Failure;
use crate::guard;
use crate::keys::secret_key;
use crate::result::aesc_result;
use crate::strings::{parsed, str_array_in, str_in, Out, OutStr};

/// Which message a signature covers. Passed as an `unsigned int`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum aesc_signature_form {
    /// `network_id ‖ transaction bytes`: what the node and the SDKs sign.
    Raw = 0,
    /// `network_id ‖ blake2b-256(transaction bytes)`: for signers that only see a hash.
    Hash = 1,
}

fn form(value: u32) -> Result<SignatureForm, Failure> {
    match value {
        v if v == aesc_signature_form::Raw as u32 => Ok(SignatureForm::Raw),
        v if v == aesc_signature_form::Hash as u32 => Ok(SignatureForm::Hash),
        other => Err(Failure::invalid("form", format!("{other} is no aesc_signature_form"))),
    }
}

/// A transaction parameter: a signed transaction, or a bare one (wrapped without signatures).
fn any_tx(text: &str) -> Result<SignedTx, Failure> {
    let bytes = encoding::decode_as(Prefix::Transaction, text)
        .map_err(|e| Failure::new(aesc_result::DecodeError, format!("tx: {e}")))?;
    let is_signed = aesc_codec::object::peek_tag(&bytes)
        .map_err(|e| Failure::new(aesc_result::DecodeError, format!("tx: {e}")))?
        .0
        == SignedTx::TAG;
    if is_signed {
        signed_tx(text, "tx")
    } else {
        let tx = Tx::from_rlp(&bytes)
            .map_err(|e| Failure::new(aesc_result::DecodeError, format!("tx: {e}")))?;
        Ok(SignedTx::unsigned(tx))
    }
}

/// The common parameters of signing: transaction, network, key and form.
struct SignArgs {
    tx: SignedTx,
    network: NetworkId,
    key: aesc_codec::crypto::SecretKey,
    form: SignatureForm,
}

/// # Safety
/// The three pointers satisfy `str_in`.
unsafe fn sign_args(
    tx: *const c_char,
    network_id: *const c_char,
    secret: *const c_char,
    form_value: u32,
) -> Result<SignArgs, Failure> {
    // SAFETY: this function's contract.
    let (tx, network, secret) = unsafe {
        (str_in(tx, "tx")?, str_in(network_id, "network_id")?, str_in(secret, "secret_key")?)
    };
    let key = secret_key(secret, "secret_key")?;
    Ok(SignArgs { tx: any_tx(tx)?, network: NetworkId::new(network), key, form: form(form_value)? })
}

/// Signs the transaction `tx` (`tx_…`: a bare transaction, or a signed transaction that carries
/// no signature yet) for the network `network_id` (`ae_mainnet`, `ae_uat`, …) with
/// `secret_key` (`sk_…` or hex seed), in the form `form` (an `aesc_signature_form`), and writes
/// the signed transaction (`tx_…`) to `*signed_out`. Through generalized-account and PayingFor
/// layers, the innermost transaction is the one signed, as the node expects.
///
/// Ownership: the strings are borrowed for the call. On success `*signed_out` receives a new
/// string owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_DECODE_ERROR` (not a transaction), `AESC_RESULT_INVALID_ARGUMENT` (a bad key or
/// form, or a transaction that already carries signatures: co-sign it with
/// `aesc_tx_co_sign`).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_tx_sign(
    tx: *const c_char,
    network_id: *const c_char,
    secret_key: *const c_char,
    form: u32,
    signed_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(signed_out, "signed_out")?;
        // SAFETY: the caller passes NUL-terminated strings (contract above).
        let mut a = unsafe { sign_args(tx, network_id, secret_key, form) }?;
        if !a.tx.innermost().signatures.is_empty() {
            return Err(Failure::invalid(
                "tx",
                "the transaction is already signed; co-sign it with aesc_tx_co_sign",
            ));
        }
        a.tx.sign(&a.key, &a.network, a.form);
        // SAFETY: `signed_out` is a writable `char **` (contract above).
        unsafe { out.give(a.tx.to_api_string()) }
    })
}

/// Co-signs the signed transaction `tx` (`tx_…`) as the second party: checks that it carries a
/// signature of `peer` (`ak_…`, the other party) that verifies for `network_id`, then adds the
/// signature of `secret_key` in the form `form` (signatures end up sorted, as the node keeps
/// them) and writes the result (`tx_…`) to `*signed_out`.
///
/// Ownership: the strings are borrowed for the call. On success `*signed_out` receives a new
/// string owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_DECODE_ERROR`, `AESC_RESULT_INVALID_ARGUMENT` (a bad key, account or form),
/// `AESC_RESULT_SIGNATURE_ERROR` (no verifying signature of `peer`, or `secret_key` has signed
/// already).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_tx_co_sign(
    tx: *const c_char,
    network_id: *const c_char,
    secret_key: *const c_char,
    form: u32,
    peer: *const c_char,
    signed_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(signed_out, "signed_out")?;
        // SAFETY: the caller passes NUL-terminated strings (contract above).
        let peer = unsafe { str_in(peer, "peer") }?;
        // SAFETY: as above.
        let mut a = unsafe { sign_args(tx, network_id, secret_key, form) }?;
        let peer: AccountId = parsed(peer, "peer")?;
        let me = a.key.public_key();
        let checks = a.tx.verify(&a.network, &[peer, me]);
        let signed_by =
            |who: AccountId| checks.iter().any(|c| c.verified.is_some_and(|v| v.signer == who));
        if !signed_by(peer) {
            return Err(Failure::new(
                aesc_result::SignatureError,
                format!("the transaction carries no signature of {peer} for this network"),
            ));
        }
        if signed_by(me) {
            return Err(Failure::new(
                aesc_result::SignatureError,
                format!("{me} has signed the transaction already"),
            ));
        }
        a.tx.sign(&a.key, &a.network, a.form);
        // SAFETY: `signed_out` is a writable `char **` (contract above).
        unsafe { out.give(a.tx.to_api_string()) }
    })
}

/// Verifies the signatures of the signed transaction `tx` (`tx_…`) for `network_id` against
/// the `signers_len` candidate signers `signers` (`ak_…`), as `aesc verify` does, and writes
/// its JSON report to `*report_out`:
/// `{"tx_hash", "type", "signatures": [{"layer", "signature", "signer", "form"}], "missing",
/// "unverified", "verified", "failures"}` (`signer` and `form` are null for a signature no
/// candidate verifies).
///
/// The transaction is verified when it carries at least one signature, every candidate's
/// signature is on it and every signature on it verifies against a candidate; with `any`, when
/// at least one signature verifies against a candidate.
///
/// Ownership: the strings and the array are borrowed for the call (`signers` may be NULL when
/// `signers_len` is 0). `*report_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`, both when the result is `AESC_RESULT_OK` and when it is
/// `AESC_RESULT_SIGNATURE_ERROR`.
///
/// Errors: `AESC_RESULT_SIGNATURE_ERROR` when the transaction is not verified (the report and
/// the last error message say why), `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_DECODE_ERROR`, `AESC_RESULT_INVALID_ARGUMENT` (a signer that is no account).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_tx_verify(
    tx: *const c_char,
    network_id: *const c_char,
    signers: *const *const c_char,
    signers_len: usize,
    any: bool,
    report_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out: OutStr = Out::new(report_out, "report_out")?;
        // SAFETY: the caller passes NUL-terminated strings (contract above).
        let (tx, network) = unsafe { (str_in(tx, "tx")?, str_in(network_id, "network_id")?) };
        // SAFETY: `signers` holds `signers_len` such strings (contract above).
        let texts = unsafe { str_array_in(signers, signers_len, "signers") }?;
        let signers = texts
            .iter()
            .enumerate()
            .map(|(i, s)| parsed::<AccountId>(s, &format!("signers[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let (report, failures) = crate::objects::verify_report(
            &signed_tx(tx, "tx")?,
            &NetworkId::new(network),
            &signers,
            any,
        );
        // SAFETY: `report_out` is a writable `char **` (contract above).
        unsafe { out.give(report.to_string()) }?;
        if failures.is_empty() {
            Ok(())
        } else {
            Err(Failure::new(aesc_result::SignatureError, failures.join("; ")))
        }
    })
}
