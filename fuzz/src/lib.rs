//! Bodies of the fuzz targets. Each target in `fuzz_targets/` is a three-line wrapper around one
//! function here, so that `tests/replay.rs` can run every committed crasher on stable `cargo test`.

use aesc_codec::encoding;
use aesc_codec::id::Signature;
use aesc_codec::jsonrpc::{self, ClientRequest, NodeEvent};
use aesc_codec::object::Object;
use aesc_codec::rlp::{self, Encoder, Item, ItemKind};
use aesc_codec::state::mpt::{Node, NodeRef, Proof};
use aesc_codec::state::{
    Account, CallsTree, Channel, Contract, ContractCall, Mtree, OffChainState, StateTrees,
    SubtreePoi, TreesPoi,
};
use aesc_codec::tx::{SignedTx, Tx};
use serde_json::Value;

pub mod alloc;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

/// Prefixed strings: whatever decodes re-encodes to the same text.
pub fn encoding_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok((prefix, body)) = encoding::decode(text) {
        assert_eq!(encoding::encode(prefix, &body), text, "decode/encode is not exact");
    }
}

/// RLP: whatever decodes re-encodes to exactly the same bytes.
pub fn rlp_decode(data: &[u8]) {
    if let Ok(item) = rlp::decode_exact(data) {
        let mut enc = Encoder::new();
        reencode(&item, &mut enc);
        assert_eq!(enc.finish(), data, "rlp decode/encode is not exact");
    }
}

fn reencode(item: &Item<'_>, enc: &mut Encoder) {
    match &item.kind {
        ItemKind::Bytes(b) => {
            enc.bytes(b);
        }
        ItemKind::List(items) => {
            enc.list(|l| items.iter().for_each(|i| reencode(i, l)));
        }
    }
}

/// RLP against the `rlp` crate (parity-common, 0.6): whatever the codec's strict decoder
/// accepts, `rlp` reads as the same tree, through both of its access paths (the `Rlp` view
/// and `Decodable`): the same kind of item at every place, the same byte strings, the same
/// list lengths and the same raw bytes for every item. (The converse does not hold: `rlp`
/// accepts input the codec refuses, see `tests/rlp_crate.rs`.)
pub fn rlp_differential(data: &[u8]) {
    if let Ok(item) = rlp::decode_exact(data) {
        same_tree(&item, &::rlp::Rlp::new(data));
    }
}

fn same_tree(ours: &Item<'_>, theirs: &::rlp::Rlp<'_>) {
    assert_eq!(theirs.as_raw(), ours.raw, "rlp crate: other raw bytes");
    match &ours.kind {
        ItemKind::Bytes(b) => {
            assert!(theirs.is_data() && !theirs.is_list(), "rlp crate: not a byte string");
            assert_eq!(theirs.data().ok(), Some(*b), "rlp crate: other payload");
            assert_eq!(theirs.as_val::<Vec<u8>>().ok().as_deref(), Some(*b), "rlp crate: decode");
        }
        ItemKind::List(items) => {
            assert!(theirs.is_list() && !theirs.is_data(), "rlp crate: not a list");
            assert_eq!(theirs.item_count().ok(), Some(items.len()), "rlp crate: other length");
            for (i, item) in items.iter().enumerate() {
                let at = theirs.at(i).expect("rlp crate reads every item of a valid list");
                same_tree(item, &at);
            }
            let iterated: Vec<&[u8]> = theirs.iter().map(|r| r.as_raw()).collect();
            let raws: Vec<&[u8]> = items.iter().map(|i| i.raw).collect();
            assert_eq!(iterated, raws, "rlp crate: iteration differs");
        }
    }
}

/// Transactions: whatever decodes re-encodes to the same bytes. The one permitted difference is
/// signature order: the node (and this codec) keeps a received order but always serializes
/// sorted, so input with unsorted signatures re-encodes sorted, at the same length, stably.
pub fn tx_decode_roundtrip(data: &[u8]) {
    if let Ok(signed) = SignedTx::from_rlp(data) {
        check_tx_roundtrip(data, signed.to_rlp(), signed.to_json(), |b| {
            SignedTx::from_rlp(b).ok().map(|t| (t.to_rlp(), t.to_json()))
        });
        let json_again = SignedTx::from_json(&signed.to_json()).expect("JSON form decodes");
        assert_eq!(json_again.to_rlp(), signed.to_rlp(), "JSON round trip changed the tx");
        let _ = signed.hash();
    } else if let Ok(tx) = Tx::from_rlp(data) {
        check_tx_roundtrip(data, tx.to_rlp(), tx.to_json(), |b| {
            Tx::from_rlp(b).ok().map(|t| (t.to_rlp(), t.to_json()))
        });
        let json_again = Tx::from_json(&tx.to_json()).expect("JSON form decodes");
        assert_eq!(json_again.to_rlp(), tx.to_rlp(), "JSON round trip changed the tx");
    }
}

