//! TreesPoi — tag 60 (`aec_trees` PoI, API prefix `pi_`): a proof of inclusion of some
//! entries of a state.

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use super::mpt::{Node, Proof, ProofNode};
use super::trees::{state_hash, SubtreeRoots};
use super::{Account, Contract, PoiError, ProofError};
use crate::id::{AccountId, ContractId, StateHash};
use crate::object::{fields, unsupported, Object};
use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};

/// The proof for one subtree: its root hash and the nodes on the paths to the proven keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SubtreePoi {
    /// The subtree's root hash.
    pub root_hash: [u8; 32],
    /// The proof nodes.
    pub proof: Proof,
}

/// A proof of inclusion over the six subtrees; `None` for an empty subtree.
///
/// Serialized as `[accounts, calls, channels, contracts, ns, oracles]`, each `[]` or
/// `[[root_hash, [[node_hash, node], …]]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TreesPoi {
    /// Accounts.
    pub accounts: Option<SubtreePoi>,
    /// Calls.
    pub calls: Option<SubtreePoi>,
    /// Channels.
    pub channels: Option<SubtreePoi>,
    /// Contracts.
    pub contracts: Option<SubtreePoi>,
    /// Name service.
    pub ns: Option<SubtreePoi>,
    /// Oracles.
    pub oracles: Option<SubtreePoi>,
}

const NAMES: [&str; 6] = ["accounts", "calls", "channels", "contracts", "ns", "oracles"];

impl TreesPoi {
    fn parts(&self) -> [&Option<SubtreePoi>; 6] {
        [&self.accounts, &self.calls, &self.channels, &self.contracts, &self.ns, &self.oracles]
    }

    /// The root hashes of the six subtrees.
    pub fn roots(&self) -> SubtreeRoots {
        let r = |p: &Option<SubtreePoi>| p.as_ref().map(|s| s.root_hash);
        SubtreeRoots {
            accounts: r(&self.accounts),
            calls: r(&self.calls),
            channels: r(&self.channels),
            contracts: r(&self.contracts),
            ns: r(&self.ns),
            oracles: r(&self.oracles),
        }
    }

    /// The state hash the PoI proves (§3.11): it must equal the co-signed state hash.
    pub fn root_hash(&self) -> StateHash {
        state_hash(&self.roots())
    }

    /// Checks that every proof node hashes to its key, in every subtree.
    ///
    /// # Errors
    /// [`ProofError::HashMismatch`] for the first node that does not.
    pub fn verify(&self) -> Result<(), ProofError> {
        self.parts().into_iter().flatten().try_for_each(|s| s.proof.verify())
    }

    /// The account `account`, read through the proof.
    ///
    /// `Ok(None)` when the proof shows the account is absent (or the accounts subtree is
    /// empty).
    ///
    /// # Errors
    /// [`PoiError::Proof`] when the proof is bad or does not cover the account (every node
    /// of the PoI is checked against its hash first), [`PoiError::Value`] when the value is
    /// not an account.
    pub fn account(&self, account: &AccountId) -> Result<Option<Account>, PoiError> {
        self.object(&self.accounts, account.as_bytes())
    }

    /// The contract object `contract`, read through the proof (as [`TreesPoi::account`]).
    ///
    /// # Errors
    /// As [`TreesPoi::account`].
    pub fn contract(&self, contract: &ContractId) -> Result<Option<Contract>, PoiError> {
        self.object(&self.contracts, contract.as_bytes())
    }

    /// The raw value under `key` in the contracts subtree (contract store entries).
    ///
    /// # Errors
    /// [`PoiError::Proof`] as for [`TreesPoi::account`].
    pub fn contracts_value(&self, key: &[u8]) -> Result<Option<Vec<u8>>, PoiError> {
        self.verify()?;
        lookup(&self.contracts, key)
    }

    fn object<T: Object>(
        &self,
        part: &Option<SubtreePoi>,
        key: &[u8],
    ) -> Result<Option<T>, PoiError> {
        self.verify()?;
        lookup(part, key)?
            .map(|v| T::from_rlp(&v).map_err(|error| PoiError::Value { key: key.to_vec(), error }))
            .transpose()
    }
}

fn lookup(part: &Option<SubtreePoi>, key: &[u8]) -> Result<Option<Vec<u8>>, PoiError> {
    match part {
        None => Ok(None),
        Some(s) => Ok(s.proof.lookup(&s.root_hash, key)?),
    }
}

