//! The `"error"` member of an error reply.

use core::fmt;

use serde_json::{Map, Value};

use super::codes::{DataCode, ErrorCode};
use super::error::FrameError;

/// One entry of `error.data`: the node's detail code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorData {
    /// The detail code.
    pub code: DataCode,
    /// The message (the node's text for known codes).
    pub message: String,
}

impl ErrorData {
    /// The entry the node sends for `code`, with its standard message.
    pub fn new(code: DataCode) -> ErrorData {
        ErrorData { code, message: code.message().unwrap_or_default().to_owned() }
    }

    fn from_value(v: &Value) -> Result<ErrorData, FrameError> {
        let obj = v.as_object().ok_or(FrameError::invalid("error.data[]", "an object", v))?;
        let code = int_member(obj, "code", "error.data[].code")?;
        let message = str_member(obj, "message", "error.data[].message")?;
        Ok(ErrorData { code: DataCode::from_code(code), message })
    }

    fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), self.code.code().into());
        m.insert("message".into(), self.message.clone().into());
        Value::Object(m)
    }
}

/// An error reply's `"error"` object.
///
/// `request` is the original request object the node echoes back (`{}` for connection-time
/// errors), kept as raw JSON because it is whatever the client sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorObject {
    /// The outer code.
    pub code: ErrorCode,
    /// The outer message.
    pub message: String,
    /// Detail entries; empty (and absent on the wire) for plain JSON-RPC codes.
    pub data: Vec<ErrorData>,
    /// The echoed request, when present.
    pub request: Option<Value>,
}

impl ErrorObject {
    /// An error with `code` and its standard message, no data and no echoed request.
    pub fn new(code: ErrorCode) -> ErrorObject {
        ErrorObject {
            code,
            message: code.message().unwrap_or_default().to_owned(),
            data: Vec::new(),
            request: None,
        }
    }

    /// Code 3 "Rejected" with one detail entry, as the node reports most validation failures.
    pub fn rejected(data: DataCode) -> ErrorObject {
        ErrorObject::new(ErrorCode::Rejected).with_data(data)
    }

    /// Appends a detail entry with its standard message.
    #[must_use]
    pub fn with_data(mut self, data: DataCode) -> ErrorObject {
        self.data.push(ErrorData::new(data));
        self
    }

    /// Sets the echoed request.
    #[must_use]
    pub fn with_request(mut self, request: Value) -> ErrorObject {
        self.request = Some(request);
        self
    }

    /// The detail codes, in order.
    pub fn data_codes(&self) -> impl Iterator<Item = DataCode> + '_ {
        self.data.iter().map(|d| d.code)
    }

    /// The method of the echoed request, when there is one.
    pub fn request_method(&self) -> Option<&str> {
        self.request.as_ref()?.get("method")?.as_str()
    }

    /// Reads an error object.
    ///
    /// # Errors
    /// [`FrameError::MissingField`] / [`FrameError::InvalidField`] naming `error.*` members.
    pub fn from_value(v: &Value) -> Result<ErrorObject, FrameError> {
        let obj = v.as_object().ok_or(FrameError::invalid("error", "an object", v))?;
        let code = int_member(obj, "code", "error.code")?;
        let message = str_member(obj, "message", "error.message")?;
        let data = match obj.get("data") {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                items.iter().map(ErrorData::from_value).collect::<Result<_, _>>()?
            }
            Some(other) => return Err(FrameError::invalid("error.data", "an array", other)),
        };
        Ok(ErrorObject {
            code: ErrorCode::from_code(code),
            message,
            data,
            request: obj.get("request").cloned(),
        })
    }

    /// The JSON form, members in the node's (sorted) order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), self.code.code().into());
        if !self.data.is_empty() {
            m.insert(
                "data".into(),
                Value::Array(self.data.iter().map(ErrorData::to_value).collect()),
            );
        }
        m.insert("message".into(), self.message.clone().into());
        if let Some(r) = &self.request {
            m.insert("request".into(), r.clone());
        }
        Value::Object(m)
    }
}

impl fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code.code(), self.message)?;
        for d in &self.data {
            write!(f, "; {} {}", d.code.code(), d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ErrorObject {}

fn int_member(obj: &Map<String, Value>, key: &str, path: &'static str) -> Result<i64, FrameError> {
    let v = obj.get(key).ok_or(FrameError::MissingField { field: path })?;
    v.as_i64().ok_or(FrameError::invalid(path, "an integer", v))
}

fn str_member(
    obj: &Map<String, Value>,
    key: &str,
    path: &'static str,
) -> Result<String, FrameError> {
    let v = obj.get(key).ok_or(FrameError::MissingField { field: path })?;
    v.as_str().map(str::to_owned).ok_or(FrameError::invalid(path, "a string", v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn node_error_object_round_trips() {
        let v = json!({
            "code": 3,
            "data": [{"code": 1008, "message": "Not a number"}],
            "message": "Rejected",
            "request": {"jsonrpc": "2.0", "method": "channels.deposit", "params": {"amount": "2"}}
        });
        let e = ErrorObject::from_value(&v).unwrap();
        assert_eq!(e.code, ErrorCode::Rejected);
        assert_eq!(e.data_codes().collect::<Vec<_>>(), [DataCode::NotANumber]);
        assert_eq!(e.request_method(), Some("channels.deposit"));
        assert_eq!(e.to_value(), v);
        let built = ErrorObject::rejected(DataCode::NotANumber)
            .with_request(v.get("request").unwrap().clone());
        assert_eq!(built, e);
        assert_eq!(e.to_string(), "3 Rejected; 1008 Not a number");
    }

    #[test]
    fn plain_codes_have_no_data_member() {
        let e = ErrorObject::new(ErrorCode::MethodNotFound).with_request(json!({}));
        assert_eq!(
            e.to_value(),
            json!({"code": -32601, "message": "Method not found", "request": {}})
        );
    }

    #[test]
    fn malformed_error_objects_are_typed() {
        assert_eq!(
            ErrorObject::from_value(&json!({"message": "x"})),
            Err(FrameError::MissingField { field: "error.code" })
        );
        assert!(matches!(
            ErrorObject::from_value(&json!({"code": "3", "message": "x"})),
            Err(FrameError::InvalidField { field: "error.code", .. })
        ));
        assert!(matches!(
            ErrorObject::from_value(&json!({"code": 3, "message": "x", "data": {}})),
            Err(FrameError::InvalidField { field: "error.data", .. })
        ));
        assert!(matches!(
            ErrorObject::from_value(&json!({"code": 3, "message": "x", "data": [{"code": 1}]})),
            Err(FrameError::MissingField { field: "error.data[].message" })
        ));
        assert!(matches!(
            ErrorObject::from_value(&json!([])),
            Err(FrameError::InvalidField { field: "error", .. })
        ));
    }
}
