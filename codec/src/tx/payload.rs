//! The `payload` of solo channel transactions: an off-chain state or nothing.

use serde_json::Value;

use super::error::{JsonError, JsonErrorKind};
use super::field::FieldCodec;
use super::SignedTx;
use crate::encoding::{self, Prefix};
use crate::rlp::{DecodeError, Encoder, Item};

/// The `payload` of close solo, slash, snapshot solo, force progress and set delegates.
///
/// RLP: the empty byte string, or the serialized SignedTx. JSON: [`Payload::Empty`] is the
/// string `"tx_Xfbg4g=="` (the `tx_` encoding of no bytes, as the node writes it), a state is
/// a nested SignedTx object; reading also accepts any `tx_…` string, as the node sends them.
///
/// The node requires the innermost transaction of a non-empty payload to be a
/// `ChannelOffChainTx`; the codec does not, so that every payload re-encodes exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// No payload: the transaction refers to the last state on chain.
    Empty,
    /// A co-signed off-chain state.
    Tx(Box<SignedTx>),
}

impl Payload {
    /// The co-signed state, when there is one.
    pub fn signed_tx(&self) -> Option<&SignedTx> {
        match self {
            Payload::Empty => None,
            Payload::Tx(t) => Some(t),
        }
    }

    /// The serialized form of the field (empty for [`Payload::Empty`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Payload::Empty => Vec::new(),
            Payload::Tx(t) => crate::object::Object::to_rlp(t.as_ref()),
        }
    }
}

impl FieldCodec<Payload> for Payload {
    fn encode(v: &Payload, enc: &mut Encoder) {
        enc.bytes(&v.to_bytes());
    }

    fn decode(item: &Item<'_>, depth: usize) -> Result<Payload, DecodeError> {
        if item.as_bytes()?.is_empty() {
            return Ok(Payload::Empty);
        }
        <SignedTx as FieldCodec<Box<SignedTx>>>::decode(item, depth).map(Payload::Tx)
    }

    fn to_json(v: &Payload) -> Value {
        match v {
            Payload::Empty => Value::String(encoding::encode(Prefix::Transaction, &[])),
            Payload::Tx(t) => t.to_json(),
        }
    }

    fn from_json(v: &Value, depth: usize) -> Result<Payload, JsonError> {
        if let Value::String(s) = v {
            let bytes = encoding::decode_as(Prefix::Transaction, s)
                .map_err(|e| JsonError::new(JsonErrorKind::Encoding(e)))?;
            if bytes.is_empty() {
                return Ok(Payload::Empty);
            }
        }
        <SignedTx as FieldCodec<Box<SignedTx>>>::from_json(v, depth).map(Payload::Tx)
    }
}
