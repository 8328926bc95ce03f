//! Errors from reading transactions out of API strings and JSON.

use core::fmt;

use crate::encoding::ParseError;
use crate::rlp::DecodeError;
use crate::uint::ParseUintError;

/// A `tx_…` string could not be turned into a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxError {
    /// The string is not a valid `tx_` API string (prefix, base64, checksum).
    Encoding(ParseError),
    /// The bytes are not a canonical serialization of the expected object.
    Rlp(DecodeError),
}

impl fmt::Display for TxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxError::Encoding(e) => write!(f, "transaction string: {e}"),
            TxError::Rlp(e) => write!(f, "transaction bytes: {e}"),
        }
    }
}

impl std::error::Error for TxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TxError::Encoding(e) => Some(e),
            TxError::Rlp(e) => Some(e),
        }
    }
}

impl From<ParseError> for TxError {
    fn from(e: ParseError) -> Self {
        TxError::Encoding(e)
    }
}

impl From<DecodeError> for TxError {
    fn from(e: DecodeError) -> Self {
        TxError::Rlp(e)
    }
}

/// The JSON form of a transaction or update could not be read.
///
/// `path` names the offending value from the object passed in, e.g.
/// `payload.tx.state_hash` or `updates[1].amount`; it is empty for the top-level value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Where the problem is.
    pub path: String,
    /// What the problem is.
    pub kind: JsonErrorKind,
}

/// The kinds of [`JsonError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// A required key is absent.
    Missing,
    /// The value has the wrong JSON type.
    WrongType {
        /// What was expected (`"object"`, `"string"`, `"unsigned integer"`, …).
        expected: &'static str,
    },
    /// A prefixed string failed to decode.
    Encoding(ParseError),
    /// An integer is longer or larger than the codec accepts ([`crate::Uint::MAX_BYTES`]).
    Integer(ParseUintError),
    /// A `tx_…` (or other serialized) value decoded to bytes that are not a valid object.
    Rlp(DecodeError),
    /// The `type` names no transaction this codec knows.
    UnknownType(String),
    /// The `type` names another transaction than the one being read.
    UnexpectedType {
        /// The type name expected.
        expected: &'static str,
        /// The type name found.
        found: String,
    },
    /// The `op` names no off-chain update.
    UnknownOp(String),
    /// The `version` is not supported for the `type`.
    UnsupportedVersion {
        /// The object type name.
        type_name: &'static str,
        /// The version found.
        version: u64,
    },
    /// The value violates a rule of its field (described by the text).
    Invalid(&'static str),
    /// Objects are nested deeper than the codec allows.
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
}

impl JsonError {
    /// An error of `kind` at the current value.
    pub(crate) fn new(kind: JsonErrorKind) -> Self {
        JsonError { path: String::new(), kind }
    }

    /// Prefixes the path with the key `key` of the enclosing object.
    pub(crate) fn within(mut self, key: &str) -> Self {
        if self.path.is_empty() {
            self.path = key.to_owned();
        } else if self.path.starts_with('[') {
            self.path = format!("{key}{}", self.path);
        } else {
            self.path = format!("{key}.{}", self.path);
        }
        self
    }

    /// Prefixes the path with the index `i` of the enclosing array.
    pub(crate) fn at_index(mut self, i: usize) -> Self {
        if self.path.is_empty() || self.path.starts_with('[') {
            self.path = format!("[{i}]{}", self.path);
        } else {
            self.path = format!("[{i}].{}", self.path);
        }
        self
    }
}

impl From<JsonErrorKind> for JsonError {
    fn from(kind: JsonErrorKind) -> Self {
        JsonError::new(kind)
    }
}

impl fmt::Display for JsonErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonErrorKind::Missing => f.write_str("missing"),
            JsonErrorKind::WrongType { expected } => write!(f, "expected {expected}"),
            JsonErrorKind::Encoding(e) => write!(f, "{e}"),
            JsonErrorKind::Integer(e) => write!(f, "{e}"),
            JsonErrorKind::Rlp(e) => write!(f, "{e}"),
            JsonErrorKind::UnknownType(t) => write!(f, "unknown transaction type {t:?}"),
            JsonErrorKind::UnexpectedType { expected, found } => {
                write!(f, "type {found:?} where {expected:?} is required")
            }
            JsonErrorKind::UnknownOp(op) => write!(f, "unknown off-chain update op {op:?}"),
            JsonErrorKind::UnsupportedVersion { type_name, version } => {
                write!(f, "unsupported version {version} of {type_name}")
            }
            JsonErrorKind::Invalid(what) => write!(f, "invalid value: {what}"),
            JsonErrorKind::TooDeep { limit } => write!(f, "objects nested deeper than {limit}"),
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.path, self.kind)
        }
    }
}

impl std::error::Error for JsonError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            JsonErrorKind::Encoding(e) => Some(e),
            JsonErrorKind::Integer(e) => Some(e),
            JsonErrorKind::Rlp(e) => Some(e),
            _ => None,
        }
    }
}
