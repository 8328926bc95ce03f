//! SignedTx (tag 11): a transaction with its signatures.

use serde_json::{Map, Value};

use super::error::{JsonError, JsonErrorKind, TxError};
use super::field::{self, FieldCodec};
use super::Tx;
use crate::derive;
use crate::encoding::{self, Prefix};
use crate::id::{Signature, TxHash};
use crate::object::{self, Object};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};

/// A transaction with its signatures: `[11, 1, [signature…], tx bytes]`.
///
/// The canonical serialization sorts the signatures ascending bytewise, as the node does every
/// time it serializes; decoding keeps the order found (so a received SignedTx shows what the
/// peer sent) but [`SignedTx::to_rlp`] and [`SignedTx::hash`] always use the sorted order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedTx {
    /// The signatures, in the order they were given or decoded.
    pub signatures: Vec<Signature>,
    /// The signed transaction.
    pub tx: Tx,
}

impl Object for SignedTx {
    const TAG: u32 = 11;

    fn version(&self) -> u32 {
        1
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        let mut sorted: Vec<&Signature> = self.signatures.iter().collect();
        sorted.sort();
        enc.list(|l| {
            for s in sorted {
                l.bytes(s.as_bytes());
            }
        });
        enc.bytes(&self.tx.to_rlp());
    }

    fn decode_fields(version: u32, fields: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        Self::decode_body(version, fields, at, 0)
    }
}

impl SignedTx {
    /// The node's JSON type name.
    pub const TYPE_NAME: &'static str = "SignedTx";

    /// Wraps `tx` without signatures, as the node sends a transaction to be signed.
    pub fn unsigned(tx: impl Into<Tx>) -> Self {
        SignedTx { signatures: Vec::new(), tx: tx.into() }
    }

    pub(crate) fn decode_body(
        version: u32,
        fields: &[Item<'_>],
        at: usize,
        depth: usize,
    ) -> Result<Self, DecodeError> {
        if version != 1 {
            return Err(object::unsupported(Self::TAG, version, at));
        }
        let [sigs, tx] = object::fields::<2>(fields, at)?;
        let signatures = sigs
            .as_list()?
            .iter()
            .map(|s| {
                let b = s.as_bytes()?;
                <[u8; 64]>::try_from(b).map(Signature).map_err(|_| {
                    DecodeError::new(
                        s.offset,
                        DecodeErrorKind::BadSignatureLength { found: b.len() },
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let depth = field::deeper(depth, tx.offset)?;
        let tx = field::nested(tx, |item| Tx::decode_item(item, depth))?;
        Ok(SignedTx { signatures, tx })
    }

    /// Decodes a SignedTx from a parsed item nested `depth` objects deep.
    pub(crate) fn decode_item_at(item: &Item<'_>, depth: usize) -> Result<Self, DecodeError> {
        let (tag, version, fields) = object::envelope(item)?;
        if tag != Self::TAG {
            return Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::UnexpectedTag { expected: Self::TAG, found: tag },
            ));
        }
        Self::decode_body(version, fields, item.offset, depth)
    }

    /// The `tx_…` API string of the canonical serialization.
    pub fn to_api_string(&self) -> String {
        encoding::encode(Prefix::Transaction, &self.to_rlp())
    }

    /// Parses a `tx_…` API string holding a SignedTx.
    ///
    /// # Errors
    /// [`TxError::Encoding`] when the string is not a valid `tx_` string, [`TxError::Rlp`] when
    /// its bytes are not a SignedTx.
    pub fn from_api_str(s: &str) -> Result<Self, TxError> {
        let bytes = encoding::decode_as(Prefix::Transaction, s)?;
        Ok(Self::from_rlp(&bytes)?)
    }

    /// The transaction hash (`th_…`): blake2b of the canonical serialization.
    pub fn hash(&self) -> TxHash {
        derive::tx_hash(&self.to_rlp())
    }

    /// The JSON form: `{"type": "SignedTx", "version": 1, "signatures": ["sg_…"], "tx": {…}}`.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("type".into(), Value::from(Self::TYPE_NAME));
        map.insert("version".into(), Value::from(1u32));
        map.insert(
            "signatures".into(),
            Value::Array(self.signatures.iter().map(|s| Value::String(s.to_string())).collect()),
        );
        map.insert("tx".into(), self.tx.to_json());
        Value::Object(map)
    }

    /// Reads the JSON form. The node's own form, without `"type"` and `"version"` and with
    /// extra keys such as `"hash"` or `"block_height"`, is accepted too.
    ///
    /// # Errors
    /// A [`JsonError`] naming the offending key.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        Self::from_json_depth(v, 0)
    }

    pub(crate) fn from_json_depth(v: &Value, depth: usize) -> Result<Self, JsonError> {
        let body = |map: &Map<String, Value>, version: u64| {
            if version != 1 {
                return Err(JsonErrorKind::UnsupportedVersion {
                    type_name: Self::TYPE_NAME,
                    version,
                }
                .into());
            }
            let signatures = field::read::<Vec<Signature>, [SigCodec]>(map, "signatures", depth)?;
            let inner = field::deeper_json(depth)?;
            let tx = map
                .get("tx")
                .ok_or_else(|| JsonError::new(JsonErrorKind::Missing))
                .and_then(|v| Tx::from_json_depth(v, inner))
                .map_err(|e| e.within("tx"))?;
            Ok(SignedTx { signatures, tx })
        };
        match v.as_object() {
            // The node's HTTP API shows signed transactions without "type" and "version".
            Some(map) if !map.contains_key("type") && !map.contains_key("version") => body(map, 1),
            _ => super::json_with_type(v, Self::TYPE_NAME, body),
        }
    }
}

/// JSON form of one signature.
enum SigCodec {}

impl FieldCodec<Signature> for SigCodec {
    fn encode(v: &Signature, enc: &mut Encoder) {
        enc.bytes(v.as_bytes());
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<Signature, DecodeError> {
        item.as_array::<64>().map(Signature)
    }
    fn to_json(v: &Signature) -> Value {
        Value::String(v.to_string())
    }
    fn from_json(v: &Value, _depth: usize) -> Result<Signature, JsonError> {
        field::parse(v)
    }
}

/// A SignedTx as a field: serialized bytes in RLP; in JSON a nested object, or (as read from
/// the node) a `tx_…` string.
impl FieldCodec<Box<SignedTx>> for SignedTx {
    fn encode(v: &Box<SignedTx>, enc: &mut Encoder) {
        enc.bytes(&v.to_rlp());
    }
    fn decode(item: &Item<'_>, depth: usize) -> Result<Box<SignedTx>, DecodeError> {
        let depth = field::deeper(depth, item.offset)?;
        field::nested(item, |inner| SignedTx::decode_item_at(inner, depth)).map(Box::new)
    }
    fn to_json(v: &Box<SignedTx>) -> Value {
        v.to_json()
    }
    fn from_json(v: &Value, depth: usize) -> Result<Box<SignedTx>, JsonError> {
        let depth = field::deeper_json(depth)?;
        match v {
            Value::String(s) => {
                let bytes = encoding::decode_as(Prefix::Transaction, s)
                    .map_err(|e| JsonError::new(JsonErrorKind::Encoding(e)))?;
                SignedTx::from_rlp(&bytes)
                    .map(Box::new)
                    .map_err(|e| JsonError::new(JsonErrorKind::Rlp(e)))
            }
            _ => SignedTx::from_json_depth(v, depth).map(Box::new),
        }
    }
}
