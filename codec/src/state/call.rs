//! ContractCall — tag 41 (`aect_call`), the result of a contract call.

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use crate::encoding::Prefix;
use crate::id::{ContractId, Id, IdTag};
use crate::object::{fields, unsupported, Object};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};
use crate::Uint;

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnType {
    /// 0: returned normally.
    Ok,
    /// 1: failed (out of gas, bad call, …).
    Error,
    /// 2: reverted by the contract.
    Revert,
}

impl ReturnType {
    /// The serialized integer.
    pub const fn code(self) -> u64 {
        match self {
            ReturnType::Ok => 0,
            ReturnType::Error => 1,
            ReturnType::Revert => 2,
        }
    }

    /// The type for a serialized integer.
    pub const fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(ReturnType::Ok),
            1 => Some(ReturnType::Error),
            2 => Some(ReturnType::Revert),
            _ => None,
        }
    }

    /// The JSON name: `ok`, `error` or `revert`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReturnType::Ok => "ok",
            ReturnType::Error => "error",
            ReturnType::Revert => "revert",
        }
    }
}

/// One event logged by a call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogEntry {
    /// The logging contract (a raw 32-byte public key, not an `id`).
    pub address: ContractId,
    /// The topics, each a 256-bit word.
    pub topics: Vec<[u8; 32]>,
    /// The payload.
    pub data: Vec<u8>,
}

/// The record of a contract call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContractCall {
    /// The caller.
    pub caller_id: Id,
    /// The caller's nonce (the round, off-chain).
    pub caller_nonce: u64,
    /// The height (the round, off-chain).
    pub height: u64,
    /// The called contract.
    pub contract_id: ContractId,
    /// Version 3 only (calls by name from Ceres): the call id field.
    pub ct_call_id: Option<Vec<u8>>,
    /// The gas price.
    pub gas_price: Uint,
    /// The gas used.
    pub gas_used: u64,
    /// The serialized return value.
    pub return_value: Vec<u8>,
    /// How the call ended.
    pub return_type: ReturnType,
    /// The events logged.
    pub log: Vec<LogEntry>,
}

impl LogEntry {
    fn encode_rlp(&self, enc: &mut Encoder) {
        enc.list(|l| {
            l.bytes(self.address.as_bytes());
            l.list(|t| {
                for topic in &self.topics {
                    t.bytes(topic);
                }
            });
            l.bytes(&self.data);
        });
    }

    fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        let [address, topics, data] = item.as_fixed_list::<3>()?;
        Ok(LogEntry {
            address: ContractId(address.as_array()?),
            topics: topics.as_list()?.iter().map(Item::as_array).collect::<Result<_, _>>()?,
            data: data.as_bytes()?.to_vec(),
        })
    }

    fn to_json(&self) -> Value {
        json::object([
            ("address", json::str_of(self.address)),
            ("topics", self.topics.iter().map(|t| Uint::from_be_bytes(t).to_json()).collect()),
            ("data", json::prefixed(Prefix::ContractBytearray, &self.data)),
        ])
    }

    fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "log")?;
        let topics = o
            .array("topics")?
            .iter()
            .map(|t| {
                json::uint(t, "topics")?
                    .to_be_array::<32>()
                    .ok_or(JsonError::Invalid { field: "topics", expected: "a 256-bit integer" })
            })
            .collect::<Result<_, _>>()?;
        Ok(LogEntry {
            address: o.parsed("address")?,
            topics,
            data: o.bytes("data", Prefix::ContractBytearray)?,
        })
    }
}

impl Object for ContractCall {
    const TAG: u32 = 41;

