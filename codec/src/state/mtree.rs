//! Mtree (tag 63) and MtreeValue (tag 64): the serialized form of one state subtree.

use std::collections::BTreeSet;

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use super::mpt::Mpt;
use super::nested;
use crate::object::{fields, unsupported, Object};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};

/// One key/value entry of a subtree.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MtreeValue {
    /// The key.
    pub key: Vec<u8>,
    /// The value (a serialized object, or raw contract store data).
    pub value: Vec<u8>,
}

/// A subtree as a list of its entries.
///
/// The entries are kept in the order found; the node writes them in descending key order,
/// which [`Mtree::from_mpt`] reproduces. Keys are unique (decoding rejects duplicates).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Mtree {
    /// The entries.
    pub values: Vec<MtreeValue>,
}

impl Object for MtreeValue {
    const TAG: u32 = 64;

    fn version(&self) -> u32 {
        1
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        enc.bytes(&self.key);
        enc.bytes(&self.value);
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        if version != 1 {
            return Err(unsupported(Self::TAG, version, at));
        }
        let [key, value] = fields::<2>(items, at)?;
        Ok(MtreeValue { key: key.as_bytes()?.to_vec(), value: value.as_bytes()?.to_vec() })
    }
}

impl Object for Mtree {
    const TAG: u32 = 63;

    fn version(&self) -> u32 {
        1
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        enc.list(|l| self.values.iter().for_each(|v| nested::encode(v, l)));
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        if version != 1 {
            return Err(unsupported(Self::TAG, version, at));
        }
        let [values] = fields::<1>(items, at)?;
        let mut seen = BTreeSet::new();
        let values = values
            .as_list()?
            .iter()
            .map(|item| {
                let v: MtreeValue = nested::decode(item)?;
                if seen.insert(v.key.clone()) {
                    Ok(v)
                } else {
                    Err(DecodeError::new(
                        item.offset,
                        DecodeErrorKind::Invalid("duplicate mtree key"),
                    ))
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Mtree { values })
    }
}

impl Mtree {
    /// The subtree of `mpt`'s entries, in the node's order (descending keys).
    pub fn from_mpt(mpt: &Mpt) -> Self {
        Mtree::from_entries(mpt.iter())
    }

    /// The subtree of the given entries, in the node's order (descending keys); a later
    /// duplicate key replaces an earlier one, an empty value removes the key (as in the MPT).
    pub fn from_entries<'a>(entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Self {
        let mpt = Mpt::from_pairs(entries.into_iter().map(|(k, v)| (k.to_vec(), v.to_vec())));
        let values = mpt
            .iter()
            .rev()
            .map(|(k, v)| MtreeValue { key: k.to_vec(), value: v.to_vec() })
            .collect();
        Mtree { values }
    }

    /// The Merkle-Patricia tree of the entries.
    pub fn to_mpt(&self) -> Mpt {
        Mpt::from_pairs(self.values.iter().map(|v| (v.key.clone(), v.value.clone())))
    }

    /// The root hash of the entries' Merkle-Patricia tree; `None` when empty.
    pub fn root_hash(&self) -> Option<[u8; 32]> {
        self.to_mpt().root_hash()
    }

    /// Whether the subtree has no entries.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value stored under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.values.iter().find(|v| v.key == key).map(|v| v.value.as_slice())
    }

    /// The JSON form: `{"values": [{"key": hex, "value": hex}, …]}` in the stored order.
    pub fn to_json(&self) -> Value {
        let values = self
            .values
            .iter()
            .map(|v| json::object([("key", json::hex(&v.key)), ("value", json::hex(&v.value))]))
            .collect();
        json::object([("values", values)])
    }

    /// Reads the JSON form of [`Mtree::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] for a malformed entry or a duplicate key.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "mtree")?;
        let mut seen = BTreeSet::new();
        let values = o
            .array("values")?
            .iter()
            .map(|e| {
                let e = Obj::new(e, "values")?;
                let v = MtreeValue { key: e.hex("key")?, value: e.hex("value")? };
                if seen.insert(v.key.clone()) {
                    Ok(v)
                } else {
                    Err(JsonError::Inconsistent { rule: "mtree keys are unique" })
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Mtree { values })
    }
}
