//! The three envelopes of the channel API (spec §6.3) and the frame decoders.
//!
//! Client → node: `{"jsonrpc":"2.0","method":M,"params":P,"id":X}` ([`Request`], `id` optional;
//! a JSON array is a batch).
//!
//! Node → client: a [`Response`] (`{"jsonrpc","version":1,"channel_id","id","result"|"error"}`)
//! or a [`Notification`] (`{"jsonrpc","version":1,"method","params":{"channel_id","data"}}`).
//! Members are written in the node's (sorted) order.

use serde_json::{Map, Value};

use super::error::{FrameError, JsonKind};
use super::error_object::ErrorObject;
use super::id::{Id, TwoPointZero};
use crate::id::ChannelId;

/// The node's API version, sent as `"version": 1` on every node frame.
pub const API_VERSION: u64 = 1;

/// A client → node request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The id to echo; `None` for fire-and-forget requests (the node then replies to errors
    /// only, with `"id": null`).
    pub id: Option<Id>,
    /// The method name (`channels.…`).
    pub method: String,
    /// The params, kept raw; see [`super::ClientRequest::from_request`] for the typed form.
    pub params: Option<Value>,
}

impl Request {
    /// The JSON form, members sorted as the reference client writes them.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        if let Some(id) = &self.id {
            m.insert("id".into(), id.to_value());
        }
        m.insert("jsonrpc".into(), TwoPointZero::TEXT.into());
        m.insert("method".into(), self.method.clone().into());
        if let Some(p) = &self.params {
            m.insert("params".into(), p.clone());
        }
        Value::Object(m)
    }

    /// The text frame.
    pub fn to_frame(&self) -> String {
        self.to_value().to_string()
    }

    /// Reads a request from a parsed JSON value.
    ///
    /// # Errors
    /// A [`FrameError`] for anything the node would drop: not an object, bad `jsonrpc`,
    /// missing or non-string `method`, an id that is not null/number/string.
    pub fn from_value(v: &Value) -> Result<Request, FrameError> {
        let obj = object(v)?;
        TwoPointZero::check(obj.get("jsonrpc"))?;
        let method = match obj.get("method") {
            None => return Err(FrameError::MissingField { field: "method" }),
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(FrameError::invalid("method", "a string", other)),
        };
        let id = obj.get("id").map(Id::from_value).transpose()?;
        Ok(Request { id, method, params: obj.get("params").cloned() })
    }
}

/// The outcome carried by a [`Response`]: exactly one of `result` and `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponsePayload {
    /// `"result"`: raw JSON, whose type depends on the method called
    /// (see [`super::Method::parse_output`]).
    Success(Value),
    /// `"error"`.
    Error(ErrorObject),
}

/// A node → client reply to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The echoed id (`Id::Null` for connection-time errors and id-less requests).
    pub id: Id,
    /// The channel, once the FSM knows its on-chain id.
    pub channel_id: Option<ChannelId>,
    /// The API version; always [`API_VERSION`] in decoded frames.
    pub version: u64,
    /// Result or error.
    pub payload: ResponsePayload,
}

impl Response {
    /// A result reply.
    pub fn success(id: Id, channel_id: Option<ChannelId>, result: Value) -> Response {
        Response { id, channel_id, version: API_VERSION, payload: ResponsePayload::Success(result) }
    }

    /// The `"ok"` reply to a request that only starts something.
    pub fn ok(id: Id, channel_id: Option<ChannelId>) -> Response {
        Response::success(id, channel_id, Value::from("ok"))
    }

    /// An error reply.
    pub fn error(id: Id, channel_id: Option<ChannelId>, error: ErrorObject) -> Response {
        Response { id, channel_id, version: API_VERSION, payload: ResponsePayload::Error(error) }
    }

    /// An error reply to `request`, echoing its id (null when it had none) and the request
    /// itself, as the node does.
    pub fn error_for(
        request: &Request,
        channel_id: Option<ChannelId>,
        error: ErrorObject,
    ) -> Response {
        let id = request.id.clone().unwrap_or(Id::Null);
        Response::error(id, channel_id, error.with_request(request.to_value()))
    }

    /// The error the node sends while a connection is being set up, before closing the socket:
    /// `id: null`, `channel_id: null`, `request: {}`.
    pub fn connection_error(error: ErrorObject) -> Response {
        Response::error(Id::Null, None, error.with_request(Value::Object(Map::new())))
    }

