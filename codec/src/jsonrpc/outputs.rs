//! Result types of the client methods (spec §6.4 "Reply"), also carried by the `*.reply`
//! notifications the node sends for requests without id.

use std::collections::BTreeMap;
use std::sync::Arc;

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::JsonKind;
use super::values::{ContractBytes, EncodedCallsTree, EncodedPoi, EncodedStateTrees, EncodedTx};
use super::values::{StoreKey, StoreValue};
use crate::id::{AccountId, ContractId};
use crate::uint::Uint;

/// Why a result does not have the shape its method promises.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum OutputError {
    /// The method answers `"ok"`, but something else came.
    ExpectedOk {
        /// What came instead.
        found: JsonKind,
    },
    /// The result does not deserialize into the method's output type.
    Shape {
        /// The method whose output was expected.
        method: &'static str,
        /// The deserializer's report.
        source: Arc<serde_json::Error>,
    },
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutputError::ExpectedOk { found } => write!(f, "expected \"ok\", found {found}"),
            OutputError::Shape { method, .. } => write!(f, "malformed result of {method}"),
        }
    }
}

impl std::error::Error for OutputError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OutputError::Shape { source, .. } => Some(source.as_ref()),
            OutputError::ExpectedOk { .. } => None,
        }
    }
}

/// Deserializes a result for `method` (precision of numbers is kept).
///
/// # Errors
/// [`OutputError::Shape`].
pub fn parse_output<T: for<'de> Deserialize<'de>>(
    method: &'static str,
    v: &Value,
) -> Result<T, OutputError> {
    T::deserialize(v).map_err(|e| OutputError::Shape { method, source: Arc::new(e) })
}

/// The `"ok"` answer of requests that only start something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OkReply;

impl OkReply {
    /// Checks that `v` is `"ok"`.
    ///
    /// # Errors
    /// [`OutputError::ExpectedOk`].
    pub fn parse(v: &Value) -> Result<OkReply, OutputError> {
        match v.as_str() {
            Some("ok") => Ok(OkReply),
            _ => Err(OutputError::ExpectedOk { found: JsonKind::of(v) }),
        }
    }

    /// The JSON form, `"ok"`.
    pub fn to_value(self) -> Value {
        Value::from("ok")
    }
}

/// One entry of the `channels.get.balances` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// The account (contracts appear as `ak_` too).
    pub account: AccountId,
    /// Its off-chain balance.
    pub balance: Uint,
}

/// The `channels.get.offchain_state` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffchainState {
    /// The state trees of the latest state.
    pub trees: EncodedStateTrees,
    /// The calls tree.
    pub calls: EncodedCallsTree,
    /// The latest co-signed state (`""` on the wire when there is none).
    #[serde(with = "empty_is_none")]
    pub signed_tx: Option<EncodedTx>,
    /// A state signed by one side only, while an update is in flight (`""` when none).
    #[serde(with = "empty_is_none")]
    pub half_signed_tx: Option<EncodedTx>,
}

mod empty_is_none {
    use super::*;

    pub(super) fn serialize<S: Serializer>(v: &Option<EncodedTx>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v.as_ref().map_or("", EncodedTx::as_str))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<EncodedTx>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if s.is_empty() {
            Ok(None)
        } else {
            s.parse().map(Some).map_err(serde::de::Error::custom)
        }
    }
}

/// A contract as returned by `channels.get.contract`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractInfo {
    /// The contract.
    pub id: ContractId,
    /// Its owner.
    pub owner_id: AccountId,
    /// VM version.
    pub vm_version: u64,
    /// ABI version.
    pub abi_version: u64,
    /// Whether it is active.
    pub active: bool,
    /// Referrers.
    pub referrer_ids: Vec<ContractId>,
    /// The deposit.
    pub deposit: Uint,
}

/// The `channels.get.contract` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractState {
    /// The contract object.
    pub contract: ContractInfo,
    /// Its store, key to value.
    pub contract_state: BTreeMap<StoreKey, StoreValue>,
}

/// How a contract call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReturnType {
    /// Returned normally.
    Ok,
    /// Failed.
    Error,
    /// Reverted.
    Revert,
}

/// One event logged by a contract call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// The logging contract.
    pub address: ContractId,
    /// Topics: 256-bit integers.
    pub topics: Vec<Uint>,
    /// Payload.
    pub data: ContractBytes,
}

/// A contract call object: the result of `channels.get.contract_call` and
/// `channels.dry_run.call_contract`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractCall {
    /// The caller.
    pub caller_id: AccountId,
    /// The caller's nonce (the round, off chain).
    pub caller_nonce: u64,
    /// The height (the round, off chain).
    pub height: u64,
    /// The called contract.
    pub contract_id: ContractId,
    /// Gas price.
    pub gas_price: Uint,
    /// Gas used.
    pub gas_used: u64,
    /// The return value.
    pub return_value: ContractBytes,
    /// How it ended.
    pub return_type: ReturnType,
    /// Logged events.
    pub log: Vec<LogEntry>,
}

