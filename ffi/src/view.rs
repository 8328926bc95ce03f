//! The client's own view of its channel as JSON.

use std::ffi::c_char;

use aesc_client::ChannelView;
use serde_json::{json, Value};

use crate::channel::{aesc_channel, channel_ref};
use crate::guard;
use crate::json;
use crate::strings::OutStr;

/// The JSON of a view.
pub(crate) fn view_json(v: &ChannelView, connected: bool) -> Value {
    let balances = v.balances().map(|(i, r)| {
        json!({
            v.initiator.to_string(): json::amount(&i),
            v.responder.to_string(): json::amount(&r),
        })
    });
    json!({
        "role": v.role.as_str(),
        "me": v.me.to_string(),
        "initiator": v.initiator.to_string(),
        "responder": v.responder.to_string(),
        "channel_id": v.channel_id.map(|c| c.to_string()),
        "round": v.round,
        "phase": v.phase.as_str(),
        "connected": connected,
        "channel_reserve": json::amount(&v.channel_reserve),
        "balances": balances,
        "own_balance": v.own_balance().map(json::amount),
        "state_hash": v.state_hash().map(|h| h.to_string()),
        "latest": v.latest.as_ref().map(|t| t.to_api_string()),
    })
}

/// Writes the client's own view of the channel (what it checked and co-signed, never what the
/// node says) as JSON to `*view_out`:
///
/// ```text
/// {"role": "initiator" | "responder", "me": "ak_…", "initiator": "ak_…", "responder": "ak_…",
///  "channel_id": "ch_…" | null, "round": 3,
///  "phase": "connecting" | "opening" | "open" | "left" | "closing" | "closed" | "stopped",
///  "connected": true, "channel_reserve": "1",
///  "balances": {"ak_…": "…", "ak_…": "…"} | null, "own_balance": "…" | null,
///  "state_hash": "st_…" | null, "latest": "tx_…" | null}
/// ```
///
/// `balances` maps the initiator and the responder to their balances in the latest co-signed
/// state (decimal strings); it is null until the channel exists. The FSM id is left out (it
/// lets its holder take the channel over).
///
/// Ownership: on success `*view_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`.
///
/// Thread safety: may be called from any thread; it does not wait for operations in progress.
#[no_mangle]
pub extern "C" fn aesc_channel_view(
    channel: *const aesc_channel,
    view_out: *mut *mut c_char,
) -> crate::aesc_result {
    guard::run(|| {
        let out = OutStr::new(view_out, "view_out")?;
        // SAFETY: the caller passes a live handle (contract above).
        let ch = unsafe { channel_ref(channel) }?;
        let (view, connected) = {
            let c = ch.read();
            (c.view(), c.is_connected())
        };
        // SAFETY: `view_out` is a writable `char **` (contract above).
        unsafe { out.give(json::text(&view_json(&view, connected))?) }
    })
}
