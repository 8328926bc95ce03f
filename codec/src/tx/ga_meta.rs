//! GaMetaTx (tag 81): a generalized account authenticates a transaction by a contract call.

use serde_json::{Map, Value};

use crate::id::AccountId;
use crate::object::{self, Object};
use crate::rlp::{DecodeError, Encoder, Item};
use crate::tx::error::{JsonError, JsonErrorKind};
use crate::tx::field::{self, Cb, FieldCodec};
use crate::tx::SignedTx;
use crate::Uint;

/// A generalized-account meta transaction (tag 81). Version 1 (before Iris) has a `ttl`,
/// version 2 does not. It carries no signature of its own; the wrapped SignedTx holds the
/// signatures of the other (basic) signers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GaMetaTx {
    /// The generalized account.
    pub ga_id: AccountId,
    /// Call data for the account's auth function (`cb_…` in JSON).
    pub auth_data: Vec<u8>,
    /// The ABI of the auth call.
    pub abi_version: u64,
    /// The fee.
    pub fee: Uint,
    /// Gas limit of the auth call.
    pub gas: u64,
    /// Gas price of the auth call.
    pub gas_price: Uint,
    /// `Some` for version 1: absolute height after which the tx is invalid.
    pub ttl: Option<u64>,
    /// The authenticated transaction.
    pub tx: Box<SignedTx>,
}

impl GaMetaTx {
    /// The node's JSON type name.
    pub const TYPE_NAME: &'static str = "GAMetaTx";

    pub(crate) fn decode_body(
        version: u32,
        fields: &[Item<'_>],
        at: usize,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        let (head, ttl, tx) = match version {
            1 => {
                let [g, a, abi, fee, gas, gp, ttl, tx] = object::fields::<8>(fields, at)?;
                ([g, a, abi, fee, gas, gp], Some(ttl), tx)
            }
            2 => {
                let [g, a, abi, fee, gas, gp, tx] = object::fields::<7>(fields, at)?;
                ([g, a, abi, fee, gas, gp], None, tx)
            }
            _ => return Err(object::unsupported(Self::TAG, version, at)),
        };
        let [g, a, abi, fee, gas, gp] = head;
        Ok(GaMetaTx {
            ga_id: AccountId::decode(g, depth)?,
            auth_data: Cb::decode(a, depth)?,
            abi_version: u64::decode(abi, depth)?,
            fee: Uint::decode(fee, depth)?,
            gas: u64::decode(gas, depth)?,
            gas_price: Uint::decode(gp, depth)?,
            ttl: ttl.map(|t| u64::decode(t, depth)).transpose()?,
            tx: SignedTx::decode(tx, depth)?,
        })
    }

    /// The JSON form, as the node's HTTP API shows it (`tx` as a nested SignedTx object).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::from(Self::TYPE_NAME));
        m.insert("version".into(), Value::from(self.version()));
        m.insert("ga_id".into(), AccountId::to_json(&self.ga_id));
        m.insert("auth_data".into(), Cb::to_json(&self.auth_data));
        m.insert("abi_version".into(), Value::from(self.abi_version));
        m.insert("fee".into(), self.fee.to_json());
        m.insert("gas".into(), Value::from(self.gas));
        m.insert("gas_price".into(), self.gas_price.to_json());
        if let Some(ttl) = self.ttl {
            m.insert("ttl".into(), Value::from(ttl));
        }
        m.insert("tx".into(), self.tx.to_json());
        Value::Object(m)
    }

    /// Reads the JSON form.
    ///
    /// # Errors
    /// A [`JsonError`] naming the offending key.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        crate::tx::json_with_type(v, Self::TYPE_NAME, |m, version| {
            Self::from_json_body(m, version, 0)
        })
    }

    pub(crate) fn from_json_body(
        m: &Map<String, Value>,
        version: u64,
        depth: usize,
    ) -> Result<Self, JsonError> {
        let with_ttl = match version {
            1 => true,
            2 => false,
            _ => {
                return Err(JsonErrorKind::UnsupportedVersion {
                    type_name: Self::TYPE_NAME,
                    version,
                }
                .into())
            }
        };
        Ok(GaMetaTx {
            ga_id: field::read::<_, AccountId>(m, "ga_id", depth)?,
            auth_data: field::read::<_, Cb>(m, "auth_data", depth)?,
            abi_version: field::read::<_, u64>(m, "abi_version", depth)?,
            fee: field::read::<_, Uint>(m, "fee", depth)?,
            gas: field::read::<_, u64>(m, "gas", depth)?,
            gas_price: field::read::<_, Uint>(m, "gas_price", depth)?,
            ttl: if with_ttl { Some(field::read::<_, u64>(m, "ttl", depth)?) } else { None },
            tx: field::read::<_, SignedTx>(m, "tx", depth)?,
        })
    }
}

impl Object for GaMetaTx {
    const TAG: u32 = 81;

    fn version(&self) -> u32 {
        if self.ttl.is_some() {
            1
        } else {
            2
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        AccountId::encode(&self.ga_id, enc);
        Cb::encode(&self.auth_data, enc);
        u64::encode(&self.abi_version, enc);
        Uint::encode(&self.fee, enc);
        u64::encode(&self.gas, enc);
        Uint::encode(&self.gas_price, enc);
        if let Some(ttl) = &self.ttl {
            u64::encode(ttl, enc);
        }
        SignedTx::encode(&self.tx, enc);
    }

    fn decode_fields(version: u32, fields: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        Self::decode_body(version, fields, at, 0)
    }
}
