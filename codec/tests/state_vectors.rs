//! State vectors from the protocol digest.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::hash::blake2b_256;
use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::state::mpt::{hex_prefix, Mpt};
use aesc_codec::state::{OffChainState, PoiError, ProofError, StateTrees, TreesPoi};

const INITIATOR: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const RESPONDER: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

fn initial() -> OffChainState {
    OffChainState::initial(
        INITIATOR.parse().unwrap(),
        70_000_000_000_000u64.into(),
        RESPONDER.parse().unwrap(),
        40_000_000_000_000u64.into(),
        1u64.into(),
    )
    .unwrap()
}

#[test]
fn initial_state_accounts_and_hash_match_the_spec() {
    let state = initial();
    let i: AccountId = INITIATOR.parse().unwrap();
    let r: AccountId = RESPONDER.parse().unwrap();
    // [10, 1, 0, 69999999999999] and [10, 1, 0, 40000000000001]
    let mut expect_i = vec![0xca, 0x0a, 0x01, 0x00, 0x86];
    expect_i.extend_from_slice(&69_999_999_999_999u64.to_be_bytes()[2..]);
    let mut expect_r = vec![0xca, 0x0a, 0x01, 0x00, 0x86];
    expect_r.extend_from_slice(&40_000_000_000_001u64.to_be_bytes()[2..]);
    assert_eq!(state.account(&i).unwrap().to_rlp(), expect_i);
    assert_eq!(state.account(&r).unwrap().to_rlp(), expect_r);
    assert_eq!(
        hex(state.state_hash().as_bytes()),
        "64ff081cd36c4f1698a7f19a906cba3135e6f0c9ce9e03e479ba8c2e09f5b846"
    );
    println!("{}", state.state_hash());
}

#[test]
fn initial_state_trees_follow_the_node_layout() {
    let state = initial();
    let trees = state.to_trees();
    let bytes = trees.to_rlp();
    // [62, 0, contracts, calls, channels, ns, oracles, accounts]; empty subtrees are
    // [62x, 1, rlp([63, 1, []])].
    assert_eq!(&bytes[2..4], &[0x3e, 0x00]);
    let empty_wrapper = |tag: u16| {
        let t = tag.to_be_bytes();
        vec![0x8a, 0xc9, 0x82, t[0], t[1], 0x01, 0x84, 0xc3, 0x3f, 0x01, 0xc0]
    };
    let mut at = 4;
    for tag in 621..=625 {
        assert_eq!(&bytes[at..at + 11], empty_wrapper(tag).as_slice(), "subtree {tag}");
        at += 11;
    }
    // Accounts in descending key order: the responder's key (0x90…) before the initiator's.
    let values = &trees.accounts.0.values;
    assert_eq!(values.len(), 2);
    assert_eq!(
        hex(&values[0].key),
        "90b32e30ca9da7801c83f69d2ec350d958a6400c8a850bdda514eeae0c2a70a1"
    );
    assert_eq!(
        hex(&values[1].key),
        "64ae0e0862ded34b3a7bee2159b91486c2f48928764dbf13808a89a98b95af81"
    );
    assert_eq!(StateTrees::from_rlp(&bytes).unwrap(), trees);
    assert_eq!(trees.state_hash(), state.state_hash());
}

#[test]
fn initial_state_poi_proves_both_accounts() {
    let state = initial();
    let i: AccountId = INITIATOR.parse().unwrap();
    let r: AccountId = RESPONDER.parse().unwrap();
    let poi = state.poi(&[i, r]).unwrap();
    assert_eq!(poi.root_hash(), state.state_hash());
    assert!(poi.calls.is_none() && poi.contracts.is_none() && poi.channels.is_none());
    // Root branch (first nibbles 6 and 9) and the two leaves, each 32 bytes or longer.
    let accounts = poi.accounts.as_ref().unwrap();
    assert_eq!(accounts.proof.nodes.len(), 3);
    let hashes: Vec<_> = accounts.proof.nodes.iter().map(|n| n.hash).collect();
    let mut sorted = hashes.clone();
    sorted.sort();
    assert_eq!(hashes, sorted, "proof nodes sorted ascending by hash");
    assert_eq!(poi.account(&i).unwrap().unwrap().balance, 69_999_999_999_999u64.into());
    assert_eq!(poi.account(&r).unwrap().unwrap().balance, 40_000_000_000_001u64.into());
    let bytes = poi.to_rlp();
    assert_eq!(aesc_codec::object::peek_tag(&bytes).unwrap(), (60, 1));
    assert_eq!(TreesPoi::from_rlp(&bytes).unwrap(), poi);
    // Only the initiator: the responder is absent from the proof, not provably absent.
    let only_i = state.poi(&[i]).unwrap();
    assert_eq!(only_i.root_hash(), state.state_hash());
    assert!(matches!(only_i.account(&r), Err(PoiError::Proof(ProofError::MissingNode { .. }))));
}

#[test]
fn mpt_encoding_rules_from_the_spec() {
    // Two keys under a shared first nibble: extension [0] → branch with two embedded leaves.
    let tree = Mpt::from_pairs([(vec![0x01], b"a".to_vec()), (vec![0x02], b"b".to_vec())]);
    let leaf_a = [0xc2, 0x20, b'a']; // [hp([], leaf) = 0x20, "a"]
    let leaf_b = [0xc2, 0x20, b'b'];
    let mut branch = vec![0xc0 + 23, 0x80];
    branch.extend([0x83]);
    branch.extend(leaf_a);
    branch.extend([0x83]);
    branch.extend(leaf_b);
    branch.extend([0x80; 14]);
    let branch_hash = blake2b_256(&branch);
    // The extension's child is a hash although the branch is shorter than 32 bytes.
    assert!(branch.len() < 32);
    let mut ext = vec![0xc0 + 34, 0x10, 0xa0];
    ext.extend(branch_hash);
    assert_eq!(tree.root_node().unwrap().to_rlp(), ext);
    assert_eq!(tree.root_hash(), Some(blake2b_256(&ext)));

    // A single short leaf is still hashed for the root.
    let one = Mpt::from_pairs([(vec![0xab], b"v".to_vec())]);
    let leaf = [0xc4, 0x82, 0x20, 0xab, b'v'];
    assert_eq!(one.root_hash(), Some(blake2b_256(&leaf)));
    // Odd paths: flag nibble 3 (leaf) carries the first nibble.
    assert_eq!(hex_prefix(&[0xa, 0xb, 0xc], true), vec![0x3a, 0xbc]);
    assert_eq!(hex_prefix(&[0xa, 0xb], false), vec![0x00, 0xab]);
    assert_eq!(Mpt::new().root_hash(), None);
}
