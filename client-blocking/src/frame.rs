//! Writing request frames.

use serde_json::{json, Value};

/// A request frame with an id.
pub(crate) fn request(id: u64, method: &str, params: &Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_frames_decode_as_requests() {
        let f = request(7, "channels.get.balances", &json!({"accounts": []}));
        let r = aesc_codec::jsonrpc::decode_request(&f).unwrap();
        assert_eq!(r.id.and_then(|i| i.as_u64()), Some(7));
        assert_eq!(r.method, "channels.get.balances");
    }
}
