//! Why a text frame is not a well-formed JSON-RPC envelope.

use core::fmt;

use serde_json::Value;

/// The kind of a JSON value, for error reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JsonKind {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// A number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonKind {
    /// The kind of `v`.
    pub fn of(v: &Value) -> JsonKind {
        match v {
            Value::Null => JsonKind::Null,
            Value::Bool(_) => JsonKind::Bool,
            Value::Number(_) => JsonKind::Number,
            Value::String(_) => JsonKind::String,
            Value::Array(_) => JsonKind::Array,
            Value::Object(_) => JsonKind::Object,
        }
    }
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        })
    }
}

/// Why a frame is not a well-formed envelope. The node silently drops client frames with any
/// of these faults; a client should treat them from the node as a protocol violation.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The text is not JSON. Line and column are 1-based, as serde_json reports them.
    NotJson {
        /// Line of the fault.
        line: usize,
        /// Column of the fault.
        column: usize,
    },
    /// The frame is JSON but neither an object nor (where allowed) an array.
    NotAnObject {
        /// What was found instead.
        found: JsonKind,
    },
    /// A batch (JSON array) with no elements.
    EmptyBatch,
    /// One element of a batch is malformed.
    InBatch {
        /// Index of the element.
        index: usize,
        /// What is wrong with it.
        error: Box<FrameError>,
    },
    /// The `"jsonrpc"` member is missing.
    MissingJsonrpc,
    /// The `"jsonrpc"` member is not the string `"2.0"`.
    WrongJsonrpc {
        /// The member as JSON text.
        found: String,
    },
    /// The node's API `"version"` is not `1`.
    UnsupportedVersion {
        /// The member as JSON text.
        found: String,
    },
    /// A required member is missing (`"method"`, `"id"`, `"params"`, `"error.code"`, …).
    MissingField {
        /// Dotted path of the member.
        field: &'static str,
    },
    /// A member has the wrong type or an invalid value.
    InvalidField {
        /// Dotted path of the member.
        field: &'static str,
        /// What was expected there.
        expected: &'static str,
        /// The kind of value found.
        found: JsonKind,
    },
    /// The `"id"` is not null, a number or a string.
    InvalidId {
        /// The kind of value found.
        found: JsonKind,
    },
    /// A response carries both `"result"` and `"error"`.
    BothResultAndError,
    /// An object with an id but neither `"result"`, `"error"` nor `"method"`.
    NeitherResultNorError,
    /// A notification (it has `"method"`) that also carries `"result"` or `"error"`.
    MethodWithPayload,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::NotJson { line, column } => {
                write!(f, "not JSON (line {line}, column {column})")
            }
            FrameError::NotAnObject { found } => write!(f, "expected an object, found {found}"),
            FrameError::EmptyBatch => f.write_str("empty batch"),
            FrameError::InBatch { index, error } => write!(f, "batch element {index}: {error}"),
            FrameError::MissingJsonrpc => f.write_str("missing \"jsonrpc\""),
            FrameError::WrongJsonrpc { found } => {
                write!(f, "\"jsonrpc\" must be \"2.0\", found {found}")
            }
            FrameError::UnsupportedVersion { found } => {
                write!(f, "unsupported API \"version\" {found}, expected 1")
            }
            FrameError::MissingField { field } => write!(f, "missing {field:?}"),
            FrameError::InvalidField { field, expected, found } => {
                write!(f, "{field:?} must be {expected}, found {found}")
            }
            FrameError::InvalidId { found } => {
                write!(f, "\"id\" must be null, a number or a string, found {found}")
            }
            FrameError::BothResultAndError => f.write_str("both \"result\" and \"error\""),
            FrameError::NeitherResultNorError => {
                f.write_str("neither \"result\", \"error\" nor \"method\"")
            }
            FrameError::MethodWithPayload => {
                f.write_str("a \"method\" together with \"result\" or \"error\"")
            }
        }
    }
}

impl std::error::Error for FrameError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FrameError::InBatch { error, .. } => Some(error.as_ref()),
            _ => None,
        }
    }
}

impl FrameError {
    pub(crate) fn from_json(e: &serde_json::Error) -> FrameError {
        FrameError::NotJson { line: e.line(), column: e.column() }
    }

    pub(crate) fn invalid(field: &'static str, expected: &'static str, v: &Value) -> FrameError {
        FrameError::InvalidField { field, expected, found: JsonKind::of(v) }
    }
}
