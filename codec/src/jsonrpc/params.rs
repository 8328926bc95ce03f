//! Reading and writing method params, with the node's validation outcomes as typed errors.
//!
//! [`ParamsError`] says *why* params are unacceptable and maps to the exact error the node
//! answers with ([`ParamsError::to_error_object`]): missing required params are `-32601`, an
//! integer given as anything else is `3`/`1008`, a broken `ak_` is `3`/`1005`, and so on
//! (spec §6.4, §6.7).

use core::fmt;

use serde_json::{Map, Value};

use super::codes::{DataCode, ErrorCode};
use super::error::JsonKind;
use super::error_object::ErrorObject;
use super::values::BlockHash;
use crate::uint::Uint;

/// The kind of a prefixed string that failed to decode, with the node's detail code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EncodingKind {
    /// `ak_…` (1005).
    AccountPubkey,
    /// `ct_…` (1006).
    ContractPubkey,
    /// `cb_…` (1009).
    ContractBytearray,
    /// `tx_…` (1010).
    Transaction,
}

impl EncodingKind {
    /// The node's detail code for this kind.
    pub const fn data_code(self) -> DataCode {
        match self {
            EncodingKind::AccountPubkey => DataCode::BrokenAccountPubkey,
            EncodingKind::ContractPubkey => DataCode::BrokenContractPubkey,
            EncodingKind::ContractBytearray => DataCode::BrokenContractBytearray,
            EncodingKind::Transaction => DataCode::BrokenTransaction,
        }
    }
}

/// A field whose prefixed string does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BrokenField {
    /// The param name.
    pub field: &'static str,
    /// What it should have been.
    pub kind: EncodingKind,
}

/// Why a request's params are not acceptable, in the node's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamsError {
    /// The method is not part of the API (`-32601`).
    UnknownMethod {
        /// The method name.
        method: String,
    },
    /// `params` is absent or not an object (`-32601`).
    NotAnObject {
        /// What was found (`None` when absent).
        found: Option<JsonKind>,
    },
    /// A required param is missing (`-32601`).
    MissingField {
        /// The param name.
        field: &'static str,
    },
    /// A param that must be an integer is something else, e.g. a string (`3`/`1008`).
    NotANumber {
        /// The param name.
        field: &'static str,
    },
    /// An amount is negative (`3`/`1002`).
    NegativeAmount {
        /// The param name.
        field: &'static str,
    },
    /// One or more prefixed strings do not decode (`3` with one detail entry per field).
    BrokenEncoding {
        /// The broken fields, in the node's order.
        fields: Vec<BrokenField>,
    },
    /// `meta` is not a list of strings (`3`/`1014`).
    InvalidMeta,
    /// `channels.message` `info` is not a string or is longer than 65000 bytes (`-32000`).
    InvalidMessageInfo,
    /// An abort code outside 1..=65535 (`-32603`).
    InvalidAbortCode,
    /// A param has a value outside its set (`system` action, history filter): no form of the
    /// method matches (`-32601`).
    UnsupportedValue {
        /// The param name.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// A param is refused without a detail code of its own: a `block_hash` that does not
    /// decode, a zero deposit or withdrawal amount (`-32603`).
    InvalidValue {
        /// The param name.
        field: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// The node drops such a request without any reply (a malformed `assume_minimum_depth`
    /// hash, `get.contract_call` for round 0).
    Dropped {
        /// The param at fault.
        field: &'static str,
    },
}

impl ParamsError {
    /// The error object the node answers with (without the echoed request), or `None` when
    /// the node sends no reply at all.
    pub fn to_error_object(&self) -> Option<ErrorObject> {
        Some(match self {
            ParamsError::UnknownMethod { .. }
            | ParamsError::NotAnObject { .. }
            | ParamsError::MissingField { .. }
            | ParamsError::UnsupportedValue { .. } => ErrorObject::new(ErrorCode::MethodNotFound),
            ParamsError::NotANumber { .. } => ErrorObject::rejected(DataCode::NotANumber),
            ParamsError::NegativeAmount { .. } => ErrorObject::rejected(DataCode::NegativeAmount),
            ParamsError::BrokenEncoding { fields } => {
                fields.iter().fold(ErrorObject::new(ErrorCode::Rejected), |e, f| {
                    e.with_data(f.kind.data_code())
                })
            }
            ParamsError::InvalidMeta => ErrorObject::rejected(DataCode::InvalidMetaObject),
            ParamsError::InvalidMessageInfo => ErrorObject::new(ErrorCode::InvalidRequest),
            ParamsError::InvalidAbortCode | ParamsError::InvalidValue { .. } => {
                ErrorObject::new(ErrorCode::InternalError)
            }
            ParamsError::Dropped { .. } => return None,
        })
    }

    pub(crate) fn broken(field: &'static str, kind: EncodingKind) -> ParamsError {
        ParamsError::BrokenEncoding { fields: vec![BrokenField { field, kind }] }
    }
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamsError::UnknownMethod { method } => write!(f, "unknown method {method:?}"),
            ParamsError::NotAnObject { found: None } => f.write_str("params are missing"),
            ParamsError::NotAnObject { found: Some(k) } => {
                write!(f, "params must be an object, found {k}")
            }
            ParamsError::MissingField { field } => write!(f, "missing param {field:?}"),
            ParamsError::NotANumber { field } => write!(f, "param {field:?} is not a number"),
            ParamsError::NegativeAmount { field } => write!(f, "param {field:?} is negative"),
            ParamsError::BrokenEncoding { fields } => {
                f.write_str("broken encoding of")?;
                for b in fields {
                    write!(f, " {:?}", b.field)?;
                }
                Ok(())
            }
            ParamsError::InvalidMeta => f.write_str("meta must be a list of strings"),
            ParamsError::InvalidMessageInfo => {
                f.write_str("message info must be a string of at most 65000 bytes")
            }
            ParamsError::InvalidAbortCode => f.write_str("abort code must be in 1..=65535"),
            ParamsError::InvalidValue { field, expected }
            | ParamsError::UnsupportedValue { field, expected } => {
                write!(f, "param {field:?} must be {expected}")
            }
            ParamsError::Dropped { field } => {
                write!(f, "param {field:?} is malformed; the node drops the request")
            }
        }
    }
}