fn check_tx_roundtrip(
    data: &[u8],
    again: Vec<u8>,
    json: Value,
    reparse: impl Fn(&[u8]) -> Option<(Vec<u8>, Value)>,
) {
    if again != data {
        assert!(has_unsorted_signatures(&json), "tx decode/encode is not exact");
        assert_eq!(again.len(), data.len(), "sorting signatures changed the length");
    }
    let (third, _) = reparse(&again).expect("canonical bytes decode");
    assert_eq!(third, again, "re-encoding is not stable");
}

fn has_unsorted_signatures(json: &Value) -> bool {
    match json {
        Value::Object(map) => {
            let here = map.get("signatures").and_then(Value::as_array).is_some_and(|sigs| {
                let parsed: Vec<Signature> =
                    sigs.iter().filter_map(|s| s.as_str()?.parse().ok()).collect();
                parsed.windows(2).any(|w| w[0] > w[1])
            });
            here || map.values().any(has_unsorted_signatures)
        }
        Value::Array(items) => items.iter().any(has_unsorted_signatures),
        _ => false,
    }
}

/// JSON-RPC frames, both directions: parsing never panics, and whatever parses re-parses to the
/// same value from its own serialization (idempotent: whitespace and key order do not
/// round-trip).
pub fn jsonrpc_frames(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(incoming) = jsonrpc::decode_incoming(text) {
        let frame = incoming.to_frame();
        let again = jsonrpc::decode_incoming(&frame).expect("own frame parses");
        assert_eq!(again.to_frame(), frame, "incoming frame is not idempotent");
        if let jsonrpc::Incoming::Notification(n) = &incoming {
            if let Ok(event) = NodeEvent::from_notification(n) {
                let _ = event.to_notification(None).to_frame();
            }
        }
    }
    if let Ok(request) = jsonrpc::decode_request(text) {
        let frame = request.to_frame();
        let again = jsonrpc::decode_request(&frame).expect("own request parses");
        assert_eq!(again.to_frame(), frame, "request frame is not idempotent");
        if let Ok(typed) = ClientRequest::from_request(&request) {
            let rebuilt = typed.to_request(request.id.clone());
            let retyped = ClientRequest::from_request(&rebuilt).expect("own request types");
            assert_eq!(retyped.to_request(request.id.clone()).to_frame(), rebuilt.to_frame());
        }
    }
    if let Ok(params) = jsonrpc::connect::ConnectParams::from_query(text) {
        let query = params.to_query();
        let again = jsonrpc::connect::ConnectParams::from_query(&query).expect("own query parses");
        assert_eq!(again.to_query(), query, "connect query is not idempotent");
    }
}

/// State objects: the PoI (`pi_`), state trees (`ss_`), call-state tree (`cs_`) and the single
/// objects Account, Channel, Contract and ContractCall. Whatever decodes re-encodes to exactly
/// the same bytes (the state decoders accept only canonical input, so no exception is
/// allowed), reads back from its JSON form, and yields hashes and proof lookups without
/// panicking; a failed decode points inside the input.
pub fn state_decode(data: &[u8]) {
    if let Some(poi) = check_object::<TreesPoi>(data) {
        check_poi(data, &poi);
    }
    if let Some(trees) = check_object::<StateTrees>(data) {
        check_trees(data, &trees);
    }
    if let Some(calls) = check_object::<CallsTree>(data) {
        let mpt_root = check_mtree(data, &calls.0);
        assert_eq!(calls.0.root_hash(), mpt_root, "calls root differs");
        let api = calls.to_api_string();
        assert_eq!(CallsTree::from_api_str(&api).as_ref(), Ok(&calls), "cs_ string round trip");
    }
    if let Some(account) = check_object::<Account>(data) {
        assert_eq!(Account::from_json(&account.to_json()).as_ref(), Ok(&account), "account JSON");
    }
    if let Some(channel) = check_object::<Channel>(data) {
        assert_eq!(Channel::from_json(&channel.to_json()).as_ref(), Ok(&channel), "channel JSON");
    }
    if let Some(contract) = check_object::<Contract>(data) {
        let again = Contract::from_json(&contract.to_json());
        assert_eq!(again.as_ref(), Ok(&contract), "contract JSON");
    }
    if let Some(call) = check_object::<ContractCall>(data) {
        assert_eq!(ContractCall::from_json(&call.to_json()).as_ref(), Ok(&call), "call JSON");
    }
}

