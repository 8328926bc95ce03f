//! Account — tag 10 (`aec_accounts`).

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use crate::encoding::Prefix;
use crate::id::{ContractId, Id, IdTag};
use crate::object::{fields, unsupported, Object};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};
use crate::Uint;

/// An account: nonce, balance, flags and, for a generalized account, its authorization.
///
/// The serialized version follows from the value, as the node chooses it: v2 for a
/// generalized account, v3 for a basic account with non-zero flags, v1 otherwise (off-chain
/// accounts are always v1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Account {
    /// The nonce (always 0 off-chain).
    pub nonce: u64,
    /// The balance in aettos.
    pub balance: Uint,
    /// Account flags (0 for plain accounts).
    pub flags: u64,
    /// The authorization of a generalized account.
    pub ga: Option<GaAuth>,
}

/// The authorization of a generalized account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GaAuth {
    /// The authorization contract.
    pub contract: ContractId,
    /// The hash of the authorization function.
    pub auth_fun: Vec<u8>,
}

impl Account {
    /// A basic (v1) account with nonce 0, as off-chain states hold them.
    pub fn basic(balance: Uint) -> Self {
        Account { nonce: 0, balance, flags: 0, ga: None }
    }

    /// The JSON form: `{"nonce", "balance"}`, plus `"flags"` when non-zero, plus `"kind":
    /// "generalized"`, `"contract_id"` (`ct_`) and `"auth_fun"` (`cb_`) for a generalized
    /// account.
    pub fn to_json(&self) -> Value {
        let mut v =
            json::object([("nonce", Value::from(self.nonce)), ("balance", self.balance.to_json())]);
        if let Value::Object(map) = &mut v {
            if self.flags != 0 || self.ga.is_some() {
                map.insert("flags".into(), Value::from(self.flags));
            }
            if let Some(ga) = &self.ga {
                map.insert("kind".into(), Value::from("generalized"));
                map.insert("contract_id".into(), json::str_of(ga.contract));
                map.insert(
                    "auth_fun".into(),
                    json::prefixed(Prefix::ContractBytearray, &ga.auth_fun),
                );
            }
        }
        v
    }

    /// Reads the JSON form of [`Account::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] naming the missing or malformed field.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "account")?;
        let nonce = o.u64("nonce")?;
        let balance = o.uint("balance")?;
        let flags = if o.has("flags") { o.u64("flags")? } else { 0 };
        let ga = match o.opt("kind") {
            None => None,
            Some(k) if k.as_str() == Some("basic") => None,
            Some(k) if k.as_str() == Some("generalized") => Some(GaAuth {
                contract: o.parsed("contract_id")?,
                auth_fun: o.bytes("auth_fun", Prefix::ContractBytearray)?,
            }),
            Some(_) => {
                return Err(JsonError::Invalid {
                    field: "kind",
                    expected: "\"basic\" or \"generalized\"",
                })
            }
        };
        Ok(Account { nonce, balance, flags, ga })
    }
}

impl Object for Account {
    const TAG: u32 = 10;

    fn version(&self) -> u32 {
        match (&self.ga, self.flags) {
            (Some(_), _) => 2,
            (None, 0) => 1,
            (None, _) => 3,
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        if self.ga.is_some() || self.flags != 0 {
            enc.uint_u64(self.flags);
        }
        enc.uint_u64(self.nonce);
        self.balance.encode_rlp(enc);
        if let Some(ga) = &self.ga {
            Id::contract(ga.contract).encode_rlp(enc);
            enc.bytes(&ga.auth_fun);
        }
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        match version {
            1 => {
                let [nonce, balance] = fields::<2>(items, at)?;
                Ok(Account {
                    nonce: nonce.as_u64()?,
                    balance: Uint::decode_rlp(balance)?,
                    flags: 0,
                    ga: None,
                })
            }
            2 => {
                let [flags, nonce, balance, contract, auth_fun] = fields::<5>(items, at)?;
                Ok(Account {
                    nonce: nonce.as_u64()?,
                    balance: Uint::decode_rlp(balance)?,
                    flags: flags.as_u64()?,
                    ga: Some(GaAuth {
                        contract: ContractId(Id::decode_rlp_tagged(contract, IdTag::Contract)?),
                        auth_fun: auth_fun.as_bytes()?.to_vec(),
                    }),
                })
            }
            3 => {
                let [flags, nonce, balance] = fields::<3>(items, at)?;
                let flags_value = flags.as_u64()?;
                if flags_value == 0 {
                    return Err(DecodeError::new(
                        flags.offset,
                        DecodeErrorKind::Invalid("account v3 with zero flags is written as v1"),
                    ));
                }
                Ok(Account {
                    nonce: nonce.as_u64()?,
                    balance: Uint::decode_rlp(balance)?,
                    flags: flags_value,
                    ga: None,
                })
            }
            v => Err(unsupported(Self::TAG, v, at)),
        }
    }
}