fn encode_part(part: &Option<SubtreePoi>, enc: &mut Encoder) {
    enc.list(|l| {
        if let Some(s) = part {
            l.list(|pair| {
                pair.bytes(&s.root_hash);
                s.proof.encode_rlp(pair);
            });
        }
    });
}

fn decode_part(item: &Item<'_>) -> Result<Option<SubtreePoi>, DecodeError> {
    match item.as_list()? {
        [] => Ok(None),
        [one] => {
            let [root, proof] = one.as_fixed_list::<2>()?;
            Ok(Some(SubtreePoi { root_hash: root.as_array()?, proof: Proof::decode_rlp(proof)? }))
        }
        more => Err(DecodeError::new(
            item.offset,
            DecodeErrorKind::ListLength { expected: 1, found: more.len() },
        )),
    }
}

impl Object for TreesPoi {
    const TAG: u32 = 60;

    fn version(&self) -> u32 {
        1
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        self.parts().into_iter().for_each(|p| encode_part(p, enc));
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        if version != 1 {
            return Err(unsupported(Self::TAG, version, at));
        }
        let [accounts, calls, channels, contracts, ns, oracles] = fields::<6>(items, at)?;
        Ok(TreesPoi {
            accounts: decode_part(accounts)?,
            calls: decode_part(calls)?,
            channels: decode_part(channels)?,
            contracts: decode_part(contracts)?,
            ns: decode_part(ns)?,
            oracles: decode_part(oracles)?,
        })
    }
}

fn part_json(part: &Option<SubtreePoi>) -> Value {
    match part {
        None => Value::Null,
        Some(s) => json::object([
            ("root_hash", json::hex(&s.root_hash)),
            (
                "proof",
                s.proof
                    .nodes
                    .iter()
                    .map(|n| {
                        json::object([
                            ("hash", json::hex(&n.hash)),
                            ("node", json::hex(&n.node.to_rlp())),
                        ])
                    })
                    .collect(),
            ),
        ]),
    }
}

fn part_from_json(v: &Value) -> Result<Option<SubtreePoi>, JsonError> {
    if v.is_null() {
        return Ok(None);
    }
    let o = Obj::new(v, "subtree")?;
    let nodes = o
        .array("proof")?
        .iter()
        .map(|n| {
            let n = Obj::new(n, "proof")?;
            let bytes = n.hex("node")?;
            let item = rlp::decode_exact(&bytes)
                .map_err(|_| JsonError::Invalid { field: "node", expected: "an RLP node" })?;
            let node = Node::decode_rlp(&item)
                .map_err(|_| JsonError::Invalid { field: "node", expected: "an MPT node" })?;
            Ok(ProofNode { hash: n.hex32("hash")?, node })
        })
        .collect::<Result<_, JsonError>>()?;
    Ok(Some(SubtreePoi { root_hash: o.hex32("root_hash")?, proof: Proof { nodes } }))
}

impl TreesPoi {
    /// The JSON form: one key per subtree (`accounts`, `calls`, `channels`, `contracts`,
    /// `ns`, `oracles`), each `null` when empty or `{"root_hash": hex, "proof": [{"hash":
    /// hex, "node": hex of the node's RLP}, …]}`, plus `"state_hash"` (`st_`, the computed
    /// [`TreesPoi::root_hash`], ignored by [`TreesPoi::from_json`]).
    pub fn to_json(&self) -> Value {
        let mut map = serde_json::Map::new();
        for (name, part) in NAMES.iter().zip(self.parts()) {
            map.insert((*name).to_owned(), part_json(part));
        }
        map.insert("state_hash".into(), json::str_of(self.root_hash()));
        Value::Object(map)
    }

    /// Reads the JSON form of [`TreesPoi::to_json`]; a missing subtree key is an empty
    /// subtree.
    ///
    /// # Errors
    /// A [`JsonError`] for a malformed subtree, hash or node.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "poi")?;
        let part = |name| o.opt(name).map_or(Ok(None), part_from_json);
        Ok(TreesPoi {
            accounts: part("accounts")?,
            calls: part("calls")?,
            channels: part("channels")?,
            contracts: part("contracts")?,
            ns: part("ns")?,
            oracles: part("oracles")?,
        })
    }
}
