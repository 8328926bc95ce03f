//! ChannelCreateTx (tag 50): opens a channel. Version 1 has one delegate list, version 2 (Iris
//! and later) one per participant.

use serde_json::{Map, Value};

use crate::derive;
use crate::id::{AccountId, ChannelId, StateHash};
use crate::object::{self, Object};
use crate::rlp::{DecodeError, Encoder, Item};
use crate::tx::error::{JsonError, JsonErrorKind};
use crate::tx::field::{self, FieldCodec};
use crate::Uint;

/// The delegates of a channel; the shape decides the create tx version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delegates {
    /// One list for both participants (create tx version 1, before Iris).
    Single(Vec<AccountId>),
    /// A list per participant (create tx version 2, Iris and later).
    PerRole {
        /// The initiator's delegates.
        initiator: Vec<AccountId>,
        /// The responder's delegates.
        responder: Vec<AccountId>,
    },
}

impl Delegates {
    /// No delegates, in the version-2 shape a current node uses.
    pub fn none() -> Self {
        Delegates::PerRole { initiator: Vec::new(), responder: Vec::new() }
    }
}

/// A channel create transaction (tag 50). Signers: initiator and responder; the fee is paid by
/// the initiator. Its implicit round is 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelCreateTx {
    /// The initiator.
    pub initiator_id: AccountId,
    /// What the initiator puts in (before any push amount).
    pub initiator_amount: Uint,
    /// The responder.
    pub responder_id: AccountId,
    /// What the responder puts in.
    pub responder_amount: Uint,
    /// The minimum each participant must keep in the channel.
    pub channel_reserve: Uint,
    /// Blocks a solo close stays open for disputes.
    pub lock_period: u64,
    /// Absolute block height after which the tx is invalid; 0 for none.
    pub ttl: u64,
    /// The fee.
    pub fee: Uint,
    /// The delegates (their shape selects version 1 or 2).
    pub delegates: Delegates,
    /// The state hash of the initial off-chain state.
    pub state_hash: StateHash,
    /// The initiator's nonce (0 for a generalized account).
    pub nonce: u64,
}

impl ChannelCreateTx {
    /// The node's JSON type name.
    pub const TYPE_NAME: &'static str = "ChannelCreateTx";

    /// The id of the channel this tx creates, for a basic-account initiator:
    /// `blake2b(initiator ‖ nonce (32 bytes) ‖ responder)`. A generalized-account initiator
    /// uses its `auth_id` instead of the nonce ([`derive::channel_id_with_slot`]).
    pub fn channel_id(&self) -> ChannelId {
        derive::channel_id(&self.initiator_id, Uint::from(self.nonce), &self.responder_id)
    }