    fn version(&self) -> u32 {
        if self.ct_call_id.is_some() {
            3
        } else {
            2
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        self.caller_id.encode_rlp(enc);
        enc.uint_u64(self.caller_nonce);
        enc.uint_u64(self.height);
        Id::contract(self.contract_id).encode_rlp(enc);
        if let Some(call_id) = &self.ct_call_id {
            enc.bytes(call_id);
        }
        self.gas_price.encode_rlp(enc);
        enc.uint_u64(self.gas_used);
        enc.bytes(&self.return_value);
        enc.uint_u64(self.return_type.code());
        enc.list(|l| self.log.iter().for_each(|e| e.encode_rlp(l)));
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        let (head, ct_call_id, tail) = match version {
            2 => {
                let [caller, nonce, height, contract, price, used, value, ty, log] =
                    fields::<9>(items, at)?;
                ([caller, nonce, height, contract], None, [price, used, value, ty, log])
            }
            3 => {
                let [caller, nonce, height, contract, call_id, price, used, value, ty, log] =
                    fields::<10>(items, at)?;
                let call_id = Some(call_id.as_bytes()?.to_vec());
                ([caller, nonce, height, contract], call_id, [price, used, value, ty, log])
            }
            v => return Err(unsupported(Self::TAG, v, at)),
        };
        let [caller, nonce, height, contract] = head;
        let [price, used, value, ty, log] = tail;
        let return_type = ReturnType::from_code(ty.as_u64()?).ok_or(DecodeError::new(
            ty.offset,
            DecodeErrorKind::Invalid("return type is not 0 (ok), 1 (error) or 2 (revert)"),
        ))?;
        Ok(ContractCall {
            caller_id: Id::decode_rlp(caller)?,
            caller_nonce: nonce.as_u64()?,
            height: height.as_u64()?,
            contract_id: ContractId(Id::decode_rlp_tagged(contract, IdTag::Contract)?),
            ct_call_id,
            gas_price: Uint::decode_rlp(price)?,
            gas_used: used.as_u64()?,
            return_value: value.as_bytes()?.to_vec(),
            return_type,
            log: log.as_list()?.iter().map(LogEntry::decode_rlp).collect::<Result<_, _>>()?,
        })
    }
}

impl ContractCall {
    /// The JSON form, with the node's names: `caller_id`, `caller_nonce`, `height`,
    /// `contract_id`, `gas_price`, `gas_used`, `return_value` (`cb_`), `return_type`
    /// (`"ok"`, `"error"`, `"revert"`), `log` (`[{address, topics, data}]`, topics as
    /// integers), plus `ct_call_id` (`cb_`) for version 3.
    pub fn to_json(&self) -> Value {
        let mut v = json::object([
            ("caller_id", json::str_of(self.caller_id)),
            ("caller_nonce", Value::from(self.caller_nonce)),
            ("height", Value::from(self.height)),
            ("contract_id", json::str_of(self.contract_id)),
            ("gas_price", self.gas_price.to_json()),
            ("gas_used", Value::from(self.gas_used)),
            ("return_value", json::prefixed(Prefix::ContractBytearray, &self.return_value)),
            ("return_type", Value::from(self.return_type.as_str())),
            ("log", self.log.iter().map(LogEntry::to_json).collect()),
        ]);
        if let (Value::Object(map), Some(id)) = (&mut v, &self.ct_call_id) {
            map.insert("ct_call_id".into(), json::prefixed(Prefix::ContractBytearray, id));
        }
        v
    }

    /// Reads the JSON form of [`ContractCall::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] naming the missing or malformed field.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "contract_call")?;
        let return_type = match o.str("return_type")? {
            "ok" => ReturnType::Ok,
            "error" => ReturnType::Error,
            "revert" => ReturnType::Revert,
            _ => {
                return Err(JsonError::Invalid {
                    field: "return_type",
                    expected: "\"ok\", \"error\" or \"revert\"",
                })
            }
        };
        let ct_call_id = match o.opt("ct_call_id") {
            None => None,
            Some(id) => Some(json::prefixed_bytes(id, "ct_call_id", Prefix::ContractBytearray)?),
        };
        Ok(ContractCall {
            caller_id: o.parsed("caller_id")?,
            caller_nonce: o.u64("caller_nonce")?,
            height: o.u64("height")?,
            contract_id: o.parsed("contract_id")?,
            ct_call_id,
            gas_price: o.uint("gas_price")?,
            gas_used: o.u64("gas_used")?,
            return_value: o.bytes("return_value", Prefix::ContractBytearray)?,
            return_type,
            log: o.array("log")?.iter().map(LogEntry::from_json).collect::<Result<_, _>>()?,
        })
    }
}
