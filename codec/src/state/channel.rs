//! Channel — tag 58 (`aesc_channels`), the on-chain channel object.

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use crate::id::{AccountId, Id, IdTag, StateHash};
use crate::object::{fields, unsupported, Object};
use crate::rlp::{DecodeError, Encoder, Item};
use crate::Uint;

/// The version-specific fields of a [`Channel`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ChannelVersion {
    /// Version 1 (before Fortuna): one delegate list, no auth fields.
    V1 {
        /// Delegates of both participants.
        delegate_ids: Vec<AccountId>,
    },
    /// Version 2 (Fortuna, Lima): one delegate list and the GA auth fields.
    V2 {
        /// Delegates of both participants.
        delegate_ids: Vec<AccountId>,
        /// `<<>>`, or auth-function hash ‖ GA contract public key of a GA initiator.
        initiator_auth: Vec<u8>,
        /// The same for the responder.
        responder_auth: Vec<u8>,
    },
    /// Version 3 (from Iris): delegate lists per participant and the GA auth fields.
    V3 {
        /// The initiator's delegates.
        initiator_delegate_ids: Vec<AccountId>,
        /// The responder's delegates.
        responder_delegate_ids: Vec<AccountId>,
        /// `<<>>`, or auth-function hash ‖ GA contract public key of a GA initiator.
        initiator_auth: Vec<u8>,
        /// The same for the responder.
        responder_auth: Vec<u8>,
    },
}

/// The on-chain channel object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Channel {
    /// The initiator.
    pub initiator_id: AccountId,
    /// The responder.
    pub responder_id: AccountId,
    /// Total amount locked in the channel.
    pub channel_amount: Uint,
    /// The initiator's amount in the last on-chain state.
    pub initiator_amount: Uint,
    /// The responder's amount in the last on-chain state.
    pub responder_amount: Uint,
    /// The channel reserve.
    pub channel_reserve: Uint,
    /// State hash of the last on-chain state.
    pub state_hash: StateHash,
    /// Round of the last on-chain state.
    pub round: u64,
    /// Round of the last solo state (0 when the last state was mutual).
    pub solo_round: u64,
    /// The lock period.
    pub lock_period: u64,
    /// Height until which the channel is locked (0 when active).
    pub locked_until: u64,
    /// Delegates and auth fields, per version.
    pub version: ChannelVersion,
}

fn accounts(item: &Item<'_>) -> Result<Vec<AccountId>, DecodeError> {
    item.as_list()?
        .iter()
        .map(|i| Id::decode_rlp_tagged(i, IdTag::Account).map(AccountId))
        .collect()
}

fn encode_accounts(enc: &mut Encoder, ids: &[AccountId]) {
    enc.list(|l| ids.iter().for_each(|a| Id::account(*a).encode_rlp(l)));
}

impl Object for Channel {
    const TAG: u32 = 58;

