//! ChannelOffChainTx (tag 57): one co-signed off-chain state of a channel.

use serde_json::{Map, Value};

use crate::id::{ChannelId, StateHash};
use crate::object::{self, Object};
use crate::rlp::{DecodeError, Encoder, Item};
use crate::tx::error::{JsonError, JsonErrorKind};
use crate::tx::field::{self, FieldCodec};
use crate::tx::Update;

/// An off-chain state (tag 57). Signers: both participants. Never posted on chain by itself;
/// it is the `payload` of solo transactions.
///
/// Version 1 (before Lima) lists the updates that produced the state; version 2 (what every
/// current node sends) does not: the updates travel beside it in the sign request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOffChainTx {
    /// The channel.
    pub channel_id: ChannelId,
    /// The round of this state.
    pub round: u64,
    /// `Some` for version 1: the updates applied; `None` for version 2.
    pub updates: Option<Vec<Update>>,
    /// The state hash.
    pub state_hash: StateHash,
}

impl ChannelOffChainTx {
    /// The node's JSON type name.
    pub const TYPE_NAME: &'static str = "ChannelOffChainTx";

    pub(crate) fn decode_body(
        version: u32,
        fields: &[Item<'_>],
        at: usize,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        let (channel_id, round, updates, state_hash) = match version {
            1 => {
                let [c, r, u, s] = object::fields::<4>(fields, at)?;
                (c, r, Some(u), s)
            }
            2 => {
                let [c, r, s] = object::fields::<3>(fields, at)?;
                (c, r, None, s)
            }
            _ => return Err(object::unsupported(Self::TAG, version, at)),
        };
        Ok(ChannelOffChainTx {
            channel_id: ChannelId::decode(channel_id, depth)?,
            round: u64::decode(round, depth)?,
            updates: updates.map(|u| <[Update]>::decode(u, depth)).transpose()?,
            state_hash: StateHash::decode(state_hash, depth)?,
        })
    }

    /// The JSON form, as the node's HTTP API shows it.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::from(Self::TYPE_NAME));
        m.insert("version".into(), Value::from(self.version()));
        m.insert("channel_id".into(), ChannelId::to_json(&self.channel_id));
        m.insert("round".into(), Value::from(self.round));
        if let Some(updates) = &self.updates {
            m.insert("updates".into(), <[Update]>::to_json(updates));
        }
        m.insert("state_hash".into(), StateHash::to_json(&self.state_hash));
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
        let updates = match version {
            1 => Some(field::read::<_, [Update]>(m, "updates", depth)?),
            2 => None,
            _ => {
                return Err(JsonErrorKind::UnsupportedVersion {
                    type_name: Self::TYPE_NAME,
                    version,
                }
                .into())
            }
        };
        Ok(ChannelOffChainTx {
            channel_id: field::read::<_, ChannelId>(m, "channel_id", depth)?,
            round: field::read::<_, u64>(m, "round", depth)?,
            updates,
            state_hash: field::read::<_, StateHash>(m, "state_hash", depth)?,
        })
    }
}

impl Object for ChannelOffChainTx {
    const TAG: u32 = 57;

    fn version(&self) -> u32 {
        if self.updates.is_some() {
            1
        } else {
            2
        }
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        ChannelId::encode(&self.channel_id, enc);
        u64::encode(&self.round, enc);
        if let Some(updates) = &self.updates {
            <[Update]>::encode(updates, enc);
        }
        StateHash::encode(&self.state_hash, enc);
    }

    fn decode_fields(version: u32, fields: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        Self::decode_body(version, fields, at, 0)
    }
}
