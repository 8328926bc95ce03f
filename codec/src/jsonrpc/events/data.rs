//! Reading the `data` object of a notification, and the error for malformed ones.

use core::fmt;
use core::str::FromStr;

use serde_json::{Map, Value};

use crate::jsonrpc::error::JsonKind;

/// A known notification whose `data` does not have the documented shape. (Unknown methods and
/// unknown events are never an error: they are kept raw.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventError {
    /// `data` (or a nested object) is not an object.
    NotAnObject {
        /// The notification method.
        method: String,
        /// What was found.
        found: JsonKind,
    },
    /// A documented member is missing.
    MissingField {
        /// The notification method.
        method: String,
        /// The member.
        field: &'static str,
    },
    /// A member has the wrong type or does not decode.
    InvalidField {
        /// The notification method.
        method: String,
        /// The member.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
    },
}

impl fmt::Display for EventError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventError::NotAnObject { method, found } => {
                write!(f, "{method}: data must be an object, found {found}")
            }
            EventError::MissingField { method, field } => write!(f, "{method}: missing {field:?}"),
            EventError::InvalidField { method, field, expected } => {
                write!(f, "{method}: {field:?} must be {expected}")
            }
        }
    }
}

impl std::error::Error for EventError {}

/// A view of a `data` object that reports faults against the notification method.
pub(crate) struct Data<'a> {
    pub(crate) map: &'a Map<String, Value>,
    method: &'a str,
}

impl<'a> Data<'a> {
    pub(crate) fn new(method: &'a str, v: &'a Value) -> Result<Data<'a>, EventError> {
        match v {
            Value::Object(map) => Ok(Data { map, method }),
            other => {
                Err(EventError::NotAnObject { method: method.into(), found: JsonKind::of(other) })
            }
        }
    }

    pub(crate) fn missing(&self, field: &'static str) -> EventError {
        EventError::MissingField { method: self.method.into(), field }
    }

    pub(crate) fn invalid(&self, field: &'static str, expected: &'static str) -> EventError {
        EventError::InvalidField { method: self.method.into(), field, expected }
    }

    pub(crate) fn opt_str(&self, field: &'static str) -> Result<Option<&'a str>, EventError> {
        match self.map.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(self.invalid(field, "a string")),
        }
    }

    pub(crate) fn str(&self, field: &'static str) -> Result<&'a str, EventError> {
        self.opt_str(field)?.ok_or_else(|| self.missing(field))
    }

    pub(crate) fn opt_parse<T: FromStr>(
        &self,
        field: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, EventError> {
        match self.opt_str(field) {
            Ok(Some(s)) => s.parse().map(Some).map_err(|_| self.invalid(field, expected)),
            Ok(None) => Ok(None),
            Err(_) => Err(self.invalid(field, expected)),
        }
    }

    pub(crate) fn parse<T: FromStr>(
        &self,
        field: &'static str,
        expected: &'static str,
    ) -> Result<T, EventError> {
        self.opt_parse(field, expected)?.ok_or_else(|| self.missing(field))
    }

    pub(crate) fn u64(&self, field: &'static str) -> Result<u64, EventError> {
        let v = self.map.get(field).ok_or_else(|| self.missing(field))?;
        v.as_u64().ok_or_else(|| self.invalid(field, "a non-negative integer"))
    }
}

/// A string-valued wire enum whose unknown values are kept (rustls `enum_builder!` style).
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $text:literal, )* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A value this table does not list, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every known value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)*];

            /// The wire text.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Unknown(s) => s,
                }
            }

            /// The value for its wire text; unlisted text becomes `Unknown`.
            pub fn from_text(s: &str) -> $name {
                match s {
                    $( $text => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// Whether this value is in the table.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use string_enum;