/// Decodes `T`; on success checks the exact re-encoding, on failure that the error position
/// is inside the input.
fn check_object<T: Object>(data: &[u8]) -> Option<T> {
    match T::from_rlp(data) {
        Ok(v) => {
            assert_eq!(
                v.to_rlp(),
                data,
                "state object decode/encode is not exact (tag {})",
                T::TAG
            );
            Some(v)
        }
        Err(e) => {
            assert!(e.position <= data.len(), "error position {} past the input", e.position);
            None
        }
    }
}

/// Up to four 32-byte keys cut from the input (zero-padded), plus the empty key and a
/// one-byte key: lookups of keys that are mostly absent.
fn probe_keys(data: &[u8]) -> Vec<[u8; 32]> {
    data.chunks(32)
        .take(4)
        .chain([&[][..], data.get(..1).unwrap_or_default()])
        .map(|chunk| {
            let mut key = [0u8; 32];
            key.iter_mut().zip(chunk).for_each(|(k, c)| *k = *c);
            key
        })
        .collect()
}

/// Packs an even number of nibbles into bytes.
fn pack_nibbles(path: &[u8]) -> Option<Vec<u8>> {
    let pairs = path.chunks_exact(2);
    pairs.remainder().is_empty().then(|| pairs.map(|p| (p[0] << 4) | (p[1] & 0x0f)).collect())
}

/// Keys that the proof's nodes lead to from `root` (leaves and branch values), found by a
/// bounded walk: lookups of keys that the proof may well prove.
fn proven_keys(proof: &Proof, root: &[u8; 32]) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let mut stack: Vec<(Node, Vec<u8>)> =
        proof.node(root).map(|n| (n.clone(), Vec::new())).into_iter().collect();
    let mut budget = 64;
    while let Some((node, path)) = stack.pop() {
        if budget == 0 || keys.len() >= 8 {
            break;
        }
        budget -= 1;
        let joined = |more: &[u8]| [path.as_slice(), more].concat();
        match node {
            Node::Leaf { path: rest, .. } => keys.extend(pack_nibbles(&joined(&rest))),
            Node::Extension { path: rest, child } => {
                if let Some(c) = proof.node(&child) {
                    stack.push((c.clone(), joined(&rest)));
                }
            }
            Node::Branch { children, value } => {
                if !value.is_empty() {
                    keys.extend(pack_nibbles(&path));
                }
                for (nibble, child) in (0u8..).zip(children.iter()) {
                    let next = match child {
                        NodeRef::Empty => None,
                        NodeRef::Hash(h) => proof.node(h).cloned(),
                        NodeRef::Embedded(rlp) => Node::from_rlp(rlp).ok(),
                    };
                    if let Some(c) = next {
                        stack.push((c, joined(&[nibble])));
                    }
                }
            }
        }
    }
    keys
}

fn check_poi(data: &[u8], poi: &TreesPoi) {
    let _ = poi.root_hash();
    let verified = poi.verify();
    let again = TreesPoi::from_json(&poi.to_json()).expect("PoI JSON form reads back");
    assert_eq!(&again, poi, "PoI JSON round trip");
    assert_eq!(TreesPoi::from_api_str(&poi.to_api_string()).as_ref(), Ok(poi), "pi_ round trip");
    let parts = [&poi.accounts, &poi.calls, &poi.channels, &poi.contracts, &poi.ns, &poi.oracles];
    let mut keys: Vec<Vec<u8>> = probe_keys(data).iter().map(|k| k.to_vec()).collect();
    for part in parts.into_iter().flatten() {
        keys.extend(proven_keys(&part.proof, &part.root_hash));
    }
    for key in &keys {
        for part in parts.into_iter().flatten() {
            let _ = part.proof.lookup(&part.root_hash, key);
        }
        let _ = poi.contracts_value(key);
        let Ok(key32) = <[u8; 32]>::try_from(key.as_slice()) else { continue };
        let account = poi.account(&aesc_codec::id::AccountId(key32));
        let contract = poi.contract(&aesc_codec::id::ContractId(key32));
        if verified.is_err() {
            assert!(account.is_err() && contract.is_err(), "lookup through an unverified PoI");
        }
    }
}

