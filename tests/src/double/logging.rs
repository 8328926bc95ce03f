//! What the double tells the [`log`] facade: `info` when it listens, connections come and go
//! and it stops; `debug` for the method of every frame either way; `warn` when it closes a
//! client that does not read. Frames are logged by method and id, never whole.

use serde_json::Value;

/// `method`, `method event`, `method (id N)`, `response (id N)`, `error CODE (id N)` or
/// `unparsable frame (N bytes)`; computed only when `debug` is enabled.
pub(crate) fn frame(conn: u64, dir: &str, text: &str) {
    if log::log_enabled!(log::Level::Debug) {
        log::debug!(target: "aesc_testkit::double::frames", "connection {conn}: {dir} {}", summary(text));
    }
}

fn summary(text: &str) -> String {
    let Ok(Value::Object(v)) = serde_json::from_str::<Value>(text) else {
        return format!("unparsable frame ({} bytes)", text.len());
    };
    let id = match v.get("id") {
        Some(Value::Number(n)) => format!(" (id {n})"),
        _ => String::new(),
    };
    if let Some(method) = v.get("method").and_then(Value::as_str) {
        let what = v
            .get("params")
            .and_then(|p| p.get("data"))
            .and_then(|d| d.get("event").or_else(|| d.get("info")))
            .and_then(Value::as_str)
            .filter(|w| w.len() <= 64)
            .map(|w| format!(" {w}"))
            .unwrap_or_default();
        return format!("{method}{what}{id}");
    }
    match v.get("error") {
        Some(e) => {
            format!("error {}{id}", e.get("code").map_or_else(|| "?".into(), Value::to_string))
        }
        None => format!("response{id}"),
    }
}

/// The `role` of a connect query, for the log.
pub(crate) fn role_of(query: &str) -> &str {
    query.split('&').find_map(|p| p.strip_prefix("role=")).unwrap_or("client")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_name_the_method_only() {
        let sign = r#"{"jsonrpc":"2.0","method":"channels.sign.update","params":{"data":{"signed_tx":"tx_x"}}}"#;
        assert_eq!(summary(sign), "channels.sign.update");
        let info =
            r#"{"jsonrpc":"2.0","method":"channels.info","params":{"data":{"event":"open"}}}"#;
        assert_eq!(summary(info), "channels.info open");
        assert_eq!(summary(r#"{"id":2,"result":{}}"#), "response (id 2)");
        assert_eq!(summary(r#"{"id":null,"error":{"code":3}}"#), "error 3");
        assert_eq!(summary("]"), "unparsable frame (1 bytes)");
        assert_eq!(role_of("protocol=json-rpc&role=responder&port=1"), "responder");
        assert_eq!(role_of(""), "client");
    }
}