/// The `channels.get.poi` result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoiReply {
    /// The proof of inclusion.
    pub poi: EncodedPoi,
}

/// The `channels.clean_contract_calls` result, `{"action": "calls_pruned"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CallsPruned;

impl CallsPruned {
    /// The JSON form.
    pub fn to_value(self) -> Value {
        serde_json::json!({"action": "calls_pruned"})
    }

    /// Checks the JSON form.
    ///
    /// # Errors
    /// [`OutputError::Shape`]-like [`OutputError::ExpectedOk`] when the action differs.
    pub fn parse(v: &Value) -> Result<CallsPruned, OutputError> {
        match v.get("action").and_then(Value::as_str) {
            Some("calls_pruned") => Ok(CallsPruned),
            _ => Err(OutputError::ExpectedOk { found: JsonKind::of(v) }),
        }
    }
}

/// One `channels.history.fetch` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// `rpt`, `rcv`, `snd` or `req`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The entry's tag (`info`, `on_chain_tx`, …).
    pub tag: String,
    /// RFC 3339 time.
    pub time: String,
    /// The entry itself.
    pub info: Value,
}

/// The answer to `channels.system`: `"ok"` for `stop`, a pong for `ping`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemReply {
    /// `"ok"`.
    Ok,
    /// `{"action": "system", "tag": "pong"}` (or the bare string `"pong"`).
    Pong,
}

impl SystemReply {
    /// Reads the answer.
    ///
    /// # Errors
    /// [`OutputError::ExpectedOk`] for anything else.
    pub fn parse(v: &Value) -> Result<SystemReply, OutputError> {
        match v {
            Value::String(s) if s == "ok" => Ok(SystemReply::Ok),
            Value::String(s) if s == "pong" => Ok(SystemReply::Pong),
            Value::Object(m) if m.get("tag").and_then(Value::as_str) == Some("pong") => {
                Ok(SystemReply::Pong)
            }
            other => Err(OutputError::ExpectedOk { found: JsonKind::of(other) }),
        }
    }

    /// The JSON form.
    pub fn to_value(self) -> Value {
        match self {
            SystemReply::Ok => Value::from("ok"),
            SystemReply::Pong => serde_json::json!({"action": "system", "tag": "pong"}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn balances_keep_precision() {
        let v: Value = serde_json::from_str(
            r#"[{"account":"ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C",
                 "balance":123456789012345678901234567890}]"#,
        )
        .unwrap();
        let b: Vec<Balance> = parse_output("channels.get.balances", &v).unwrap();
        assert_eq!(b[0].balance.to_string(), "123456789012345678901234567890");
        assert_eq!(serde_json::to_value(&b).unwrap(), v);
    }

    #[test]
    fn contract_state_from_a_recording() {
        let v = json!({"contract": {"abi_version": 3, "active": true, "deposit": 10,
            "id": "ct_4haEgfNxEmpG8F5cXA8q4fgECEHLif6KG92Rvz3afsBGXmHVs",
            "owner_id": "ak_x2mdjJG7A7ocKf9T5qiDT1AGzE2RdKeKmH1wntYeDDY113eha",
            "referrer_ids": [], "vm_version": 7},
            "contract_state": {"ck_AABAf+tK": "cv_LwCs9rhl"}});
        let c: ContractState = parse_output("channels.get.contract", &v).unwrap();
        assert_eq!(c.contract.vm_version, 7);
        assert_eq!(c.contract_state.len(), 1);
        let again: ContractState =
            parse_output("channels.get.contract", &serde_json::to_value(&c).unwrap()).unwrap();
        assert_eq!(again, c);
    }

    #[test]
    fn offchain_state_empty_strings_are_none() {
        let v = json!({"trees": "ss_Xfbg4g==", "calls": "cs_Xfbg4g==", "signed_tx": "",
                       "half_signed_tx": ""});
        let s: OffchainState = parse_output("channels.get.offchain_state", &v).unwrap();
        assert_eq!((s.signed_tx.as_ref(), s.half_signed_tx.as_ref()), (None, None));
        assert_eq!(serde_json::to_value(&s).unwrap(), v);
        let bad = json!({"trees": "ss_Xfbg4g==", "calls": "cs_Xfbg4g==", "signed_tx": "tx_x",
                         "half_signed_tx": ""});
        let e = parse_output::<OffchainState>("channels.get.offchain_state", &bad).unwrap_err();
        assert!(matches!(e, OutputError::Shape { method: "channels.get.offchain_state", .. }));
    }

    #[test]
    fn ok_system_and_pruned() {
        assert!(OkReply::parse(&json!("ok")).is_ok());
        assert!(matches!(OkReply::parse(&json!(1)), Err(OutputError::ExpectedOk { .. })));
        assert_eq!(SystemReply::parse(&SystemReply::Pong.to_value()).unwrap(), SystemReply::Pong);
        assert_eq!(SystemReply::parse(&json!("ok")).unwrap(), SystemReply::Ok);
        assert!(CallsPruned::parse(&CallsPruned.to_value()).is_ok());
        assert!(CallsPruned::parse(&json!({})).is_err());
    }
}
