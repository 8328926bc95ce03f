//! Classifying frames from the node and writing request frames.

use serde_json::{json, Value};

use crate::error::{FrameError, RpcError};

/// A text frame from the node, classified.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming {
    /// The answer to a request.
    Response {
        /// The id echoed by the node.
        id: ResponseId,
        /// The result or the error object.
        payload: Result<Value, RpcError>,
    },
    /// A notification (`channels.info`, `channels.sign.*`, …).
    Notification {
        /// The method name.
        method: String,
        /// The `params` object (holding `channel_id` and `data`).
        params: Value,
    },
}

/// The `id` of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResponseId {
    /// An id this client could have sent.
    Number(u64),
    /// `null`: the node could not tie the error to a request (connection errors).
    Null,
    /// Anything else (never sent by this client).
    Other,
}

/// Classifies one text frame.
pub(crate) fn decode_incoming(text: &str) -> Result<Incoming, FrameError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FrameError::Json { line: e.line(), column: e.column() })?;
    classify(value)
}

fn classify(mut value: Value) -> Result<Incoming, FrameError> {
    let obj = value.as_object_mut().ok_or(FrameError::Shape)?;
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(FrameError::Shape);
    }
    if let Some(method) = obj.get("method").and_then(Value::as_str) {
        let method = method.to_owned();
        let params = obj.remove("params").unwrap_or(Value::Null);
        return Ok(Incoming::Notification { method, params });
    }
    let id = match obj.get("id") {
        Some(Value::Null) | None => ResponseId::Null,
        Some(v) => v.as_u64().map_or(ResponseId::Other, ResponseId::Number),
    };
    let payload = match (obj.remove("result"), obj.remove("error")) {
        (Some(result), None) => Ok(result),
        (None, Some(error)) => Err(RpcError::from_json(&error).ok_or(FrameError::Shape)?),
        _ => return Err(FrameError::Shape),
    };
    Ok(Incoming::Response { id, payload })
}

/// A request frame with an id.
pub(crate) fn request(id: u64, method: &str, params: &Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_recorded_frames() {
        let result = r#"{"channel_id":null,"id":1,"jsonrpc":"2.0","result":"ok","version":1}"#;
        assert_eq!(
            decode_incoming(result).unwrap(),
            Incoming::Response { id: ResponseId::Number(1), payload: Ok(json!("ok")) }
        );
        let rejected = r#"{"channel_id":null,"error":{"code":3,"data":[{"code":1016,
            "message":"Invalid fsm id"}],"message":"Rejected","request":{}},"id":null,
            "jsonrpc":"2.0","version":1}"#;
        match decode_incoming(rejected).unwrap() {
            Incoming::Response { id: ResponseId::Null, payload: Err(e) } => {
                assert_eq!(e.code, 3);
                assert!(e.has_data_code(1016));
            }
            other => panic!("{other:?}"),
        }
        let info = r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":null,
            "data":{"event":"fsm_up","fsm_id":"ba_x"}},"version":1}"#;
        match decode_incoming(info).unwrap() {
            Incoming::Notification { method, params } => {
                assert_eq!(method, "channels.info");
                assert_eq!(params["data"]["event"], "fsm_up");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_malformed_frames() {
        assert!(matches!(decode_incoming("{"), Err(FrameError::Json { .. })));
        assert_eq!(decode_incoming("[]"), Err(FrameError::Shape));
        assert_eq!(decode_incoming(r#"{"id":1,"result":"ok"}"#), Err(FrameError::Shape));
        assert_eq!(
            decode_incoming(r#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1}}"#),
            Err(FrameError::Shape)
        );
        assert_eq!(decode_incoming(r#"{"jsonrpc":"2.0","id":1}"#), Err(FrameError::Shape));
    }

    #[test]
    fn large_ids_and_foreign_ids() {
        let f = r#"{"jsonrpc":"2.0","id":-5,"result":"ok"}"#;
        assert!(matches!(
            decode_incoming(f).unwrap(),
            Incoming::Response { id: ResponseId::Other, .. }
        ));
    }
}