impl std::error::Error for ParamsError {}

/// A read-only view of a params object with typed, validating getters.
#[derive(Debug, Clone, Copy)]
pub struct Params<'a>(&'a Map<String, Value>);

impl<'a> Params<'a> {
    /// Views `params`, which must be an object.
    ///
    /// # Errors
    /// [`ParamsError::NotAnObject`].
    pub fn new(params: Option<&'a Value>) -> Result<Params<'a>, ParamsError> {
        match params {
            Some(Value::Object(m)) => Ok(Params(m)),
            Some(other) => Err(ParamsError::NotAnObject { found: Some(JsonKind::of(other)) }),
            None => Err(ParamsError::NotAnObject { found: None }),
        }
    }

    /// The raw member.
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.0.get(field)
    }

    fn required(&self, field: &'static str) -> Result<&'a Value, ParamsError> {
        self.0.get(field).ok_or(ParamsError::MissingField { field })
    }

    /// A required non-negative integer of any size.
    ///
    /// # Errors
    /// Missing, [`ParamsError::NegativeAmount`] or [`ParamsError::NotANumber`].
    pub fn uint(&self, field: &'static str) -> Result<Uint, ParamsError> {
        uint_value(self.required(field)?, field)
    }

    /// An optional non-negative integer of any size.
    ///
    /// # Errors
    /// As [`Params::uint`] when present.
    pub fn opt_uint(&self, field: &'static str) -> Result<Option<Uint>, ParamsError> {
        self.0.get(field).map(|v| uint_value(v, field)).transpose()
    }

    /// A required `u64`.
    ///
    /// # Errors
    /// Missing or [`ParamsError::NotANumber`].
    pub fn u64(&self, field: &'static str) -> Result<u64, ParamsError> {
        u64_value(self.required(field)?, field)
    }

    /// An optional `u64`.
    ///
    /// # Errors
    /// As [`Params::u64`] when present.
    pub fn opt_u64(&self, field: &'static str) -> Result<Option<u64>, ParamsError> {
        self.0.get(field).map(|v| u64_value(v, field)).transpose()
    }

    /// A required prefixed string of type `T`; `kind` names the node's encoding error.
    ///
    /// # Errors
    /// Missing or [`ParamsError::BrokenEncoding`].
    pub fn encoded<T: core::str::FromStr>(
        &self,
        field: &'static str,
        kind: EncodingKind,
    ) -> Result<T, ParamsError> {
        encoded_value(self.required(field)?, field, kind)
    }

    /// An optional list of prefixed strings of type `T`.
    ///
    /// # Errors
    /// [`ParamsError::BrokenEncoding`] when it is not a list or an element does not decode.
    pub fn encoded_list<T: core::str::FromStr>(
        &self,
        field: &'static str,
        kind: EncodingKind,
    ) -> Result<Vec<T>, ParamsError> {
        match self.0.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                items.iter().map(|v| encoded_value(v, field, kind)).collect()
            }
            Some(_) => Err(ParamsError::broken(field, kind)),
        }
    }

    /// The optional `block_hash` (`kh_…` or `mh_…`).
    ///
    /// # Errors
    /// [`ParamsError::InvalidValue`] when it does not decode.
    pub fn block_hash(&self) -> Result<Option<BlockHash>, ParamsError> {
        const INVALID: ParamsError =
            ParamsError::InvalidValue { field: "block_hash", expected: "a kh_ or mh_ hash" };
        match self.0.get("block_hash") {
            None => Ok(None),
            Some(Value::String(s)) => s.parse().map(Some).map_err(|_| INVALID),
            Some(_) => Err(INVALID),
        }
    }

    /// The optional `meta`: a list of strings.
    ///
    /// # Errors
    /// [`ParamsError::InvalidMeta`].
    pub fn meta(&self) -> Result<Vec<String>, ParamsError> {
        match self.0.get("meta") {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or(ParamsError::InvalidMeta))
                .collect(),
            Some(_) => Err(ParamsError::InvalidMeta),
        }
    }
}

