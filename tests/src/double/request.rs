//! Client requests as the node reads them: the envelope rules of `sc_ws_api_jsonrpc` and the
//! parameter checks that produce the node's data codes.

use aesc_codec::id::AccountId;
use aesc_codec::Uint;
use serde_json::{Map, Value};

use super::frames::{DataCode, NodeError, RpcCode};

/// One JSON-RPC request from a client.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Request {
    /// The `id`, if the request has one (a reply is only sent then).
    pub id: Option<Value>,
    /// The method.
    pub method: String,
    /// The `params` object (empty when absent).
    pub params: Map<String, Value>,
    /// Whether `params` was present at all.
    pub has_params: bool,
    /// The request as received, echoed in error objects.
    pub raw: Value,
}

/// Splits a text frame into requests. Frames the node drops silently (bad JSON, no
/// `"jsonrpc": "2.0"`, no method) yield nothing; a batch yields its valid members.
pub(crate) fn parse_frame(text: &str) -> Vec<Request> {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Vec::new();
    };
    match value {
        Value::Array(items) => items.into_iter().filter_map(parse_one).collect(),
        other => parse_one(other).into_iter().collect(),
    }
}

fn parse_one(value: Value) -> Option<Request> {
    let obj = value.as_object()?;
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return None;
    }
    let method = obj.get("method")?.as_str()?.to_string();
    let (params, has_params) = match obj.get("params") {
        Some(Value::Object(p)) => (p.clone(), true),
        Some(_) | None => (Map::new(), false),
    };
    Some(Request { id: obj.get("id").cloned(), method, params, has_params, raw: value })
}

/// A failed parameter check.
pub(crate) type ParamResult<T> = Result<T, NodeError>;

impl Request {
    /// The id to echo in an error (null without one).
    pub(crate) fn id_or_null(&self) -> Value {
        self.id.clone().unwrap_or(Value::Null)
    }

    fn missing() -> NodeError {
        NodeError::rpc(RpcCode::MethodNotFound)
    }

    /// A required parameter, or "method not found" as the node answers missing ones.
    pub(crate) fn required(&self, key: &str) -> ParamResult<&Value> {
        self.params.get(key).ok_or_else(Self::missing)
    }

    /// An integer amount: a JSON integer (1008 otherwise), not negative (1002).
    pub(crate) fn amount(&self, key: &str) -> ParamResult<Uint> {
        amount_value(self.required(key)?)
    }

    /// An optional integer (`fee`, `gas_price`): 1008 when not a number.
    pub(crate) fn opt_uint(&self, key: &str) -> ParamResult<Option<Uint>> {
        match self.params.get(key) {
            None => Ok(None),
            Some(v) => amount_value(v).map(Some),
        }
    }

    /// An optional `u64` (`nonce`).
    pub(crate) fn opt_u64(&self, key: &str) -> ParamResult<Option<u64>> {
        match self.opt_uint(key)? {
            None => Ok(None),
            Some(u) => u.to_u64().map(Some).ok_or_else(|| NodeError::data(DataCode::NotANumber)),
        }
    }

    /// An account (`ak_…`): 1005 when broken.
    pub(crate) fn account(&self, key: &str) -> ParamResult<AccountId> {
        account_value(self.required(key)?)
    }

    /// The optional `meta` list of strings: 1014 otherwise.
    pub(crate) fn meta(&self) -> ParamResult<Vec<String>> {
        match self.params.get("meta") {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|m| m.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| NodeError::data(DataCode::InvalidMeta)),
            Some(_) => Err(NodeError::data(DataCode::InvalidMeta)),
        }
    }

    /// A list of accounts (`get.balances`, `get.poi`).
    pub(crate) fn accounts(&self, key: &str) -> ParamResult<Vec<AccountId>> {
        match self.params.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items.iter().map(account_value).collect(),
            Some(_) => Err(NodeError::data(DataCode::BrokenAccount)),
        }
    }
}

/// An integer amount from a JSON value: 1008 when not an integer, 1002 when negative.
pub(crate) fn amount_value(v: &Value) -> ParamResult<Uint> {
    let Value::Number(n) = v else {
        return Err(NodeError::data(DataCode::NotANumber));
    };
    let text = n.as_str();
    if let Some(rest) = text.strip_prefix('-') {
        return if rest.bytes().all(|b| b.is_ascii_digit()) {
            Err(NodeError::data(DataCode::NegativeAmount))
        } else {
            Err(NodeError::data(DataCode::NotANumber))
        };
    }
    text.parse::<Uint>().map_err(|_| NodeError::data(DataCode::NotANumber))
}

fn account_value(v: &Value) -> ParamResult<AccountId> {
    v.as_str()
        .and_then(|s| s.parse::<AccountId>().ok())
        .ok_or_else(|| NodeError::data(DataCode::BrokenAccount))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silent_drops() {
        assert!(parse_frame("not json").is_empty());
        assert!(parse_frame(r#"{"method":"channels.leave"}"#).is_empty());
        assert!(parse_frame(r#"{"jsonrpc":"2.0"}"#).is_empty());
        assert!(parse_frame(r#"{"jsonrpc":"1.0","method":"x"}"#).is_empty());
        assert_eq!(parse_frame(r#"[{"jsonrpc":"2.0","method":"a"},3]"#).len(), 1);
    }

    #[test]
    fn amounts() {
        let r = &parse_frame(
            r#"{"jsonrpc":"2.0","method":"m","params":{"a":"1","b":-1,"c":1.5,"d":123456789012345678901234567890}}"#,
        )[0];
        assert_eq!(r.amount("a").unwrap_err().data, vec![DataCode::NotANumber]);
        assert_eq!(r.amount("b").unwrap_err().data, vec![DataCode::NegativeAmount]);
        assert_eq!(r.amount("c").unwrap_err().data, vec![DataCode::NotANumber]);
        assert_eq!(r.amount("d").unwrap().to_string(), "123456789012345678901234567890");
        assert_eq!(r.amount("e").unwrap_err().code, RpcCode::MethodNotFound);
    }

    #[test]
    fn meta_and_accounts() {
        let r = &parse_frame(
            r#"{"jsonrpc":"2.0","method":"m","id":7,"params":{"meta":[1],"from":"ABCDEF"}}"#,
        )[0];
        assert_eq!(r.meta().unwrap_err().data, vec![DataCode::InvalidMeta]);
        assert_eq!(r.account("from").unwrap_err().data, vec![DataCode::BrokenAccount]);
        assert_eq!(r.id_or_null(), Value::from(7));
    }
}