/// Checks one decoded subtree: a proof built from its entries answers every probed key as the
/// tree does. Returns the root hash.
fn check_mtree(data: &[u8], mtree: &Mtree) -> Option<[u8; 32]> {
    let mpt = mtree.to_mpt();
    let root = mpt.root_hash();
    let mut keys: Vec<Vec<u8>> = mtree.values.iter().take(8).map(|v| v.key.clone()).collect();
    keys.extend(probe_keys(data).iter().map(|k| k.to_vec()));
    let proof = mpt.proof(keys.iter().map(Vec::as_slice));
    match root {
        None => assert!(proof.nodes.is_empty(), "proof of an empty tree"),
        Some(root) => {
            assert_eq!(proof.verify(), Ok(()), "own proof does not verify");
            for key in &keys {
                let found = proof.lookup(&root, key).expect("own proof answers its keys");
                assert_eq!(found.as_deref(), mpt.get(key), "proof and tree disagree");
            }
        }
    }
    root
}

fn check_trees(data: &[u8], trees: &StateTrees) {
    let again = StateTrees::from_json(&trees.to_json()).expect("state trees JSON reads back");
    assert_eq!(&again, trees, "state trees JSON round trip");
    let api = trees.to_api_string();
    assert_eq!(StateTrees::from_api_str(&api).as_ref(), Ok(trees), "ss_ string round trip");
    let hash = trees.state_hash();
    // A PoI of every subtree, over the first few keys of each: it proves the same state hash.
    let subtree = |m: &Mtree| {
        check_mtree(data, m).map(|root_hash| {
            let keys = m.values.iter().take(8).map(|v| v.key.as_slice());
            SubtreePoi { root_hash, proof: m.to_mpt().proof(keys) }
        })
    };
    let poi = TreesPoi {
        accounts: subtree(&trees.accounts.0),
        calls: subtree(&trees.calls.0),
        channels: subtree(&trees.channels.0),
        contracts: subtree(&trees.contracts.0),
        ns: subtree(&trees.ns.0),
        oracles: subtree(&trees.oracles.0),
    };
    assert_eq!(poi.root_hash(), hash, "a PoI of the trees proves another state hash");
    assert_eq!(TreesPoi::from_rlp(&poi.to_rlp()).as_ref(), Ok(&poi), "built PoI round trip");
    if let Ok(state) = OffChainState::from_trees(trees) {
        assert_eq!(state.state_hash(), hash, "off-chain state hashes differently");
        let participants: Vec<_> = state.accounts().map(|(id, _)| *id).take(2).collect();
        let poi = state.poi(&participants).expect("PoI of present accounts");
        assert_eq!(poi.root_hash(), hash, "off-chain PoI proves another state hash");
    }
}

/// The client's frame handling: node frames (one per line, after a first byte choosing the
/// role) through the real I/O loop and channel session over an in-memory socket. No panic; the
/// memory the run takes at its peak is linear in the input; no frame holds the I/O loop for
/// long (the bound is far above a frame's real cost, even unoptimised, and far below what a
/// quadratic step on a large frame takes).
pub fn client_frames(data: &[u8]) {
    let Some((first, frames)) = data.split_first() else { return };
    // `I` (odd) for the initiator, `R` (even) for the responder, as the seeds start.
    let role =
        if first % 2 == 1 { aesc_client::Role::Initiator } else { aesc_client::Role::Responder };
    let base = alloc::start();
    let run = aesc_client::fuzzing::drive_frames(frames, role);
    let peak = alloc::peak_since(base);
    let bound = CLIENT_MEMORY_BASE + CLIENT_MEMORY_PER_BYTE * data.len();
    assert!(peak <= bound, "{peak} bytes at the peak for {} bytes of frames: {run:?}", data.len());
    assert!(run.longest_frame < CLIENT_FRAME_TIME, "one frame held the I/O loop: {run:?}");
    assert!(run.frames <= frames.len(), "more frames read than lines given: {run:?}");
}

/// What a client party costs whatever its input: session, view, buffers, the first keys and
/// event queue blocks.
const CLIENT_MEMORY_BASE: usize = 4 << 20;
/// What each byte of frames may cost at once: the socket's copy, the WebSocket message, the
/// parsed JSON and the decoded objects, and the events that keep them.
const CLIENT_MEMORY_PER_BYTE: usize = 32;
/// The longest one frame may keep the I/O loop busy.
const CLIENT_FRAME_TIME: std::time::Duration = std::time::Duration::from_secs(2);
