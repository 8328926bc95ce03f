//! The channel's events as JSON objects, and the messages of the other party.

use std::ffi::c_char;
use std::time::{Duration, Instant};

use aesc_client::aesc_codec::jsonrpc::{ChannelMessage, NodeEvent};
use aesc_client::{Event, RecvError};
use serde_json::{json, Value};

use crate::aesc_channel;
use crate::channel::channel_ref;
use crate::error::Failure;
use crate::guard;
use crate::json;
use crate::result::aesc_result;
use crate::strings::OutStr;

/// The JSON object for `event`; every one has a `"type"`.
pub(crate) fn event_json(event: &Event) -> Value {
    match event {
        Event::Node(node) => node_json(node),
        Event::CoSigned { round, state } => {
            json!({"type": "co_signed", "round": round, "state": state.to_api_string()})
        }
        Event::Left { state } => json!({"type": "left", "state": state.to_api_string()}),
        Event::Accepted { tag, round } => {
            json!({"type": "accepted", "tag": tag.as_str(), "round": round})
        }
        Event::Refused { tag, refusal } => json!({
            "type": "refused",
            "tag": tag.as_str(),
            "abort_code": refusal.abort_code(),
            "reason": refusal.to_string(),
        }),
        Event::RpcError(e) => json!({
            "type": "rpc_error",
            "code": e.code.code(),
            "message": e.message,
            "data_codes": e.data.iter().map(|d| d.code.code()).collect::<Vec<_>>(),
        }),
        Event::Malformed { error } => json!({"type": "malformed", "error": error.to_string()}),
        Event::BinaryFrame => json!({"type": "binary_frame"}),
        Event::StoreFailed { error } => json!({"type": "store_failed", "error": error.to_string()}),
        Event::Disconnected { cause } => {
            json!({"type": "disconnected", "cause": cause.to_string()})
        }
        Event::PhaseChanged { from, to } => {
            json!({"type": "phase_changed", "from": from.as_str(), "to": to.as_str()})
        }
        Event::Reconnected { fsm_id, same_fsm } => json!({
            "type": "reconnected",
            "fsm_id": fsm_id.map(|f| f.to_string()),
            "same_fsm": same_fsm,
        }),
        Event::Lagged { dropped } => json!({"type": "lagged", "dropped": dropped}),
        other => json!({"type": "other", "debug": format!("{other:?}")}),
    }
}

fn message_json(m: &ChannelMessage) -> Value {
    json!({
        "type": "message",
        "channel_id": m.channel_id.to_string(),
        "from": m.from.to_string(),
        "to": m.to.to_string(),
        "info": m.info,
    })
}

/// A node notification: `"type"`, `"method"` and the notification's `"data"`, plus the main
/// fields of the common ones at the top.
fn node_json(node: &NodeEvent) -> Value {
    let mut data = node.to_data();
    if let Value::Object(map) = &mut data {
        // The FSM id lets its holder take the channel over; events are often logged.
        map.remove("fsm_id");
    }
    let mut v = match node {
        NodeEvent::Message(m) => message_json(m),
        NodeEvent::Info(i) => json!({"type": "info", "event": i.event.as_str()}),
        NodeEvent::OnChainTx(t) => {
            json!({"type": "on_chain_tx", "tx": t.tx.as_str(), "tx_type": t.type_})
        }
        NodeEvent::Conflict(c) => json!({
            "type": "conflict",
            "code": c.error_code,
            "message": c.error_msg,
            "round": c.round,
        }),
        NodeEvent::Error { message } => json!({"type": "error", "message": message}),
        _ => json!({"type": "node"}),
    };
    if let Value::Object(map) = &mut v {
        map.insert("method".into(), Value::String(node.method()));
        map.insert("data".into(), data);
    }
    v
}

