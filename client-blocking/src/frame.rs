//! Writing request frames.

use std::fmt::Write as _;

use serde_json::Value;

/// A request frame with an id: `{"jsonrpc":"2.0","id":…,"method":…,"params":…}`, written
/// straight from the parameters (no copy of them).
pub(crate) fn request(id: u64, method: &str, params: &Value) -> String {
    let mut frame = String::with_capacity(64 + method.len());
    // Writing to a String cannot fail.
    let _ = write!(
        frame,
        "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":{},\"params\":{params}}}",
        Value::from(method)
    );
    frame
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn request_frames_are_the_compact_json_of_the_request() {
        let params = json!({"accounts": ["ak_\"quoted\""], "n": 1});
        let method = "channels.get.\"balances\"";
        let expected =
            json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": params}).to_string();
        assert_eq!(request(9, method, &params), expected);
    }

    #[test]
    fn request_frames_decode_as_requests() {
        let f = request(7, "channels.get.balances", &json!({"accounts": []}));
        let r = aesc_codec::jsonrpc::decode_request(&f).unwrap();
        assert_eq!(r.id.and_then(|i| i.as_u64()), Some(7));
        assert_eq!(r.method, "channels.get.balances");
    }
}
