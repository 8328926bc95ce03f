//! The frames the node sends, shaped as `sc_ws_api_jsonrpc` shapes them (protocol §6.3).

use aesc_codec::id::ChannelId;
use serde_json::{json, Map, Value};

/// A JSON-RPC level error code of the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcCode {
    /// -32000 Invalid request.
    InvalidRequest,
    /// -32601 Method not found.
    MethodNotFound,
    /// -32603 Internal error.
    InternalError,
    /// 1 Unauthorized.
    Unauthorized,
    /// 2 Action not allowed.
    NotAllowed,
    /// 3 Rejected.
    Rejected,
}

impl RpcCode {
    /// The numeric code.
    pub const fn code(self) -> i64 {
        match self {
            RpcCode::InvalidRequest => -32000,
            RpcCode::MethodNotFound => -32601,
            RpcCode::InternalError => -32603,
            RpcCode::Unauthorized => 1,
            RpcCode::NotAllowed => 2,
            RpcCode::Rejected => 3,
        }
    }

    /// The node's message for the code.
    pub const fn message(self) -> &'static str {
        match self {
            RpcCode::InvalidRequest => "Invalid request",
            RpcCode::MethodNotFound => "Method not found",
            RpcCode::InternalError => "Internal error",
            RpcCode::Unauthorized => "Unauthorized",
            RpcCode::NotAllowed => "Action not allowed",
            RpcCode::Rejected => "Rejected",
        }
    }
}

