//! Merkle-Patricia tree properties and proofs, including malicious proofs.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;

use aesc_codec::object::Object;
use aesc_codec::rlp::DecodeErrorKind;
use aesc_codec::state::mpt::{Mpt, Node, NodeRef, Proof, ProofNode};
use aesc_codec::state::{ProofError, SubtreePoi, TreesPoi};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

fn entries() -> impl Strategy<Value = BTreeMap<Vec<u8>, Vec<u8>>> {
    btree_map(vec(0u8..4, 0..5), vec(any::<u8>(), 1..48), 1..24)
}

proptest! {
    #[test]
    fn root_hash_does_not_depend_on_insertion_order(e in entries(), seed in any::<u64>()) {
        let forward = Mpt::from_pairs(e.clone());
        let mut pairs: Vec<_> = e.into_iter().collect();
        // A deterministic shuffle.
        let n = pairs.len();
        for i in 0..n {
            let j = ((seed.wrapping_mul(6364136223846793005).wrapping_add(i as u64)) % n as u64) as usize;
            pairs.swap(i, j);
        }
        prop_assert_eq!(Mpt::from_pairs(pairs).root_hash(), forward.root_hash());
    }

    #[test]
    fn proofs_answer_every_key(e in entries(), probe in vec(0u8..4, 0..6)) {
        let tree = Mpt::from_pairs(e.clone());
        let root = tree.root_hash().unwrap();
        let all = tree.proof(e.keys().map(Vec::as_slice));
        prop_assert!(all.verify().is_ok());
        for (k, v) in &e {
            prop_assert_eq!(all.lookup(&root, k).unwrap(), Some(v.clone()));
            // A proof of one key answers that key.
            let one = tree.proof([k.as_slice()]);
            prop_assert_eq!(one.lookup(&root, k).unwrap(), Some(v.clone()));
        }
        // With the whole tree in the proof, an absent key is provably absent.
        let expected = e.get(&probe).cloned();
        prop_assert_eq!(all.lookup(&root, &probe).unwrap(), expected.clone());
        // The proof of an absent key proves its absence.
        let own = tree.proof([probe.as_slice()]);
        prop_assert_eq!(own.lookup(&root, &probe).unwrap(), expected);
        // Sorted ascending by hash, no duplicates.
        let hashes: Vec<_> = all.nodes.iter().map(|n| n.hash).collect();
        prop_assert!(hashes.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn removing_a_node_from_a_proof_is_detected(e in entries(), drop in any::<usize>()) {
        let tree = Mpt::from_pairs(e.clone());
        let root = tree.root_hash().unwrap();
        let mut proof = tree.proof(e.keys().map(Vec::as_slice));
        let gone = proof.nodes.remove(drop % proof.nodes.len()).hash;
        let mut missing = 0;
        for k in e.keys() {
            match proof.lookup(&root, k) {
                Ok(v) => prop_assert_eq!(v, e.get(k).cloned()),
                Err(ProofError::MissingNode { hash }) => {
                    prop_assert_eq!(hash, gone);
                    missing += 1;
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
        }
        prop_assert!(missing > 0, "every removed node lies on some key's path");
    }

    #[test]
    fn tampered_values_are_detected(e in entries(), pick in any::<usize>()) {
        let tree = Mpt::from_pairs(e.clone());
        let root = tree.root_hash().unwrap();
        let mut proof = tree.proof(e.keys().map(Vec::as_slice));
        let at = pick % proof.nodes.len();
        match &mut proof.nodes[at].node {
            Node::Leaf { value, .. } => value.push(0),
            Node::Extension { child, .. } => child[0] ^= 1,
            Node::Branch { value, .. } => value.push(1),
        }
        let mismatch = matches!(proof.verify(), Err(ProofError::HashMismatch { .. }));
        prop_assert!(mismatch);
        let errors = e.keys().filter(|k| proof.lookup(&root, k).is_err()).count();
        prop_assert!(errors > 0);
        for k in e.keys() {
            if let Ok(v) = proof.lookup(&root, k) {
                prop_assert_eq!(v, e.get(k).cloned(), "a tampered proof never lies");
            }
        }
    }
}

fn leaf(path: Vec<u8>, value: &[u8]) -> Node {
    Node::Leaf { path, value: value.to_vec() }
}

#[test]
fn empty_value_deletes_and_get_reads() {
    let mut t = Mpt::from_pairs([(b"a".to_vec(), b"1".to_vec()), (b"b".to_vec(), b"2".to_vec())]);
    let both = t.root_hash();
    t.insert(b"c".to_vec(), b"3".to_vec());
    assert_ne!(t.root_hash(), both);
    t.insert(b"c".to_vec(), Vec::new());
    assert_eq!(t.root_hash(), both);
    assert_eq!(t.get(b"a"), Some(b"1".as_slice()));
    assert_eq!(t.get(b"c"), None);
    assert_eq!(t.len(), 2);
}

#[test]
fn missing_root_is_a_missing_node() {
    let proof = Proof::default();
    assert_eq!(proof.lookup(&[9; 32], b"k"), Err(ProofError::MissingNode { hash: [9; 32] }));
}

#[test]
fn hash_mismatch_names_the_node() {
    let node = leaf(vec![1, 2], b"value");
    let key = [0x55; 32];
    let proof = Proof { nodes: vec![ProofNode { hash: key, node: node.clone() }] };
    let expected = ProofError::HashMismatch { key, actual: node.hash() };
    assert_eq!(proof.verify(), Err(expected.clone()));
    assert_eq!(proof.lookup(&key, &[0x12]), Err(expected));
}

#[test]
fn cycles_end_in_a_typed_error() {
    // An extension with an empty path whose child is itself: a cycle, stored under the hash it
    // claims. Lookups stop with an error instead of looping.
    let key = [0x42; 32];
    let node = Node::Extension { path: Vec::new(), child: key };
    let proof = Proof { nodes: vec![ProofNode { hash: key, node }] };
    assert!(matches!(proof.lookup(&key, b"abc"), Err(ProofError::HashMismatch { .. })));
    // Two nodes pointing at each other through a branch.
    let (a, b) = ([1; 32], [2; 32]);
    let mut to_b: [NodeRef; 16] = Default::default();
    to_b[0] = NodeRef::Hash(b);
    let mut to_a: [NodeRef; 16] = Default::default();
    to_a[0] = NodeRef::Hash(a);
    let proof = Proof {
        nodes: vec![
            ProofNode { hash: a, node: Node::Branch { children: Box::new(to_b), value: vec![] } },
            ProofNode { hash: b, node: Node::Branch { children: Box::new(to_a), value: vec![] } },
        ],
    };
    assert!(matches!(proof.lookup(&a, &[0; 64]), Err(ProofError::HashMismatch { .. })));
}

#[test]
fn chains_of_empty_extensions_hit_the_traversal_limit() {
    // Valid hashes all the way, but a shape no tree has: extensions with empty paths.
    let mut node = leaf(Vec::new(), b"end");
    let mut nodes = Vec::new();
    for _ in 0..5 {
        let hash = node.hash();
        nodes.push(ProofNode { hash, node });
        node = Node::Extension { path: Vec::new(), child: hash };
    }
    let root = node.hash();
    nodes.push(ProofNode { hash: root, node });
    let proof = Proof { nodes };
    assert!(proof.verify().is_ok());
    assert_eq!(proof.lookup(&root, b""), Err(ProofError::TraversalLimit { limit: 2 }));
}

#[test]
fn bad_embedded_nodes_and_shapes_are_decode_errors() {
    // A branch whose first child is a 3-byte "embedded node" that is not a node.
    let mut branch = vec![0xc0 + 20, 0x83, 0x01, 0x02, 0x03];
    branch.extend([0x80; 16]);
    assert!(Node::from_rlp(&branch).is_err());
    // A 33-byte child reference.
    let mut long = vec![0xc0 + 50, 0xa1];
    long.extend([0u8; 33]);
    long.extend([0x80; 16]);
    let err = Node::from_rlp(&long).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::WrongLength { expected: 32, found: 33 });
    // Three items: neither a leaf/extension nor a branch.
    let err = Node::from_rlp(&[0xc3, 0x80, 0x80, 0x80]).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::ListLength { expected: 17, found: 3 });
    // Even path with a non-zero padding nibble, unknown flag, empty path bytes.
    for bad in [[0xc2, 0x21, 0x01], [0xc2, 0x41, 0x01], [0xc2, 0x80, 0x01]] {
        let err = Node::from_rlp(&bad).unwrap_err();
        assert!(matches!(err.kind, DecodeErrorKind::Invalid(_)), "{bad:02x?}: {err}");
    }
    assert!(Node::from_rlp(&[0xc2, 0x20, 0x01]).is_ok());
    // An extension whose child is not a hash.
    assert!(Node::from_rlp(&[0xc3, 0x10, 0x81, 0xff]).is_err());
}

#[test]
fn poi_with_foreign_nodes_still_verifies_by_hash() {
    let tree = Mpt::from_pairs([(vec![1; 32], vec![7; 40]), (vec![2; 32], vec![8; 40])]);
    let root = tree.root_hash().unwrap();
    let mut proof = tree.proof([[1u8; 32].as_slice()]);
    // An extra node that is on no path is harmless as long as it matches its hash.
    let extra = leaf(vec![3], b"unrelated value long enough to be hashed");
    proof.nodes.push(ProofNode { hash: extra.hash(), node: extra });
    let poi =
        TreesPoi { accounts: Some(SubtreePoi { root_hash: root, proof }), ..TreesPoi::default() };
    assert!(poi.verify().is_ok());
    let back = TreesPoi::from_rlp(&poi.to_rlp()).unwrap();
    assert_eq!(back, poi);
}

#[test]
fn deeply_nested_keys_do_not_exhaust_the_stack() {
    // Keys 0xab, 0xabab, …: every key ends in a branch on the next one's path, so the tree
    // is about three nodes deep per key. Built on a small stack.
    let worker = std::thread::Builder::new().stack_size(128 * 1024).spawn(|| {
        let tree = Mpt::from_pairs((1..=1500).map(|n| (vec![0xab; n], vec![1])));
        let root = tree.root_hash().unwrap();
        let deepest = vec![0xab; 1500];
        let proof = tree.proof([deepest.as_slice()]);
        assert_eq!(proof.lookup(&root, &deepest).unwrap(), Some(vec![1]));
        proof.nodes.len()
    });
    assert!(worker.unwrap().join().unwrap() > 1500);
}