/// Waits up to `timeout_ms` milliseconds for the next event of the channel and writes it as a
/// JSON object to `*event_out`. Every event has a `"type"`:
///
/// * `"co_signed"` (`round`, `state`: the co-signed `tx_…`), `"left"` (`state`);
/// * `"accepted"` (`tag`, `round`): this client co-signed a proposal of the other party;
/// * `"refused"` (`tag`, `abort_code`, `reason`): it refused one (checks or policy);
/// * `"info"` (`event`: `"open"`, `"closing"`, `"peer_disconnected"`, …), `"message"`
///   (`from`, `to`, `info`), `"conflict"` (`code`, `message`, `round`), `"on_chain_tx"`
///   (`tx`, `tx_type`), `"error"` (`message`), `"node"` (others): notifications of the node,
///   with their `"method"` and `"data"` as the node sent them (less the FSM id);
/// * `"rpc_error"` (`code`, `message`, `data_codes`), `"malformed"`, `"binary_frame"`,
///   `"store_failed"` (`error`), `"disconnected"` (`cause`: the last event of a connection).
///
/// Events continue across reconnects; when more than the configured `event_capacity` are
/// waiting, the oldest are dropped. The operations consume none: every event stays for this
/// function, except those `aesc_channel_receive_message` skips.
///
/// Ownership: on success `*event_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`.
///
/// Errors: `AESC_RESULT_TIMEOUT` when no event arrived in time (nothing written),
/// `AESC_RESULT_CLOSED` when the stream has ended and every event was read,
/// `AESC_RESULT_NULL_PARAMETER`.
///
/// Thread safety: may be called from any thread; with several threads reading, each event goes
/// to one of them.
#[no_mangle]
pub extern "C" fn aesc_channel_next_event(
    channel: *const aesc_channel,
    timeout_ms: u64,
    event_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(event_out, "event_out")?;
        // SAFETY: the caller passes a live handle (contract above).
        let ch = unsafe { channel_ref(channel) }?;
        let event = match ch.events().recv_timeout(Duration::from_millis(timeout_ms)) {
            Ok(e) => e,
            Err(RecvError::Timeout) => {
                return Err(Failure::new(aesc_result::Timeout, "no event arrived in time"))
            }
            Err(RecvError::Closed) => {
                return Err(Failure::new(aesc_result::Closed, "the event stream has ended"))
            }
        };
        // SAFETY: `event_out` is a writable `char **` (contract above).
        unsafe { out.give(json::text(&event_json(&event))?) }
    })
}

/// Waits up to `timeout_ms` milliseconds for the next message of the other party and writes it
/// as JSON to `*message_out`: `{"type": "message", "channel_id", "from", "to", "info", …}`.
/// Other events that arrive meanwhile are consumed and lost (read them with
/// `aesc_channel_next_event` instead when they matter).
///
/// Ownership: on success `*message_out` receives a new string owned by the caller, to free with
/// `aesc_string_free`.
///
/// Errors: `AESC_RESULT_TIMEOUT` when no message arrived in time, `AESC_RESULT_CLOSED` when the
/// event stream has ended, `AESC_RESULT_NULL_PARAMETER`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_receive_message(
    channel: *const aesc_channel,
    timeout_ms: u64,
    message_out: *mut *mut c_char,
) -> aesc_result {
    guard::run(|| {
        let out = OutStr::new(message_out, "message_out")?;
        // SAFETY: the caller passes a live handle (contract above).
        let ch = unsafe { channel_ref(channel) }?;
        let deadline = Instant::now().checked_add(Duration::from_millis(timeout_ms));
        loop {
            let left =
                deadline.map_or(Duration::MAX, |d| d.saturating_duration_since(Instant::now()));
            match ch.events().recv_timeout(left) {
                Ok(event) if event.message().is_some() => {
                    // SAFETY: `message_out` is a writable `char **` (contract above).
                    return unsafe { out.give(json::text(&event_json(&event))?) };
                }
                Ok(_) => {}
                Err(RecvError::Timeout) => {
                    return Err(Failure::new(aesc_result::Timeout, "no message arrived in time"))
                }
                Err(RecvError::Closed) => {
                    return Err(Failure::new(aesc_result::Closed, "the event stream has ended"))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use aesc_client::Phase;

    use super::*;

    #[test]
    fn phase_changes_reconnects_and_lags_have_types_of_their_own() {
        let e = event_json(&Event::PhaseChanged { from: Phase::Opening, to: Phase::Open });
        assert_eq!(e, json!({"type": "phase_changed", "from": "opening", "to": "open"}));
        let e = event_json(&Event::Reconnected { fsm_id: None, same_fsm: true });
        assert_eq!(e, json!({"type": "reconnected", "fsm_id": null, "same_fsm": true}));
        assert_eq!(
            event_json(&Event::Lagged { dropped: 3 }),
            json!({"type": "lagged", "dropped": 3})
        );
    }
}
