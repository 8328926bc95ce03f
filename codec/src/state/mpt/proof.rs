//! Merkle-Patricia proofs: a set of nodes keyed by their hashes, and lookups through them.

use std::collections::BTreeMap;

use super::node::{nibbles, Node, NodeRef};
use crate::rlp::{DecodeError, Encoder, Item};
use crate::state::ProofError;

/// One node of a proof, stored under its hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProofNode {
    /// The key: `blake2b(rlp(node))` for a valid proof.
    pub hash: [u8; 32],
    /// The node.
    pub node: Node,
}

/// A Merkle-Patricia proof: nodes keyed by hash, in the order found (the node writes them
/// sorted ascending by hash, as [`super::Mpt::proof`] does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Proof {
    /// The nodes.
    pub nodes: Vec<ProofNode>,
}

impl Proof {
    /// Writes the proof as `[[hash, node], …]`.
    pub fn encode_rlp(&self, enc: &mut Encoder) {
        enc.list(|l| {
            for n in &self.nodes {
                l.list(|pair| {
                    pair.bytes(&n.hash);
                    n.node.encode_rlp(pair);
                });
            }
        });
    }

    /// Reads a proof written by [`Proof::encode_rlp`].
    ///
    /// # Errors
    /// A [`DecodeError`] for a malformed entry or node. Hashes are not checked here (see
    /// [`Proof::verify`]).
    pub fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        let nodes = item
            .as_list()?
            .iter()
            .map(|entry| {
                let [hash, node] = entry.as_fixed_list::<2>()?;
                Ok(ProofNode { hash: hash.as_array()?, node: Node::decode_rlp(node)? })
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(Proof { nodes })
    }

    /// Checks that every node hashes to the key it is stored under.
    ///
    /// # Errors
    /// [`ProofError::HashMismatch`] for the first node that does not.
    pub fn verify(&self) -> Result<(), ProofError> {
        self.nodes.iter().try_for_each(|n| check_hash(n.hash, &n.node))
    }

    /// The node stored under `hash`, when present.
    pub fn node(&self, hash: &[u8; 32]) -> Option<&Node> {
        self.nodes.iter().find(|n| &n.hash == hash).map(|n| &n.node)
    }

    /// Looks `key` up in the tree with root hash `root`, reading through the proof.
    ///
    /// Every node used is checked against its hash. `Ok(None)` means the proof shows that the
    /// key is absent.
    ///
    /// # Errors
    /// [`ProofError::MissingNode`] when the path leaves the proof, [`ProofError::HashMismatch`]
    /// for a node not matching its hash, [`ProofError::BadNode`] for a malformed embedded
    /// node, [`ProofError::TraversalLimit`] for a walk longer than any valid tree allows.
    pub fn lookup(&self, root: &[u8; 32], key: &[u8]) -> Result<Option<Vec<u8>>, ProofError> {
        let index: BTreeMap<&[u8; 32], &Node> =
            self.nodes.iter().map(|n| (&n.hash, &n.node)).collect();
        let fetch = |hash: &[u8; 32]| -> Result<Node, ProofError> {
            let node = index.get(hash).ok_or(ProofError::MissingNode { hash: *hash })?;
            check_hash(*hash, node)?;
            Ok((*node).clone())
        };
        let path = nibbles(key);
        let mut rest: &[u8] = &path;
        let mut node = fetch(root)?;
        // Each branch consumes one nibble and extensions lead to branches in a valid tree.
        let limit = 2 * path.len() + 2;
        for _ in 0..limit {
            node = match node {
                Node::Leaf { path, value } => {
                    return Ok((path == rest).then_some(value));
                }
                Node::Extension { path, child } => match rest.strip_prefix(path.as_slice()) {
                    Some(tail) => {
                        rest = tail;
                        fetch(&child)?
                    }
                    None => return Ok(None),
                },
                Node::Branch { children, value } => {
                    let Some((n, tail)) = rest.split_first() else {
                        return Ok((!value.is_empty()).then_some(value));
                    };
                    rest = tail;
                    match children.get(usize::from(*n)) {
                        None | Some(NodeRef::Empty) => return Ok(None),
                        Some(NodeRef::Hash(h)) => fetch(h)?,
                        Some(NodeRef::Embedded(rlp)) => {
                            Node::from_rlp(rlp).map_err(|error| ProofError::BadNode { error })?
                        }
                    }
                }
            };
        }
        Err(ProofError::TraversalLimit { limit })
    }
}

fn check_hash(key: [u8; 32], node: &Node) -> Result<(), ProofError> {
    let actual = node.hash();
    if actual == key {
        Ok(())
    } else {
        Err(ProofError::HashMismatch { key, actual })
    }
}