fn uint_value(v: &Value, field: &'static str) -> Result<Uint, ParamsError> {
    match v {
        Value::Number(n) => {
            let text = n.as_str();
            if let Some(abs) = text.strip_prefix('-') {
                if abs.bytes().all(|b| b.is_ascii_digit()) && !abs.is_empty() {
                    return Err(ParamsError::NegativeAmount { field });
                }
            }
            text.parse().map_err(|_| ParamsError::NotANumber { field })
        }
        _ => Err(ParamsError::NotANumber { field }),
    }
}

fn u64_value(v: &Value, field: &'static str) -> Result<u64, ParamsError> {
    v.as_u64().ok_or(ParamsError::NotANumber { field })
}

fn encoded_value<T: core::str::FromStr>(
    v: &Value,
    field: &'static str,
    kind: EncodingKind,
) -> Result<T, ParamsError> {
    v.as_str().and_then(|s| s.parse().ok()).ok_or(ParamsError::broken(field, kind))
}

/// Builds a params object in insertion order.
#[derive(Debug, Default)]
pub(crate) struct ParamsBuilder(Map<String, Value>);

impl ParamsBuilder {
    pub(crate) fn new() -> Self {
        ParamsBuilder(Map::new())
    }

    pub(crate) fn put(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.0.insert(key.into(), v.into());
        self
    }

    pub(crate) fn str(self, key: &str, v: &impl fmt::Display) -> Self {
        self.put(key, v.to_string())
    }

    pub(crate) fn uint(self, key: &str, v: &Uint) -> Self {
        self.put(key, v.to_json())
    }

