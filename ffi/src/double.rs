//! The node double from C (cargo feature `node-double`, header macro `AESC_NODE_DOUBLE`): an
//! in-process node that plays the channel side of an æternity node on a loopback port, so that
//! C and Python programs can test their channel code without a node.

use std::ffi::c_char;
use std::time::Duration;

use aesc_testkit::double::{self, Config, NodeDouble};
use serde_json::Value;

use crate::error::Failure;
use crate::guard;
use crate::result::aesc_result;
use crate::strings::{opt_str_in, Out, OutStr};

/// A running node double. Its chain funds every account it has not seen with a large balance.
///
/// Thread safety: may be used from several threads at once; only `aesc_node_double_free` needs
/// exclusive use.
#[derive(Debug)]
pub struct aesc_node_double {
    node: NodeDouble,
}

fn config(json: Option<&str>) -> Result<Config, Failure> {
    let mut c = Config::new();
    let Some(json) = json else { return Ok(c) };
    let v: Value = serde_json::from_str(json).map_err(|e| Failure::invalid("config_json", e))?;
    let obj = v.as_object().ok_or_else(|| Failure::invalid("config_json", "not an object"))?;
    for (k, v) in obj {
        let name = format!("config_json.{k}");
        let number = || v.as_u64().ok_or_else(|| Failure::invalid(&name, "expected an integer"));
        c = match k.as_str() {
            "network_id" => c.with_network_id(
                v.as_str().ok_or_else(|| Failure::invalid(&name, "expected a string"))?,
            ),
            "minimum_depth" => c.with_minimum_depth(number()?),
            "block_interval_ms" => c.with_block_interval(Duration::from_millis(number()?)),
            other => return Err(Failure::invalid("config_json", format!("unknown key {other:?}"))),
        };
    }
    Ok(c)
}

/// Starts a node double on a free loopback port. `config_json` is NULL for the defaults, or a
/// JSON object with any of `{"network_id": "ae_dev", "minimum_depth": 1,
/// "block_interval_ms": 100}`: the network id signatures are checked against (default
/// `ae_dev`), a minimum depth forced on every transaction (default: the node's rules, from the
/// connect parameters), and the time between two blocks of its simulated chain (default 100).
///
/// Ownership: `config_json` is borrowed for the call. On success `*node_out` receives a new
/// handle owned by the caller, to free with `aesc_node_double_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT`, `AESC_RESULT_OTHER` (no port to listen on).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_node_double_spawn(
    config_json: *const c_char,
    node_out: *mut *mut aesc_node_double,
) -> aesc_result {
    guard::run(|| {
        let out = Out::new(node_out, "node_out")?;
        // SAFETY: `config_json` is NULL or a NUL-terminated string (contract above).
        let json = unsafe { opt_str_in(config_json, "config_json") }?;
        let node = double::spawn(config(json)?)
            .map_err(|e| Failure::new(aesc_result::Other, format!("node double: {e}")))?;
        let handle = Box::new(aesc_node_double { node });
        // SAFETY: `node_out` is a writable `aesc_node_double **` (contract above).
        unsafe { out.write(Box::into_raw(handle)) };
        Ok(())
    })
}

/// Writes the node double's channel endpoint (`ws://127.0.0.1:PORT/channel`) to `*url_out`,
/// to use as the `"url"` of a channel configuration.
///
/// Ownership: `node` is borrowed for the call. On success `*url_out` receives a new string
/// owned by the caller, to free with `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_node_double_url(
    node: *const aesc_node_double,
    url_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out: OutStr = Out::new(url_out, "url_out")?;
        // SAFETY: the caller passes a live handle (contract above).
        let node = unsafe { node.as_ref() }.ok_or_else(|| crate::strings::null("node"))?;
        // SAFETY: `url_out` is a writable `char **` (contract above).
        unsafe { out.give(node.node.url()) }
    })
}

/// Stops the node double (closing every connection to it) and frees the handle.
///
/// Ownership: takes back `node`, which must not be used afterwards. `node == NULL` does
/// nothing.
///
/// Thread safety: the caller must ensure no other thread uses `node` during or after the call.
#[no_mangle]
pub extern "C" fn aesc_node_double_free(node: *mut aesc_node_double) {
    guard::run_or((), || {
        if !node.is_null() {
            // SAFETY: per the contract above, `node` came from `Box::into_raw` in
            // `aesc_node_double_spawn` and is freed once.
            drop(unsafe { Box::from_raw(node) });
        }
    });
}
