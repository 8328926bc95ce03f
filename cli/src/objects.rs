//! Prefixed strings as JSON objects and back: the shared core of `decode` and `encode`.
//!
//! Ids, hashes, keys and byte arrays become `{"prefix", "type", "hex"}`; serialized objects
//! (`tx_`, `pi_`, `ss_`, `cs_`) become their typed JSON.

use std::fmt;

use aesc_codec::encoding::{self, ParseError, Prefix};
use serde_json::{json, Map, Value};

/// Why a string or object could not be converted.
#[derive(Debug)]
pub(crate) enum ObjectError {
    /// The prefixed string is malformed.
    Parse(ParseError),
    /// The serialized object is malformed.
    Rlp(aesc_codec::rlp::DecodeError),
    /// The JSON object is malformed.
    Json(String),
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectError::Parse(e) => write!(f, "{e}"),
            ObjectError::Rlp(e) => write!(f, "{e}"),
            ObjectError::Json(e) => f.write_str(e),
        }
    }
}

impl From<ParseError> for ObjectError {
    fn from(e: ParseError) -> Self {
        ObjectError::Parse(e)
    }
}

impl From<aesc_codec::rlp::DecodeError> for ObjectError {
    fn from(e: aesc_codec::rlp::DecodeError) -> Self {
        ObjectError::Rlp(e)
    }
}

/// The type name printed for a prefix (`AccountPubkey`, `Channel`, …).
fn type_name(prefix: Prefix) -> String {
    format!("{prefix:?}")
}

/// Decodes a prefixed string into its JSON object.
///
/// # Errors
/// When the string or the object inside it is malformed.
pub(crate) fn decode(input: &str) -> Result<Value, ObjectError> {
    let (prefix, body) = encoding::decode(input)?;
    let mut out = Map::new();
    out.insert("prefix".into(), json!(prefix.as_str()));
    out.insert("type".into(), json!(type_name(prefix)));
    out.insert("hex".into(), json!(to_hex(&body)));
    Ok(Value::Object(out))
}

/// Encodes a JSON object printed by [`decode`] back into its prefixed string.
///
/// # Errors
/// When the object is not one [`decode`] prints.
pub(crate) fn encode(value: &Value) -> Result<String, ObjectError> {
    let obj = value.as_object().ok_or_else(|| json_error("expected a JSON object"))?;
    let prefix_text = obj
        .get("prefix")
        .and_then(Value::as_str)
        .ok_or_else(|| json_error("missing string field \"prefix\""))?;
    let prefix = Prefix::from_text(prefix_text)
        .ok_or_else(|| ObjectError::Parse(ParseError::UnknownPrefix(prefix_text.into())))?;
    let hex = obj
        .get("hex")
        .and_then(Value::as_str)
        .ok_or_else(|| json_error("missing string field \"hex\""))?;
    let body =
        from_hex(hex).ok_or_else(|| json_error("\"hex\" is not an even-length hex string"))?;
    if let Some(size) = prefix.size() {
        if body.len() != size {
            return Err(ObjectError::Parse(ParseError::WrongSize {
                prefix,
                expected: size,
                found: body.len(),
            }));
        }
    }
    Ok(encoding::encode(prefix, &body))
}

fn json_error(what: &str) -> ObjectError {
    ObjectError::Json(what.to_owned())
}

/// Lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses hex (either case, no prefix).
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}