    pub(crate) fn opt_uint(self, key: &str, v: Option<&Uint>) -> Self {
        match v {
            Some(v) => self.uint(key, v),
            None => self,
        }
    }

    pub(crate) fn opt_u64(self, key: &str, v: Option<u64>) -> Self {
        match v {
            Some(v) => self.put(key, v),
            None => self,
        }
    }

    pub(crate) fn list<T: fmt::Display>(self, key: &str, items: &[T]) -> Self {
        self.put(key, items.iter().map(|i| Value::String(i.to_string())).collect::<Vec<_>>())
    }

    pub(crate) fn block_hash(self, v: Option<&BlockHash>) -> Self {
        match v {
            Some(h) => self.str("block_hash", h),
            None => self,
        }
    }

    pub(crate) fn meta(self, meta: &[String]) -> Self {
        if meta.is_empty() {
            self
        } else {
            self.list("meta", meta)
        }
    }

    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(v: &Value) -> Params<'_> {
        Params::new(Some(v)).unwrap()
    }

    #[test]
    fn integers_follow_the_node_rules() {
        let v: Value = serde_json::from_str(
            r#"{"a": 1, "s": "1", "n": -1, "f": 1.5, "big": 340282366920938463463374607431768211457}"#,
        )
        .unwrap();
        assert_eq!(p(&v).uint("a"), Ok(Uint::from(1u64)));
        assert_eq!(p(&v).uint("s"), Err(ParamsError::NotANumber { field: "s" }));
        assert_eq!(p(&v).uint("n"), Err(ParamsError::NegativeAmount { field: "n" }));
        assert_eq!(p(&v).uint("f"), Err(ParamsError::NotANumber { field: "f" }));
        assert_eq!(p(&v).uint("x"), Err(ParamsError::MissingField { field: "x" }));
        assert_eq!(p(&v).opt_uint("x"), Ok(None));
        assert_eq!(
            p(&v).uint("big").unwrap().to_string(),
            "340282366920938463463374607431768211457"
        );
        assert_eq!(p(&v).u64("n"), Err(ParamsError::NotANumber { field: "n" }));
        assert_eq!(p(&v).opt_u64("a"), Ok(Some(1)));
    }

    #[test]
    fn meta_and_encodings() {
        let v = json!({"meta": 17, "from": "ABCDEF", "accs": ["x"]});
        assert_eq!(p(&v).meta(), Err(ParamsError::InvalidMeta));
        assert_eq!(p(&json!({"meta": ["a", 1]})).meta(), Err(ParamsError::InvalidMeta));
        assert_eq!(p(&json!({"meta": ["a"]})).meta(), Ok(vec!["a".to_owned()]));
        let e = p(&v).encoded::<crate::id::AccountId>("from", EncodingKind::AccountPubkey);
        assert_eq!(e, Err(ParamsError::broken("from", EncodingKind::AccountPubkey)));
        let obj = e.unwrap_err().to_error_object().unwrap();
        assert_eq!(obj.data_codes().collect::<Vec<_>>(), [DataCode::BrokenAccountPubkey]);
        assert!(p(&v)
            .encoded_list::<crate::id::AccountId>("accs", EncodingKind::AccountPubkey)
            .is_err());
        assert!(Params::new(Some(&json!([]))).is_err());
        assert_eq!(Params::new(None).unwrap_err(), ParamsError::NotAnObject { found: None });
    }

    #[test]
    fn error_objects_match_the_node() {
        let code = |e: ParamsError| e.to_error_object().map(|o| o.code);
        assert_eq!(code(ParamsError::MissingField { field: "x" }), Some(ErrorCode::MethodNotFound));
        assert_eq!(code(ParamsError::InvalidMessageInfo), Some(ErrorCode::InvalidRequest));
        assert_eq!(code(ParamsError::InvalidAbortCode), Some(ErrorCode::InternalError));
        assert_eq!(code(ParamsError::Dropped { field: "tx_hash" }), None);
        assert_eq!(ParamsError::InvalidMeta.to_string(), "meta must be a list of strings");
    }
}