    pub(crate) fn decode_body(
        version: u32,
        fields: &[Item<'_>],
        at: usize,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        let (head, first, second, state_hash, nonce) = match version {
            1 => {
                let [i, ia, r, ra, cr, lp, ttl, fee, d, sh, n] = object::fields::<11>(fields, at)?;
                ([i, ia, r, ra, cr, lp, ttl, fee], d, None, sh, n)
            }
            2 => {
                let [i, ia, r, ra, cr, lp, ttl, fee, di, dr, sh, n] =
                    object::fields::<12>(fields, at)?;
                ([i, ia, r, ra, cr, lp, ttl, fee], di, Some(dr), sh, n)
            }
            _ => return Err(object::unsupported(Self::TAG, version, at)),
        };
        let [i, ia, r, ra, cr, lp, ttl, fee] = head;
        Ok(ChannelCreateTx {
            initiator_id: AccountId::decode(i, depth)?,
            initiator_amount: Uint::decode(ia, depth)?,
            responder_id: AccountId::decode(r, depth)?,
            responder_amount: Uint::decode(ra, depth)?,
            channel_reserve: Uint::decode(cr, depth)?,
            lock_period: u64::decode(lp, depth)?,
            ttl: u64::decode(ttl, depth)?,
            fee: Uint::decode(fee, depth)?,
            delegates: match second {
                None => Delegates::Single(<[AccountId]>::decode(first, depth)?),
                Some(second) => Delegates::PerRole {
                    initiator: <[AccountId]>::decode(first, depth)?,
                    responder: <[AccountId]>::decode(second, depth)?,
                },
            },
            state_hash: StateHash::decode(state_hash, depth)?,
            nonce: u64::decode(nonce, depth)?,
        })
    }

    /// The JSON form, as the node's HTTP API shows it (`delegate_ids` is a list in version 1
    /// and `{"initiator": […], "responder": […]}` in version 2).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::from(Self::TYPE_NAME));
        m.insert("version".into(), Value::from(self.version()));
        m.insert("initiator_id".into(), AccountId::to_json(&self.initiator_id));
        m.insert("initiator_amount".into(), self.initiator_amount.to_json());
        m.insert("responder_id".into(), AccountId::to_json(&self.responder_id));
        m.insert("responder_amount".into(), self.responder_amount.to_json());
        m.insert("channel_reserve".into(), self.channel_reserve.to_json());
        m.insert("lock_period".into(), Value::from(self.lock_period));
        m.insert("ttl".into(), Value::from(self.ttl));
        m.insert("fee".into(), self.fee.to_json());
        let delegates = match &self.delegates {
            Delegates::Single(ids) => <[AccountId]>::to_json(ids),
            Delegates::PerRole { initiator, responder } => {
                let mut d = Map::new();
                d.insert("initiator".into(), <[AccountId]>::to_json(initiator));
                d.insert("responder".into(), <[AccountId]>::to_json(responder));
                Value::Object(d)
            }
        };
        m.insert("delegate_ids".into(), delegates);
        m.insert("state_hash".into(), StateHash::to_json(&self.state_hash));
        m.insert("nonce".into(), Value::from(self.nonce));
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
        let delegates = match version {
            1 => Delegates::Single(field::read::<_, [AccountId]>(m, "delegate_ids", depth)?),
            2 => {
                let d = m
                    .get("delegate_ids")
                    .ok_or(JsonError::new(JsonErrorKind::Missing))
                    .and_then(field::object)
                    .map_err(|e| e.within("delegate_ids"))?;
                Delegates::PerRole {
                    initiator: field::read::<_, [AccountId]>(d, "initiator", depth)
                        .map_err(|e| e.within("delegate_ids"))?,
                    responder: field::read::<_, [AccountId]>(d, "responder", depth)
                        .map_err(|e| e.within("delegate_ids"))?,
                }
            }
            _ => {
                return Err(JsonErrorKind::UnsupportedVersion {
                    type_name: Self::TYPE_NAME,
                    version,
                }
                .into())
            }
        };
        Ok(ChannelCreateTx {
            initiator_id: field::read::<_, AccountId>(m, "initiator_id", depth)?,
            initiator_amount: field::read::<_, Uint>(m, "initiator_amount", depth)?,
            responder_id: field::read::<_, AccountId>(m, "responder_id", depth)?,
            responder_amount: field::read::<_, Uint>(m, "responder_amount", depth)?,
            channel_reserve: field::read::<_, Uint>(m, "channel_reserve", depth)?,
            lock_period: field::read::<_, u64>(m, "lock_period", depth)?,
            ttl: field::read::<_, u64>(m, "ttl", depth)?,
            fee: field::read::<_, Uint>(m, "fee", depth)?,
            delegates,
            state_hash: field::read::<_, StateHash>(m, "state_hash", depth)?,
            nonce: field::read::<_, u64>(m, "nonce", depth)?,
        })
    }
}

impl Object for ChannelCreateTx {
    const TAG: u32 = 50;

    fn version(&self) -> u32 {
        match self.delegates {
            Delegates::Single(_) => 1,
            Delegates::PerRole { .. } => 2,
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        AccountId::encode(&self.initiator_id, enc);
        Uint::encode(&self.initiator_amount, enc);
        AccountId::encode(&self.responder_id, enc);
        Uint::encode(&self.responder_amount, enc);
        Uint::encode(&self.channel_reserve, enc);
        u64::encode(&self.lock_period, enc);
        u64::encode(&self.ttl, enc);
        Uint::encode(&self.fee, enc);
        match &self.delegates {
            Delegates::Single(ids) => <[AccountId]>::encode(ids, enc),
            Delegates::PerRole { initiator, responder } => {
                <[AccountId]>::encode(initiator, enc);
                <[AccountId]>::encode(responder, enc);
            }
        }
        StateHash::encode(&self.state_hash, enc);
        u64::encode(&self.nonce, enc);
    }

    fn decode_fields(version: u32, fields: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        Self::decode_body(version, fields, at, 0)
    }
}
