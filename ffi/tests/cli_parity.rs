//! The C interface decodes, encodes and hashes exactly as the `aesc` command prints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::ffi::{c_char, CStr, CString};
use std::process::Command;

use aesc::{aesc_decode, aesc_encode, aesc_result, aesc_string_free, aesc_tx_hash};
use support::{built, recorded_vectors, workspace};

/// Calls a `(input, char **out)` function of the library.
fn call(f: extern "C" fn(*const c_char, *mut *mut c_char) -> aesc_result, input: &str) -> String {
    let input = CString::new(input).unwrap();
    let mut out: *mut c_char = std::ptr::null_mut();
    assert_eq!(f(input.as_ptr(), &mut out), aesc_result::Ok);
    // SAFETY: on success `out` is a NUL-terminated string of the library.
    let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
    aesc_string_free(out);
    text
}

/// Every prefixed string of the recorded vectors: transactions, accounts, channel ids, hashes.
fn inputs() -> Vec<String> {
    let text =
        std::fs::read_to_string(workspace().join("tests/data/recorded_vectors.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out: Vec<String> = recorded_vectors().into_iter().map(|v| v.0).collect();
    for session in doc["sessions"].as_array().unwrap() {
        for key in ["initiator", "responder"] {
            out.push(session[key].as_str().unwrap().to_owned());
        }
        for channel in session["channels"].as_array().unwrap() {
            for key in ["channel_id", "state_hash"] {
                out.push(channel[key].as_str().unwrap().to_owned());
            }
        }
        for tx in session["txs"].as_array().unwrap() {
            out.push(tx["tx_hash"].as_str().unwrap().to_owned());
        }
    }
    out
}

fn cli(args: &[&str], inputs: &[String]) -> Vec<String> {
    let out = Command::new(&built().cli).args(args).args(inputs).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

#[test]
fn decode_and_encode_print_what_the_cli_prints() {
    let inputs = inputs();
    let decoded = cli(&["decode"], &inputs);
    assert_eq!(decoded.len(), inputs.len());
    for (input, printed) in inputs.iter().zip(&decoded) {
        assert_eq!(&call(aesc_decode, input), printed, "decode {input}");
    }
    let encoded = cli(&["encode"], &decoded);
    for ((input, json), printed) in inputs.iter().zip(&decoded).zip(&encoded) {
        assert_eq!(&call(aesc_encode, json), printed);
        assert_eq!(printed, input);
    }
}

#[test]
fn tx_hashes_are_what_the_cli_prints() {
    let txs: Vec<String> = recorded_vectors().into_iter().map(|v| v.0).collect();
    let hashes = cli(&["tx-hash"], &txs);
    for (tx, printed) in txs.iter().zip(&hashes) {
        assert_eq!(&call(aesc_tx_hash, tx), printed);
    }
}