/// The node's data codes (`error.data[].code`) with their messages (protocol §6.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataCode {
    /// 100 `<what> doesn't exist`.
    NotFound(&'static str),
    /// 104 Rejected.
    Rejected,
    /// 105 Value too low.
    ValueTooLow,
    /// 107 Conflict.
    Conflict,
    /// 108 Not ready.
    NotReady,
    /// 1001 Insufficient balance.
    InsufficientBalance,
    /// 1002 Negative amount.
    NegativeAmount,
    /// 1003 Invalid pubkeys.
    InvalidPubkeys,
    /// 1004 Call not found.
    CallNotFound,
    /// 1005 Broken encoding: account pubkey.
    BrokenAccount,
    /// 1006 Broken encoding: contract pubkey.
    BrokenContract,
    /// 1008 Not a number.
    NotANumber,
    /// 1009 Broken encoding: contract bytearray.
    BrokenBytearray,
    /// 1010 Broken encoding: transaction.
    BrokenTx,
    /// 1011 Participant not found.
    ParticipantNotFound,
    /// 1012 Offchain tx expected.
    OffchainTxExpected,
    /// 1013 Tx already on-chain.
    AlreadyOnChain,
    /// 1014 Invalid meta object.
    InvalidMeta,
    /// 1016 Invalid fsm id.
    InvalidFsmId,
    /// 1017 Bad signature.
    BadSignature,
    /// 1018 Not allowed at current channel state.
    NotAllowedNow,
    /// 2000 Missing field: `<name>`.
    MissingField(&'static str),
    /// 104 with a message naming a feature the double does not simulate.
    Unsupported(&'static str),
}

impl DataCode {
    /// The numeric data code.
    pub const fn code(&self) -> i64 {
        match self {
            DataCode::NotFound(_) => 100,
            DataCode::Rejected => 104,
            DataCode::ValueTooLow => 105,
            DataCode::Conflict => 107,
            DataCode::NotReady => 108,
            DataCode::InsufficientBalance => 1001,
            DataCode::NegativeAmount => 1002,
            DataCode::InvalidPubkeys => 1003,
            DataCode::CallNotFound => 1004,
            DataCode::BrokenAccount => 1005,
            DataCode::BrokenContract => 1006,
            DataCode::NotANumber => 1008,
            DataCode::BrokenBytearray => 1009,
            DataCode::BrokenTx => 1010,
            DataCode::ParticipantNotFound => 1011,
            DataCode::OffchainTxExpected => 1012,
            DataCode::AlreadyOnChain => 1013,
            DataCode::InvalidMeta => 1014,
            DataCode::InvalidFsmId => 1016,
            DataCode::BadSignature => 1017,
            DataCode::NotAllowedNow => 1018,
            DataCode::MissingField(_) => 2000,
            DataCode::Unsupported(_) => 104,
        }
    }

    /// The node's message.
    pub fn message(&self) -> String {
        match self {
            DataCode::NotFound(what) => format!("{what} doesn't exist"),
            DataCode::Rejected => "Rejected".into(),
            DataCode::ValueTooLow => "Value too low".into(),
            DataCode::Conflict => "Conflict".into(),
            DataCode::NotReady => "Not ready".into(),
            DataCode::InsufficientBalance => "Insufficient balance".into(),
            DataCode::NegativeAmount => "Negative amount".into(),
            DataCode::InvalidPubkeys => "Invalid pubkeys".into(),
            DataCode::CallNotFound => "Call not found".into(),
            DataCode::BrokenAccount => "Broken encoding: account pubkey".into(),
            DataCode::BrokenContract => "Broken encoding: contract pubkey".into(),
            DataCode::NotANumber => "Not a number".into(),
            DataCode::BrokenBytearray => "Broken encoding: contract bytearray".into(),
            DataCode::BrokenTx => "Broken encoding: transaction".into(),
            DataCode::ParticipantNotFound => "Participant not found".into(),
            DataCode::OffchainTxExpected => "Offchain tx expected".into(),
            DataCode::AlreadyOnChain => "Tx already on-chain".into(),
            DataCode::InvalidMeta => "Invalid meta object".into(),
            DataCode::InvalidFsmId => "Invalid fsm id".into(),
            DataCode::BadSignature => "Bad signature".into(),
            DataCode::NotAllowedNow => "Not allowed at current channel state".into(),
            DataCode::MissingField(name) => format!("Missing field: {name}"),
            DataCode::Unsupported(what) => format!("Not supported by the node double: {what}"),
        }
    }

    /// The outer JSON-RPC code the node pairs with this data code.
    pub const fn outer(&self) -> RpcCode {
        match self {
            DataCode::OffchainTxExpected | DataCode::Unsupported(_) => RpcCode::NotAllowed,
            _ => RpcCode::Rejected,
        }
    }
}

/// An error the node reports to a request: an outer code, optional data and an optional
/// free message replacing the code's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeError {
    /// The JSON-RPC code.
    pub code: RpcCode,
    /// The data entries (empty for plain JSON-RPC errors).
    pub data: Vec<DataCode>,
}

impl NodeError {
    /// An error with one data code and its usual outer code.
    pub fn data(code: DataCode) -> Self {
        NodeError { code: code.outer(), data: vec![code] }
    }

    /// A plain JSON-RPC error.
    pub fn rpc(code: RpcCode) -> Self {
        NodeError { code, data: Vec::new() }
    }

    /// The `error` object, echoing `request`.
    pub fn to_json(&self, request: Value) -> Value {
        let mut err = Map::new();
        err.insert("code".into(), json!(self.code.code()));
        if !self.data.is_empty() {
            let data: Vec<Value> = self
                .data
                .iter()
                .map(|d| json!({"code": d.code(), "message": d.message()}))
                .collect();
            err.insert("data".into(), Value::Array(data));
        }
        err.insert("message".into(), json!(self.code.message()));
        err.insert("request".into(), request);
        Value::Object(err)
    }
}

fn channel_json(channel: Option<&ChannelId>) -> Value {
    channel.map_or(Value::Null, |c| Value::String(c.to_string()))
}

/// A notification `{"jsonrpc","method","params":{"channel_id","data"},"version":1}`.
pub fn notification(method: &str, channel: Option<&ChannelId>, data: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": {"channel_id": channel_json(channel), "data": data},
        "version": 1
    })
}

/// A `channels.info` notification with `event` and extra data keys.
pub fn info(channel: Option<&ChannelId>, event: &str, extra: &[(&str, Value)]) -> Value {
    let mut data = Map::new();
    data.insert("event".into(), Value::String(event.into()));
    for (k, v) in extra {
        data.insert((*k).into(), v.clone());
    }
    notification("channels.info", channel, Value::Object(data))
}

