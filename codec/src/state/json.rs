//! Helpers for the JSON forms of state objects, and their error type.

use core::fmt;

use serde_json::{Map, Value};

use crate::encoding::{self, ParseError, Prefix};
use crate::id::Id;
use crate::uint::ParseUintError;
use crate::Uint;

/// Why a JSON value is not the JSON form of a state object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonError {
    /// The value is not a JSON object (or array) where one is required.
    NotAnObject {
        /// The field holding the value, or `"<root>"`.
        field: &'static str,
    },
    /// A required field is absent.
    Missing {
        /// The field name.
        field: &'static str,
    },
    /// A field has the wrong JSON type or an out-of-range value.
    Invalid {
        /// The field name.
        field: &'static str,
        /// What the field must be.
        expected: &'static str,
    },
    /// A prefixed string field did not parse.
    Parse {
        /// The field name.
        field: &'static str,
        /// The parse error.
        error: ParseError,
    },
    /// An integer field is longer or larger than the codec accepts
    /// ([`crate::Uint::MAX_BYTES`]).
    Integer {
        /// The field name.
        field: &'static str,
        /// The parse error.
        error: ParseUintError,
    },
    /// The fields are individually fine but do not form a valid object.
    Inconsistent {
        /// The rule that is broken.
        rule: &'static str,
    },
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::NotAnObject { field } => write!(f, "{field}: expected a JSON object"),
            JsonError::Missing { field } => write!(f, "missing field {field}"),
            JsonError::Invalid { field, expected } => write!(f, "{field}: expected {expected}"),
            JsonError::Parse { field, error } => write!(f, "{field}: {error}"),
            JsonError::Integer { field, error } => write!(f, "{field}: {error}"),
            JsonError::Inconsistent { rule } => write!(f, "inconsistent object: {rule}"),
        }
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JsonError::Parse { error, .. } => Some(error),
            JsonError::Integer { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// A JSON object being read field by field.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    pub(crate) fn new(v: &'a Value, field: &'static str) -> Result<Self, JsonError> {
        v.as_object().map(|map| Obj { map }).ok_or(JsonError::NotAnObject { field })
    }

    pub(crate) fn has(&self, field: &str) -> bool {
        self.map.contains_key(field)
    }

    pub(crate) fn opt(&self, field: &'static str) -> Option<&'a Value> {
        self.map.get(field)
    }

    pub(crate) fn req(&self, field: &'static str) -> Result<&'a Value, JsonError> {
        self.map.get(field).ok_or(JsonError::Missing { field })
    }

    pub(crate) fn uint(&self, field: &'static str) -> Result<Uint, JsonError> {
        uint(self.req(field)?, field)
    }

    pub(crate) fn u64(&self, field: &'static str) -> Result<u64, JsonError> {
        u64_of(self.req(field)?, field)
    }

    pub(crate) fn bool(&self, field: &'static str) -> Result<bool, JsonError> {
        self.req(field)?.as_bool().ok_or(JsonError::Invalid { field, expected: "a boolean" })
    }

    pub(crate) fn str(&self, field: &'static str) -> Result<&'a str, JsonError> {
        self.req(field)?.as_str().ok_or(JsonError::Invalid { field, expected: "a string" })
    }

    pub(crate) fn array(&self, field: &'static str) -> Result<&'a [Value], JsonError> {
        array(self.req(field)?, field)
    }

    pub(crate) fn parsed<T: core::str::FromStr<Err = ParseError>>(
        &self,
        field: &'static str,
    ) -> Result<T, JsonError> {
        parse(self.req(field)?, field)
    }

    pub(crate) fn hex(&self, field: &'static str) -> Result<Vec<u8>, JsonError> {
        hex_value(self.req(field)?, field)
    }

    pub(crate) fn hex32(&self, field: &'static str) -> Result<[u8; 32], JsonError> {
        hex32_value(self.req(field)?, field)
    }

    pub(crate) fn bytes(&self, field: &'static str, prefix: Prefix) -> Result<Vec<u8>, JsonError> {
        prefixed_bytes(self.req(field)?, field, prefix)
    }
}

pub(crate) fn uint(v: &Value, field: &'static str) -> Result<Uint, JsonError> {
    let invalid = JsonError::Invalid { field, expected: "a non-negative integer" };
    match v {
        Value::Number(_) => match Uint::parse_json(v) {
            Ok(Some(n)) => Ok(n),
            Err(error @ (ParseUintError::TooLong { .. } | ParseUintError::TooLarge)) => {
                Err(JsonError::Integer { field, error })
            }
            _ => Err(invalid),
        },
        _ => Err(invalid),
    }
}

pub(crate) fn u64_of(v: &Value, field: &'static str) -> Result<u64, JsonError> {
    uint(v, field)?.to_u64().ok_or(JsonError::Invalid { field, expected: "an integer below 2^64" })
}

pub(crate) fn array<'a>(v: &'a Value, field: &'static str) -> Result<&'a [Value], JsonError> {
    v.as_array().map(Vec::as_slice).ok_or(JsonError::Invalid { field, expected: "an array" })
}

pub(crate) fn parse<T: core::str::FromStr<Err = ParseError>>(
    v: &Value,
    field: &'static str,
) -> Result<T, JsonError> {
    let s = v.as_str().ok_or(JsonError::Invalid { field, expected: "a string" })?;
    s.parse().map_err(|error| JsonError::Parse { field, error })
}

pub(crate) fn ids(v: &Value, field: &'static str) -> Result<Vec<Id>, JsonError> {
    array(v, field)?.iter().map(|x| parse(x, field)).collect()
}

pub(crate) fn prefixed_bytes(
    v: &Value,
    field: &'static str,
    prefix: Prefix,
) -> Result<Vec<u8>, JsonError> {
    let s = v.as_str().ok_or(JsonError::Invalid { field, expected: "a string" })?;
    encoding::decode_as(prefix, s).map_err(|error| JsonError::Parse { field, error })
}

pub(crate) fn prefixed(prefix: Prefix, bytes: &[u8]) -> Value {
    Value::String(encoding::encode(prefix, bytes))
}

pub(crate) fn str_of(v: impl fmt::Display) -> Value {
    Value::String(v.to_string())
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> Value {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(*DIGITS.get(usize::from(b >> 4)).unwrap_or(&b'0')));
        s.push(char::from(*DIGITS.get(usize::from(b & 0x0f)).unwrap_or(&b'0')));
    }
    Value::String(s)
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Parses lowercase hex (the form [`hex`] writes; upper case is rejected so that the JSON
/// form stays canonical).
pub(crate) fn hex_value(v: &Value, field: &'static str) -> Result<Vec<u8>, JsonError> {
    const EXPECTED: &str = "a lowercase hex string of even length";
    let s = v.as_str().ok_or(JsonError::Invalid { field, expected: EXPECTED })?;
    let bytes = s.as_bytes();
    if bytes.len() % 2 != 0 {
        return Err(JsonError::Invalid { field, expected: EXPECTED });
    }
    bytes
        .chunks_exact(2)
        .map(|pair| match pair {
            [hi, lo] => Some((nibble(*hi)? << 4) | nibble(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or(JsonError::Invalid { field, expected: EXPECTED })
}

pub(crate) fn hex32_value(v: &Value, field: &'static str) -> Result<[u8; 32], JsonError> {
    let b = hex_value(v, field)?;
    <[u8; 32]>::try_from(b.as_slice())
        .map_err(|_| JsonError::Invalid { field, expected: "32 bytes of hex" })
}

/// Builds a JSON object from `(name, value)` pairs, in order.
pub(crate) fn object<const N: usize>(fields: [(&str, Value); N]) -> Value {
    Value::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}
