//! The `"jsonrpc": "2.0"` marker and request ids.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::{FrameError, JsonKind};

/// The `"jsonrpc"` member: a zero-sized marker whose only wire form is `"2.0"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TwoPointZero;

impl TwoPointZero {
    /// The wire text.
    pub const TEXT: &'static str = "2.0";

    /// Checks the `"jsonrpc"` member of an envelope.
    ///
    /// # Errors
    /// [`FrameError::MissingJsonrpc`] when absent, [`FrameError::WrongJsonrpc`] otherwise.
    pub fn check(member: Option<&Value>) -> Result<TwoPointZero, FrameError> {
        match member {
            None => Err(FrameError::MissingJsonrpc),
            Some(Value::String(s)) if s == Self::TEXT => Ok(TwoPointZero),
            Some(other) => Err(FrameError::WrongJsonrpc { found: other.to_string() }),
        }
    }
}

impl Serialize for TwoPointZero {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(Self::TEXT)
    }
}

impl<'de> Deserialize<'de> for TwoPointZero {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s == Self::TEXT {
            Ok(TwoPointZero)
        } else {
            Err(serde::de::Error::invalid_value(serde::de::Unexpected::Str(&s), &"\"2.0\""))
        }
    }
}

/// A request id as it appears on the wire. The node echoes whatever the client sent; ids the
/// client generates are numbers.
///
/// Numbers keep their exact text (arbitrary precision), so an id survives a round trip even
/// when it does not fit 64 bits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Id {
    /// `null`: the id of connection-time errors and of errors for requests sent without id.
    Null,
    /// A number.
    Number(serde_json::Number),
    /// A string.
    Str(String),
}

impl Id {
    /// Reads an id.
    ///
    /// # Errors
    /// [`FrameError::InvalidId`] for booleans, arrays and objects.
    pub fn from_value(v: &Value) -> Result<Id, FrameError> {
        match v {
            Value::Null => Ok(Id::Null),
            Value::Number(n) => Ok(Id::Number(n.clone())),
            Value::String(s) => Ok(Id::Str(s.clone())),
            other => Err(FrameError::InvalidId { found: JsonKind::of(other) }),
        }
    }

    /// The JSON form.
    pub fn to_value(&self) -> Value {
        match self {
            Id::Null => Value::Null,
            Id::Number(n) => Value::Number(n.clone()),
            Id::Str(s) => Value::String(s.clone()),
        }
    }

    /// The id as an `i64`, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Id::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The id as a `u64`, when it is a non-negative integer in range.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Id::Number(n) => n.as_u64(),
            _ => None,
        }
    }
}

impl From<u64> for Id {
    fn from(v: u64) -> Id {
        Id::Number(v.into())
    }
}

impl From<i64> for Id {
    fn from(v: i64) -> Id {
        Id::Number(v.into())
    }
}

impl From<&str> for Id {
    fn from(v: &str) -> Id {
        Id::Str(v.into())
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Id::Null => f.write_str("null"),
            Id::Number(n) => write!(f, "{n}"),
            Id::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Id::from_value(&v).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_point_zero_accepts_only_2_0() {
        assert!(TwoPointZero::check(Some(&Value::from("2.0"))).is_ok());
        assert_eq!(TwoPointZero::check(None), Err(FrameError::MissingJsonrpc));
        assert_eq!(
            TwoPointZero::check(Some(&Value::from("1.0"))),
            Err(FrameError::WrongJsonrpc { found: "\"1.0\"".into() })
        );
        assert!(TwoPointZero::check(Some(&serde_json::json!(2.0))).is_err());
        assert!(serde_json::from_str::<TwoPointZero>("\"2.0\"").is_ok());
        assert!(serde_json::from_str::<TwoPointZero>("\"2\"").is_err());
        assert_eq!(serde_json::to_string(&TwoPointZero).unwrap(), "\"2.0\"");
    }

    #[test]
    fn ids_keep_their_exact_form() {
        let v: Value = serde_json::from_str("-576460752303423311").unwrap();
        let id = Id::from_value(&v).unwrap();
        assert_eq!(id.as_i64(), Some(-576460752303423311));
        assert_eq!(id.to_value().to_string(), "-576460752303423311");
        let big: Value = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert_eq!(Id::from_value(&big).unwrap().to_value().to_string(), big.to_string());
        assert_eq!(
            Id::from_value(&Value::Bool(true)),
            Err(FrameError::InvalidId { found: JsonKind::Bool })
        );
        assert_eq!(Id::from(7u64), Id::from_value(&Value::from(7)).unwrap());
        assert_eq!(Id::from("a").to_string(), "\"a\"");
    }
}