/// A `channels.on_chain_tx` notification.
pub fn on_chain_tx(channel: Option<&ChannelId>, info: &str, tx: &str, tx_type: &str) -> Value {
    notification("channels.on_chain_tx", channel, json!({"info": info, "tx": tx, "type": tx_type}))
}

/// A `channels.sign.<tag>` request.
pub fn sign_request(channel: Option<&ChannelId>, tag: &str, signed_tx: &str, updates: Value) -> Value {
    notification(
        &format!("channels.sign.{tag}"),
        channel,
        json!({"signed_tx": signed_tx, "updates": updates}),
    )
}

/// A `channels.conflict` notification.
pub fn conflict(channel: &ChannelId, error_code: u64, round: u64) -> Value {
    notification(
        "channels.conflict",
        Some(channel),
        json!({
            "channel_id": channel.to_string(),
            "error_code": error_code,
            "error_msg": conflict_message(error_code),
            "round": round
        }),
    )
}

/// The node's text for a conflict or abort code.
pub fn conflict_message(code: u64) -> &'static str {
    match code {
        1 => "validation error",
        2 => "conflict",
        3 => "timeout",
        4 => "abort",
        5 => "rejected on-chain",
        128.. => "user-defined",
        _ => "unknown",
    }
}

/// A result frame (only for requests with an id).
pub fn result(channel: Option<&ChannelId>, id: &Value, result: Value) -> Value {
    json!({
        "channel_id": channel_json(channel),
        "id": id,
        "jsonrpc": "2.0",
        "result": result,
        "version": 1
    })
}

/// An error frame (sent whether or not the request had an id).
pub fn error(channel: Option<&ChannelId>, id: &Value, err: &NodeError, request: Value) -> Value {
    json!({
        "channel_id": channel_json(channel),
        "error": err.to_json(request),
        "id": id,
        "jsonrpc": "2.0",
        "version": 1
    })
}

/// The error sent on connect, before the socket is closed: `id` null, `request` `{}`.
pub fn connect_error(err: &NodeError) -> Value {
    error(None, &Value::Null, err, json!({}))
}

/// `channels.error {message}`.
pub fn channel_error(channel: Option<&ChannelId>, message: &str) -> Value {
    notification("channels.error", channel, json!({"message": message}))
}

/// The pieces of a frame the double's tests and fault switches look at: method (or `result` /
/// `error`), and the `event`/`info` of info and on-chain notifications.
pub fn frame_key(frame: &Value) -> (String, Option<String>) {
    let method = match frame.get("method").and_then(Value::as_str) {
        Some(m) => m.to_string(),
        None if frame.get("error").is_some() => "error".into(),
        None => "result".into(),
    };
    let data = frame.get("params").and_then(|p| p.get("data"));
    let sub = data
        .and_then(|d| d.get("event").or_else(|| d.get("info")))
        .and_then(Value::as_str)
        .map(str::to_string);
    (method, sub)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_error_matches_the_node() {
        let f = connect_error(&NodeError::data(DataCode::MissingField("existing_fsm_id")));
        let expected: Value = serde_json::from_str(
            r#"{"channel_id":null,"error":{"code":3,"data":[{"code":2000,
            "message":"Missing field: existing_fsm_id"}],"message":"Rejected","request":{}},
            "id":null,"jsonrpc":"2.0","version":1}"#,
        )
        .unwrap();
        assert_eq!(f, expected);
    }

    #[test]
    fn offchain_expected_is_action_not_allowed() {
        let e = NodeError::data(DataCode::OffchainTxExpected).to_json(json!({}));
        assert_eq!(e["code"], 2);
        assert_eq!(e["message"], "Action not allowed");
        assert_eq!(e["data"][0]["code"], 1012);
    }

    #[test]
    fn keys() {
        let f = info(None, "fsm_up", &[]);
        assert_eq!(frame_key(&f), ("channels.info".into(), Some("fsm_up".into())));
        let r = result(None, &json!(1), json!("ok"));
        assert_eq!(frame_key(&r), ("result".into(), None));
    }
}
