//! ChannelClientReconnectTx (tag 575): the obsolete reconnect request, replaced by `fsm_id`
//! in node v5.2.0. Kept so that old recordings decode.

use serde_json::Value;

use crate::id::{AccountId, ChannelId};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};
use crate::tx::error::{JsonError, JsonErrorKind};
use crate::tx::field::{self, simple_tx, FieldCodec};

pub use crate::jsonrpc::connect::Role;

/// The role named by `s`.
fn role_from_name(s: &[u8]) -> Option<Role> {
    match s {
        b"initiator" => Some(Role::Initiator),
        b"responder" => Some(Role::Responder),
        _ => None,
    }
}

impl FieldCodec<Role> for Role {
    fn encode(v: &Role, enc: &mut Encoder) {
        enc.bytes(v.as_str().as_bytes());
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<Role, DecodeError> {
        role_from_name(item.as_bytes()?).ok_or(DecodeError::new(
            item.offset,
            DecodeErrorKind::Invalid("role is neither initiator nor responder"),
        ))
    }
    fn to_json(v: &Role) -> Value {
        Value::from(v.as_str())
    }
    fn from_json(v: &Value, _depth: usize) -> Result<Role, JsonError> {
        role_from_name(field::string(v)?.as_bytes())
            .ok_or(JsonErrorKind::Invalid("role is neither initiator nor responder").into())
    }
}

simple_tx! {
    /// A client reconnect request (tag 575, version 1; obsolete). Signer: `pub_key`.
    ChannelClientReconnectTx, tag 575, version 1, "ChannelClientReconnectTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The round of the client's latest state.
        round: u64,
        /// The role of the reconnecting client.
        role: Role,
        /// The reconnecting client's account.
        pub_key: AccountId,
    }
}