    fn version(&self) -> u32 {
        match self.version {
            ChannelVersion::V1 { .. } => 1,
            ChannelVersion::V2 { .. } => 2,
            ChannelVersion::V3 { .. } => 3,
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        Id::account(self.initiator_id).encode_rlp(enc);
        Id::account(self.responder_id).encode_rlp(enc);
        for amount in [
            &self.channel_amount,
            &self.initiator_amount,
            &self.responder_amount,
            &self.channel_reserve,
        ] {
            amount.encode_rlp(enc);
        }
        match &self.version {
            ChannelVersion::V1 { delegate_ids } | ChannelVersion::V2 { delegate_ids, .. } => {
                encode_accounts(enc, delegate_ids);
            }
            ChannelVersion::V3 { initiator_delegate_ids, responder_delegate_ids, .. } => {
                encode_accounts(enc, initiator_delegate_ids);
                encode_accounts(enc, responder_delegate_ids);
            }
        }
        enc.bytes(self.state_hash.as_bytes());
        for n in [self.round, self.solo_round, self.lock_period, self.locked_until] {
            enc.uint_u64(n);
        }
        match &self.version {
            ChannelVersion::V1 { .. } => {}
            ChannelVersion::V2 { initiator_auth, responder_auth, .. }
            | ChannelVersion::V3 { initiator_auth, responder_auth, .. } => {
                enc.bytes(initiator_auth);
                enc.bytes(responder_auth);
            }
        }
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        match version {
            1 => {
                let [i, r, ca, ia, ra, res, d, sh, rd, sr, lp, lu] = fields::<12>(items, at)?;
                let version = ChannelVersion::V1 { delegate_ids: accounts(d)? };
                Channel::decode_common([i, r, ca, ia, ra, res], [sh, rd, sr, lp, lu], version)
            }
            2 => {
                let [i, r, ca, ia, ra, res, d, sh, rd, sr, lp, lu, ia_auth, ra_auth] =
                    fields::<14>(items, at)?;
                let version = ChannelVersion::V2 {
                    delegate_ids: accounts(d)?,
                    initiator_auth: ia_auth.as_bytes()?.to_vec(),
                    responder_auth: ra_auth.as_bytes()?.to_vec(),
                };
                Channel::decode_common([i, r, ca, ia, ra, res], [sh, rd, sr, lp, lu], version)
            }
            3 => {
                let [i, r, ca, ia, ra, res, di, dr, sh, rd, sr, lp, lu, ia_auth, ra_auth] =
                    fields::<15>(items, at)?;
                let version = ChannelVersion::V3 {
                    initiator_delegate_ids: accounts(di)?,
                    responder_delegate_ids: accounts(dr)?,
                    initiator_auth: ia_auth.as_bytes()?.to_vec(),
                    responder_auth: ra_auth.as_bytes()?.to_vec(),
                };
                Channel::decode_common([i, r, ca, ia, ra, res], [sh, rd, sr, lp, lu], version)
            }
            v => Err(unsupported(Self::TAG, v, at)),
        }
    }
}

impl Channel {
    fn decode_common(
        [initiator, responder, channel_amount, initiator_amount, responder_amount, reserve]: [&Item<'_>;
            6],
        [state_hash, round, solo_round, lock_period, locked_until]: [&Item<'_>; 5],
        version: ChannelVersion,
    ) -> Result<Self, DecodeError> {
        Ok(Channel {
            initiator_id: AccountId(Id::decode_rlp_tagged(initiator, IdTag::Account)?),
            responder_id: AccountId(Id::decode_rlp_tagged(responder, IdTag::Account)?),
            channel_amount: Uint::decode_rlp(channel_amount)?,
            initiator_amount: Uint::decode_rlp(initiator_amount)?,
            responder_amount: Uint::decode_rlp(responder_amount)?,
            channel_reserve: Uint::decode_rlp(reserve)?,
            state_hash: StateHash(state_hash.as_array()?),
            round: round.as_u64()?,
            solo_round: solo_round.as_u64()?,
            lock_period: lock_period.as_u64()?,
            locked_until: locked_until.as_u64()?,
            version,
        })
    }
}

fn ids_json(ids: &[AccountId]) -> Value {
    ids.iter().map(json::str_of).collect()
}

fn ids_from_json(v: &Value, field: &'static str) -> Result<Vec<AccountId>, JsonError> {
    json::array(v, field)?.iter().map(|x| json::parse(x, field)).collect()
}

impl Channel {
    /// The JSON form, with the node's names (`initiator_id`, `responder_id`,
    /// `channel_amount`, `initiator_amount`, `responder_amount`, `channel_reserve`,
    /// `delegate_ids` — a list, or `{initiator, responder}` for version 3 — `state_hash`
    /// (`st_`), `round`, `solo_round`, `lock_period`, `locked_until`), plus `initiator_auth`
    /// and `responder_auth` (hex) from version 2 on.
    pub fn to_json(&self) -> Value {
        let delegates = match &self.version {
            ChannelVersion::V1 { delegate_ids } | ChannelVersion::V2 { delegate_ids, .. } => {
                ids_json(delegate_ids)
            }
            ChannelVersion::V3 { initiator_delegate_ids, responder_delegate_ids, .. } => {
                json::object([
                    ("initiator", ids_json(initiator_delegate_ids)),
                    ("responder", ids_json(responder_delegate_ids)),
                ])
            }
        };
        let mut v = json::object([
            ("initiator_id", json::str_of(self.initiator_id)),
            ("responder_id", json::str_of(self.responder_id)),
            ("channel_amount", self.channel_amount.to_json()),
            ("initiator_amount", self.initiator_amount.to_json()),
            ("responder_amount", self.responder_amount.to_json()),
            ("channel_reserve", self.channel_reserve.to_json()),
            ("delegate_ids", delegates),
            ("state_hash", json::str_of(self.state_hash)),
            ("round", Value::from(self.round)),
            ("solo_round", Value::from(self.solo_round)),
            ("lock_period", Value::from(self.lock_period)),
            ("locked_until", Value::from(self.locked_until)),
        ]);
        if let (
            Value::Object(map),
            ChannelVersion::V2 { initiator_auth, responder_auth, .. }
            | ChannelVersion::V3 { initiator_auth, responder_auth, .. },
        ) = (&mut v, &self.version)
        {
            map.insert("initiator_auth".into(), json::hex(initiator_auth));
            map.insert("responder_auth".into(), json::hex(responder_auth));
        }
        v
    }

    /// Reads the JSON form of [`Channel::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] naming the missing or malformed field.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "channel")?;
        let delegates = o.req("delegate_ids")?;
        let has_auth = o.has("initiator_auth") || o.has("responder_auth");
        let version = match (delegates.as_object(), has_auth) {
            (Some(_), false) => {
                return Err(JsonError::Inconsistent {
                    rule: "per-participant delegates (version 3) need the auth fields",
                })
            }
            (Some(_), true) => {
                let d = Obj::new(delegates, "delegate_ids")?;
                ChannelVersion::V3 {
                    initiator_delegate_ids: ids_from_json(d.req("initiator")?, "initiator")?,
                    responder_delegate_ids: ids_from_json(d.req("responder")?, "responder")?,
                    initiator_auth: o.hex("initiator_auth")?,
                    responder_auth: o.hex("responder_auth")?,
                }
            }
            (None, true) => ChannelVersion::V2 {
                delegate_ids: ids_from_json(delegates, "delegate_ids")?,
                initiator_auth: o.hex("initiator_auth")?,
                responder_auth: o.hex("responder_auth")?,
            },
            (None, false) => {
                ChannelVersion::V1 { delegate_ids: ids_from_json(delegates, "delegate_ids")? }
            }
        };
        Ok(Channel {
            initiator_id: o.parsed("initiator_id")?,
            responder_id: o.parsed("responder_id")?,
            channel_amount: o.uint("channel_amount")?,
            initiator_amount: o.uint("initiator_amount")?,
            responder_amount: o.uint("responder_amount")?,
            channel_reserve: o.uint("channel_reserve")?,
            state_hash: o.parsed("state_hash")?,
            round: o.u64("round")?,
            solo_round: o.u64("solo_round")?,
            lock_period: o.u64("lock_period")?,
            locked_until: o.u64("locked_until")?,
            version,
        })
    }
}
