//! The node's Merkle-Patricia tree (`aeu_mp_trees`): root hashes and proofs.
//!
//! * A key is a path of nibbles, high nibble of each byte first.
//! * Nodes are RLP lists of byte strings: leaf `[hp(path), value]`, extension
//!   `[hp(path), child_hash]`, branch `[c0 … c15, value]` ([`Node`]).
//! * A branch refers to a child by `blake2b(rlp(child))`, or embeds the child's RLP as a byte
//!   string when it is shorter than 32 bytes ([`NodeRef`]). An extension's child is always a
//!   hash.
//! * The root hash is `blake2b(rlp(root))`, even for a short root. The empty tree has no root.
//! * Storing an empty value deletes the key, as in the node.
//!
//! The tree's shape depends only on its set of entries, so [`Mpt`] keeps the entries and
//! builds the nodes when a hash or proof is asked for.
//!
//! ```
//! use aesc_codec::state::mpt::Mpt;
//!
//! let mut tree = Mpt::new();
//! assert_eq!(tree.root_hash(), None);
//! tree.insert(b"key".to_vec(), b"value".to_vec());
//! let root = tree.root_hash().expect("one entry");
//! let proof = tree.proof([b"key".as_slice()]);
//! assert_eq!(proof.lookup(&root, b"key")?, Some(b"value".to_vec()));
//! assert_eq!(proof.lookup(&root, b"kez")?, None);
//! # Ok::<_, aesc_codec::state::ProofError>(())
//! ```

mod build;
mod node;
mod proof;

use std::collections::{BTreeMap, BTreeSet};

use build::Built;

pub use node::{hex_prefix, nibbles, Node, NodeRef};
pub use proof::{Proof, ProofNode};

/// A Merkle-Patricia tree over byte keys and non-empty byte values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Mpt {
    entries: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl Mpt {
    /// The empty tree.
    pub fn new() -> Self {
        Mpt::default()
    }

    /// A tree of `pairs`, inserted in order (see [`Mpt::insert`]).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Vec<u8>, Vec<u8>)>) -> Self {
        let mut t = Mpt::new();
        pairs.into_iter().for_each(|(k, v)| t.insert(k, v));
        t
    }

    /// Stores `value` under `key`, replacing any previous value; an empty value removes the
    /// key, as the node does.
    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>) {
        if value.is_empty() {
            self.entries.remove(&key);
        } else {
            self.entries.insert(key, value);
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.remove(key)
    }

    /// The value under `key`.
    pub fn get(&self, key: &[u8]) -> Option<&[u8]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in ascending key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], &[u8])> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// The keys starting with `prefix`, in ascending order.
    pub fn keys_with_prefix<'a>(&'a self, prefix: &'a [u8]) -> impl Iterator<Item = &'a [u8]> {
        self.entries
            .range(prefix.to_vec()..)
            .map(|(k, _)| k.as_slice())
            .take_while(move |k| k.starts_with(prefix))
    }

    /// The root node; `None` for the empty tree.
    pub fn root_node(&self) -> Option<Node> {
        self.build().map(|b| b.root().node.clone())
    }

    /// `blake2b(rlp(root))`; `None` for the empty tree.
    pub fn root_hash(&self) -> Option<[u8; 32]> {
        self.build().map(|b| b.root().hash)
    }

    /// The proof for `keys`: every node stored by hash on the paths from the root to the keys
    /// (as far as each path exists), keyed by its hash and sorted ascending by hash. Empty for
    /// the empty tree.
    pub fn proof<'k>(&self, keys: impl IntoIterator<Item = &'k [u8]>) -> Proof {
        let Some(root) = self.build() else { return Proof::default() };
        let mut nodes = BTreeMap::new();
        let mut seen = BTreeSet::new();
        for key in keys {
            if seen.insert(key) {
                root.collect_path(&nibbles(key), &mut nodes);
            }
        }
        Proof { nodes: nodes.into_iter().map(|(hash, node)| ProofNode { hash, node }).collect() }
    }

    fn build(&self) -> Option<Built> {
        let entries: Vec<(Vec<u8>, &[u8])> =
            self.entries.iter().map(|(k, v)| (nibbles(k), v.as_slice())).collect();
        Built::new(&entries)
    }
}
