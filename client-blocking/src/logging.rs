//! What the client tells the [`log`] facade, and how it keeps secrets out of it.
//!
//! Frames are logged under the target `aesc_client::frames`, everything else under the module
//! that logs it. Levels: `info` for lifecycle steps (connecting, connected, FSM up, open, leave, closing,
//! closed, connection ended), `debug` for the method of every frame sent and received and for
//! every review of a sign request, `warn` for refusals, reconnects, store failures, deadlines
//! hit and connections lost. No record carries a secret key, an FSM id (it lets its holder
//! take the channel over at the node) or a whole signed transaction: frames are logged by
//! method and id only, URLs without their FSM id.

use serde_json::Value;

use crate::error::Error;

/// The direction of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dir {
    /// From this client to the node.
    Send,
    /// From the node to this client.
    Recv,
}

/// Logs one frame at `debug`: its method (or, for a response, its id and outcome), and for
/// info and on-chain notifications the event. Costs nothing unless `debug` is enabled.
pub(crate) fn frame(dir: Dir, text: &str) {
    if !log::log_enabled!(log::Level::Debug) {
        return;
    }
    let arrow = match dir {
        Dir::Send => "send",
        Dir::Recv => "recv",
    };
    log::debug!(target: "aesc_client::frames", "{arrow} {}", summary(text));
}

/// `method`, `method event`, `method (id N)`, `response (id N)`, `error CODE (id N)`, or
/// `unparsable frame (N bytes)`.
pub(crate) fn summary(text: &str) -> String {
    let Ok(Value::Object(v)) = serde_json::from_str::<Value>(text) else {
        return format!("unparsable frame ({} bytes)", text.len());
    };
    let id = match v.get("id") {
        Some(Value::Number(n)) => format!(" (id {n})"),
        Some(Value::String(s)) if s.len() <= 32 => format!(" (id {s:?})"),
        _ => String::new(),
    };
    if let Some(method) = v.get("method").and_then(Value::as_str) {
        let data = v.get("params").and_then(|p| p.get("data"));
        let what = data
            .and_then(|d| d.get("event").or_else(|| d.get("info")))
            .and_then(Value::as_str)
            .filter(|w| w.len() <= 64)
            .map(|w| format!(" {w}"))
            .unwrap_or_default();
        return format!("{method}{what}{id}");
    }
    if let Some(e) = v.get("error") {
        let code = e.get("code").map_or_else(|| "?".to_owned(), Value::to_string);
        return format!("error {code}{id}");
    }
    format!("response{id}")
}

/// A node URL as it may be logged: without the FSM id of a reconnect.
pub(crate) fn url(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_owned() };
    let pairs: Vec<&str> = query
        .split('&')
        .map(|p| if p.starts_with("existing_fsm_id=") { "existing_fsm_id=…" } else { p })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// The end of a connection: `info` when the owner closed it or the node closed it normally
/// (code 1000, as it does once the FSM stopped), `warn` otherwise.
pub(crate) fn ended(cause: &Error) {
    const TARGET: &str = "aesc_client::connection";
    match cause {
        Error::Closed => log::info!(target: TARGET, "connection closed"),
        Error::ClosedByNode { code: 1000, .. } => {
            log::info!(target: TARGET, "connection closed by the node");
        }
        other => log::warn!(target: TARGET, "connection ended: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_summarised_without_their_data() {
        let request = r#"{"jsonrpc":"2.0","id":3,"method":"channels.update.new","params":{"from":"ak_x","to":"ak_y","amount":1}}"#;
        assert_eq!(summary(request), "channels.update.new (id 3)");
        let sign = r#"{"jsonrpc":"2.0","method":"channels.sign.update","params":{"channel_id":"ch_x","data":{"signed_tx":"tx_secretish","updates":[]}}}"#;
        assert_eq!(summary(sign), "channels.sign.update");
        let info = r#"{"jsonrpc":"2.0","method":"channels.info","params":{"data":{"event":"fsm_up","fsm_id":"ba_x"}}}"#;
        assert_eq!(summary(info), "channels.info fsm_up");
        let on_chain = r#"{"jsonrpc":"2.0","method":"channels.on_chain_tx","params":{"data":{"info":"channel_closed","tx":"tx_y"}}}"#;
        assert_eq!(summary(on_chain), "channels.on_chain_tx channel_closed");
        assert_eq!(summary(r#"{"jsonrpc":"2.0","id":4,"result":"ok"}"#), "response (id 4)");
        let error = r#"{"jsonrpc":"2.0","id":null,"error":{"code":3,"message":"Rejected"}}"#;
        assert_eq!(summary(error), "error 3");
        assert_eq!(summary("not json"), "unparsable frame (8 bytes)");
        for text in [request, sign, info, on_chain] {
            let s = summary(text);
            assert!(!s.contains("tx_") && !s.contains("ba_") && !s.contains("ak_"), "{s}");
        }
    }

    #[test]
    fn urls_lose_their_fsm_id() {
        assert_eq!(
            url("ws://h:3014/channel?role=initiator&existing_fsm_id=ba_secret&port=3"),
            "ws://h:3014/channel?role=initiator&existing_fsm_id=…&port=3"
        );
        assert_eq!(url("ws://h:3014/channel"), "ws://h:3014/channel");
    }
}