    /// The result, when this is a success.
    pub fn result(&self) -> Option<&Value> {
        match &self.payload {
            ResponsePayload::Success(v) => Some(v),
            ResponsePayload::Error(_) => None,
        }
    }

    /// The error, when this is an error reply.
    pub fn error_object(&self) -> Option<&ErrorObject> {
        match &self.payload {
            ResponsePayload::Error(e) => Some(e),
            ResponsePayload::Success(_) => None,
        }
    }

    /// The JSON form, members in the node's order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("channel_id".into(), channel_value(self.channel_id.as_ref()));
        if let ResponsePayload::Error(e) = &self.payload {
            m.insert("error".into(), e.to_value());
        }
        m.insert("id".into(), self.id.to_value());
        m.insert("jsonrpc".into(), TwoPointZero::TEXT.into());
        if let ResponsePayload::Success(r) = &self.payload {
            m.insert("result".into(), r.clone());
        }
        m.insert("version".into(), self.version.into());
        Value::Object(m)
    }

    /// The text frame.
    pub fn to_frame(&self) -> String {
        self.to_value().to_string()
    }

    /// Reads a response from a parsed JSON object.
    ///
    /// # Errors
    /// A [`FrameError`] naming the first fault.
    pub fn from_value(v: &Value) -> Result<Response, FrameError> {
        Response::from_owned(v.clone())
    }

    /// As [`Response::from_value`], taking the value: the result is moved, not copied.
    fn from_owned(mut v: Value) -> Result<Response, FrameError> {
        let obj = object(&v)?;
        TwoPointZero::check(obj.get("jsonrpc"))?;
        let version = api_version(obj)?;
        let channel_id = channel_member(obj.get("channel_id"), "channel_id")?;
        let id = Id::from_value(obj.get("id").ok_or(FrameError::MissingField { field: "id" })?)?;
        let payload = match (obj.get("result"), obj.get("error")) {
            (Some(_), Some(_)) => return Err(FrameError::BothResultAndError),
            (Some(_), None) => {
                ResponsePayload::Success(v.get_mut("result").map(Value::take).unwrap_or_default())
            }
            (None, Some(e)) => ResponsePayload::Error(ErrorObject::from_value(e)?),
            (None, None) => return Err(FrameError::NeitherResultNorError),
        };
        Ok(Response { id, channel_id, version, payload })
    }
}

/// A node → client notification (spec §6.6), raw; see [`super::NodeEvent`] for the typed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The method (`channels.info`, `channels.sign.update`, …).
    pub method: String,
    /// `params.channel_id`: null until the FSM knows the on-chain channel id.
    pub channel_id: Option<ChannelId>,
    /// `params.data`.
    pub data: Value,
    /// The API version; always [`API_VERSION`] in decoded frames.
    pub version: u64,
}

impl Notification {
    /// A notification with the current API version.
    pub fn new(method: impl Into<String>, channel_id: Option<ChannelId>, data: Value) -> Self {
        Notification { method: method.into(), channel_id, data, version: API_VERSION }
    }

    /// The JSON form, members in the node's order.
    pub fn to_value(&self) -> Value {
        let mut params = Map::new();
        params.insert("channel_id".into(), channel_value(self.channel_id.as_ref()));
        params.insert("data".into(), self.data.clone());
        let mut m = Map::new();
        m.insert("jsonrpc".into(), TwoPointZero::TEXT.into());
        m.insert("method".into(), self.method.clone().into());
        m.insert("params".into(), Value::Object(params));
        m.insert("version".into(), self.version.into());
        Value::Object(m)
    }

    /// The text frame.
    pub fn to_frame(&self) -> String {
        self.to_value().to_string()
    }

    /// Reads a notification from a parsed JSON object.
    ///
    /// # Errors
    /// A [`FrameError`] naming the first fault.
    pub fn from_value(v: &Value) -> Result<Notification, FrameError> {
        Notification::from_owned(v.clone())
    }

    /// As [`Notification::from_value`], taking the value: `params.data` is moved, not copied.
    fn from_owned(mut v: Value) -> Result<Notification, FrameError> {
        let obj = object(&v)?;
        TwoPointZero::check(obj.get("jsonrpc"))?;
        let version = api_version(obj)?;
        if obj.contains_key("result") || obj.contains_key("error") {
            return Err(FrameError::MethodWithPayload);
        }
        let method = match obj.get("method") {
            None => return Err(FrameError::MissingField { field: "method" }),
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(FrameError::invalid("method", "a string", other)),
        };
        let params = match obj.get("params") {
            None => return Err(FrameError::MissingField { field: "params" }),
            Some(Value::Object(p)) => p,
            Some(other) => return Err(FrameError::invalid("params", "an object", other)),
        };
        let channel_id = channel_member(params.get("channel_id"), "params.channel_id")?;
        let data = v
            .get_mut("params")
            .and_then(|p| p.get_mut("data"))
            .map(Value::take)
            .ok_or(FrameError::MissingField { field: "params.data" })?;
        Ok(Notification { method, channel_id, data, version })
    }
}

/// A decoded node → client frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A reply to a request.
    Response(Response),
    /// A notification.
    Notification(Notification),
    /// The replies to a batch request, in the node's order.
    Batch(Vec<Response>),
}

impl Incoming {
    /// The JSON form.
    pub fn to_value(&self) -> Value {
        match self {
            Incoming::Response(r) => r.to_value(),
            Incoming::Notification(n) => n.to_value(),
            Incoming::Batch(rs) => Value::Array(rs.iter().map(Response::to_value).collect()),
        }
    }

    /// The text frame.
    pub fn to_frame(&self) -> String {
        self.to_value().to_string()
    }
}

/// Decodes a node → client text frame. Never panics; numbers keep full precision.
///
/// # Errors
/// A [`FrameError`] naming the first fault.
pub fn decode_incoming(text: &str) -> Result<Incoming, FrameError> {
    let v: Value = serde_json::from_str(text).map_err(|e| FrameError::from_json(&e))?;
    match v {
        Value::Array(items) => {
            if items.is_empty() {
                return Err(FrameError::EmptyBatch);
            }
            let rs = items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    Response::from_owned(item)
                        .map_err(|e| FrameError::InBatch { index, error: Box::new(e) })
                })
                .collect::<Result<_, _>>()?;
            Ok(Incoming::Batch(rs))
        }
        Value::Object(ref obj) if obj.contains_key("method") => {
            Notification::from_owned(v).map(Incoming::Notification)
        }
        Value::Object(_) => Response::from_owned(v).map(Incoming::Response),
        other => Err(FrameError::NotAnObject { found: JsonKind::of(&other) }),
    }
}

/// Decodes a single client → node request frame (what the node double receives).
///
/// # Errors
/// A [`FrameError`]; a batch is reported as [`FrameError::NotAnObject`] (use
/// [`decode_requests`] to accept batches).
pub fn decode_request(text: &str) -> Result<Request, FrameError> {
    let v: Value = serde_json::from_str(text).map_err(|e| FrameError::from_json(&e))?;
    Request::from_value(&v)
}

/// Decodes a client → node frame that may be a batch; a single request gives one element.
///
/// # Errors
/// As [`decode_request`], plus [`FrameError::EmptyBatch`] and [`FrameError::InBatch`].
pub fn decode_requests(text: &str) -> Result<Vec<Request>, FrameError> {
    let v: Value = serde_json::from_str(text).map_err(|e| FrameError::from_json(&e))?;
    match &v {
        Value::Array(items) if items.is_empty() => Err(FrameError::EmptyBatch),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                Request::from_value(item)
                    .map_err(|e| FrameError::InBatch { index, error: Box::new(e) })
            })
            .collect(),
        _ => Request::from_value(&v).map(|r| vec![r]),
    }
}

fn object(v: &Value) -> Result<&Map<String, Value>, FrameError> {
    v.as_object().ok_or(FrameError::NotAnObject { found: JsonKind::of(v) })
}

fn api_version(obj: &Map<String, Value>) -> Result<u64, FrameError> {
    match obj.get("version") {
        None => Err(FrameError::MissingField { field: "version" }),
        Some(v) if v.as_u64() == Some(API_VERSION) => Ok(API_VERSION),
        Some(other) => Err(FrameError::UnsupportedVersion { found: other.to_string() }),
    }
}

fn channel_member(v: Option<&Value>, field: &'static str) -> Result<Option<ChannelId>, FrameError> {
    const EXPECTED: &str = "null or a ch_ string";
    match v {
        None => Err(FrameError::MissingField { field }),
        Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|_| FrameError::InvalidField {
            field,
            expected: EXPECTED,
            found: JsonKind::String,
        }),
        Some(other) => Err(FrameError::invalid(field, EXPECTED, other)),
    }
}

fn channel_value(c: Option<&ChannelId>) -> Value {
    c.map_or(Value::Null, |c| Value::String(c.to_string()))
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
