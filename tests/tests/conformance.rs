//! Conformance of the codec with every recorded session.
//!
//! Sources: `seeds/` and `live/` of the shared reference folder (when present) and every
//! markdown session under `$AESC_CORPUS` (skipped with a note when unset). For each session:
//!
//! * every prefixed string with a known prefix, in frames and in connect URLs, decodes and
//!   re-encodes byte-exactly; `tx_`, `pi_`, `ss_` and `cs_` also decode into their typed
//!   objects, which re-serialize byte-exactly, directly and through their JSON form. A string
//!   that does not decode must be one the node itself rejected (it appears in an error reply);
//! * every signature of every transaction (GA and PayingFor layers, and the co-signed states
//!   inside solo-transaction payloads) verifies against the session's participants with the
//!   session's network id, by a signer the transaction requires;
//! * every create transaction's channel id is recomputed from initiator, nonce and responder
//!   and appears as the `channel_id` of the session's frames, and every `channel_id` of a
//!   transaction is one the frames show;
//! * every recomputable state hash is recomputed: the initial state from the create tx and the
//!   connect URL's `push_amount`, the trees of `get.offchain_state` against the state hash of
//!   its `signed_tx`, and every PoI root (frames and solo transactions) against a co-signed
//!   state hash of the session, and the trees of every force-progress tx against the state it
//!   starts from;
//! * every co-signed state is replayed where the recording allows it (module `replay`): from
//!   the initial state (or `get.offchain_state` trees, or the state an earlier session of the
//!   same group left), the updates of each new round are applied with the codec and the state
//!   hash must be the co-signed tx's; states that cannot be followed are counted by reason;
//! * every `th_` transaction hash in the frames is the hash of a transaction of the session.
//!
//! The counts are printed; any miss fails the test with the list of misses.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

#[path = "conformance/replay.rs"]
mod replay;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use aesc_codec::crypto::NetworkId;
use aesc_codec::derive;
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::object::Object;
use aesc_codec::state::{CallsTree, OffChainState, StateTrees, TreesPoi};
use aesc_codec::tx::{Payload, SignedTx, Tx};
use aesc_codec::Uint;
use aesc_testkit::recording::{self, query_pairs, Direction, Recording};
use serde_json::Value;

/// What was checked, summed over sessions.
#[derive(Debug, Default)]
struct Counts {
    sessions: usize,
    strings: usize,
    by_prefix: BTreeMap<&'static str, usize>,
    typed_objects: usize,
    json_round_trips: usize,
    node_rejected_strings: usize,
    signed_txs: usize,
    unsigned_txs: usize,
    signatures_verified: usize,
    payload_signatures_verified: usize,
    channel_ids_recomputed: usize,
    abandoned_creates: usize,
    tx_channel_ids_matched: usize,
    initial_state_hashes: usize,
    offchain_state_hashes: usize,
    poi_roots: usize,
    force_progress_trees: usize,
    tx_hashes: usize,
    /// Co-signed states recomputed by applying their round's updates to the previous state.
    states_replayed: usize,
    /// Where the replay of a channel started from, by kind of base.
    replay_bases: BTreeMap<&'static str, usize>,
    /// Co-signed states (and proposals) not replayed, by reason.
    replay_skips: BTreeMap<&'static str, usize>,
}

/// The misses, each naming its session.
#[derive(Debug, Default)]
struct Misses(Vec<String>);

impl Misses {
    fn add(&mut self, session: &str, what: impl std::fmt::Display) {
        self.0.push(format!("{session}: {what}"));
    }
}

/// A decoded `tx_` string.
struct DecodedTx {
    text: String,
    bytes: Vec<u8>,
    signed: Option<SignedTx>,
}

/// The state hash a transaction commits to, when it has one.
fn state_hash_of(tx: &Tx) -> Option<StateHash> {
    replay::state_of(tx).map(|(_, _, hash, _)| hash)
}

/// The channel id a transaction names, when it has one.
fn channel_id_of(tx: &Tx) -> Option<ChannelId> {
    match tx {
        Tx::ChannelOffChain(t) => Some(t.channel_id),
        Tx::ChannelDeposit(t) => Some(t.channel_id),
        Tx::ChannelWithdraw(t) => Some(t.channel_id),
        Tx::ChannelCloseMutual(t) => Some(t.channel_id),
        Tx::ChannelCloseSolo(t) => Some(t.channel_id),
        Tx::ChannelSlash(t) => Some(t.channel_id),
        Tx::ChannelSettle(t) => Some(t.channel_id),
        Tx::ChannelSnapshotSolo(t) => Some(t.channel_id),
        Tx::ChannelForceProgress(t) => Some(t.channel_id),
        Tx::ChannelSetDelegates(t) => Some(t.channel_id),
        _ => None,
    }
}

/// The payload (co-signed state) and PoI of solo transactions.
fn payload_and_poi(tx: &Tx) -> (Option<&Payload>, Option<&[u8]>) {
    match tx {
        Tx::ChannelCloseSolo(t) => (Some(&t.payload), Some(&t.poi)),
        Tx::ChannelSlash(t) => (Some(&t.payload), Some(&t.poi)),
        Tx::ChannelSnapshotSolo(t) => (Some(&t.payload), None),
        Tx::ChannelForceProgress(t) => (Some(&t.payload), None),
        _ => (None, None),
    }
}

/// Every value under key `key`, anywhere in `v`.
fn values_of<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| values_of(x, key, out)),
        Value::Object(o) => {
            for (k, x) in o {
                if k == key {
                    out.push(x);
                }
                values_of(x, key, out);
            }
        }
        _ => {}
    }
}

/// Every object in `v` that has all of `keys`.
fn objects_with<'a>(
    v: &'a Value,
    keys: &[&str],
    out: &mut Vec<&'a serde_json::Map<String, Value>>,
) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| objects_with(x, keys, out)),
        Value::Object(o) => {
            if keys.iter().all(|k| o.contains_key(*k)) {
                out.push(o);
            }
            o.values().for_each(|x| objects_with(x, keys, out));
        }
        _ => {}
    }
}

/// Decodes `s` into its typed object (for object prefixes) and checks both re-serializations.
fn check_typed(prefix: Prefix, body: &[u8], counts: &mut Counts) -> Result<(), String> {
    fn exact(what: &str, got: Vec<u8>, want: &[u8]) -> Result<(), String> {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what} re-serializes differently"))
        }
    }
    let e = |e: &dyn std::fmt::Display| e.to_string();
    match prefix {
        Prefix::Transaction => {
            if aesc_codec::object::peek_tag(body).map_err(|x| e(&x))?.0 == SignedTx::TAG {
                let t = SignedTx::from_rlp(body).map_err(|x| e(&x))?;
                exact("SignedTx", t.to_rlp(), body)?;
                let j = SignedTx::from_json(&t.to_json()).map_err(|x| e(&x))?;
                exact("SignedTx JSON", j.to_rlp(), body)?;
            } else {
                let t = Tx::from_rlp(body).map_err(|x| e(&x))?;
                exact("Tx", t.to_rlp(), body)?;
                exact("Tx JSON", Tx::from_json(&t.to_json()).map_err(|x| e(&x))?.to_rlp(), body)?;
            }
        }
        Prefix::Poi => {
            let t = TreesPoi::from_rlp(body).map_err(|x| e(&x))?;
            exact("TreesPoi", t.to_rlp(), body)?;
            exact(
                "TreesPoi JSON",
                TreesPoi::from_json(&t.to_json()).map_err(|x| e(&x))?.to_rlp(),
                body,
            )?;
        }
        Prefix::StateTrees => {
            let t = StateTrees::from_rlp(body).map_err(|x| e(&x))?;
            exact("StateTrees", t.to_rlp(), body)?;
            let j = StateTrees::from_json(&t.to_json()).map_err(|x| e(&x))?;
            exact("StateTrees JSON", j.to_rlp(), body)?;
        }
        Prefix::CallStateTree => {
            let t = CallsTree::from_rlp(body).map_err(|x| e(&x))?;
            exact("CallsTree", t.to_rlp(), body)?;
            let j = aesc_codec::state::Mtree::from_json(&t.0.to_json()).map_err(|x| e(&x))?;
            exact("CallsTree JSON", CallsTree(j).to_rlp(), body)?;
        }
        _ => return Ok(()),
    }
    counts.typed_objects += 1;
    counts.json_round_trips += 1;
    Ok(())
}

fn account(s: &str) -> Option<AccountId> {
    s.parse().ok()
}

/// Checks one session.
fn check_session(
    path: &Path,
    groups: &mut replay::Groups,
    counts: &mut Counts,
    misses: &mut Misses,
) {
    let session = path.display().to_string();
    let rec = match Recording::from_file(path) {
        Ok(r) => r,
        Err(e) => return misses.add(&session, format!("unreadable: {e}")),
    };
    counts.sessions += 1;
    let network = NetworkId::new(rec.network_id());

    // Strings the node rejected: everything quoted in an error reply.
    let mut rejected_by_node: HashSet<&str> = HashSet::new();
    for (_, _, json) in rec.frames() {
        if json.get("error").is_some() {
            rejected_by_node.extend(recording::prefixed_strings(json));
        }
    }

    // Every distinct string with a known prefix, frames and URLs.
    let mut strings: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |s: &str| {
        if recording::looks_prefixed(s)
            && s.get(..2).and_then(Prefix::from_text).is_some()
            && seen.insert(s.to_owned())
        {
            strings.push(s.to_owned());
        }
    };
    for (_, url) in rec.connects() {
        query_pairs(url).iter().for_each(|(_, v)| push(v));
    }
    for (_, _, json) in rec.frames() {
        recording::prefixed_strings(json).into_iter().for_each(&mut push);
    }

    let mut txs: Vec<DecodedTx> = Vec::new();
    let mut pois: Vec<TreesPoi> = Vec::new();
    let mut fp_trees: Vec<(String, StateHash, Option<StateHash>)> = Vec::new();
    for s in &strings {
        let (prefix, body) = match encoding::decode(s) {
            Ok(d) => d,
            Err(e) => {
                if rejected_by_node.contains(s.as_str()) {
                    counts.node_rejected_strings += 1;
                } else {
                    misses.add(&session, format!("{s} does not decode: {e}"));
                }
                continue;
            }
        };
        counts.strings += 1;
        *counts.by_prefix.entry(prefix.as_str()).or_default() += 1;
        if encoding::encode(prefix, &body) != *s {
            misses.add(&session, format!("{s} re-encodes differently"));
        }
        if let Err(e) = check_typed(prefix, &body, counts) {
            misses.add(&session, format!("{s}: {e}"));
            continue;
        }
        match prefix {
            Prefix::Transaction => {
                let signed = SignedTx::from_rlp(&body).ok();
                txs.push(DecodedTx { text: s.clone(), bytes: body, signed });
            }
            Prefix::Poi => pois.push(TreesPoi::from_rlp(&body).unwrap()),
            _ => {}
        }
    }

    // Signers: the session's participants, else every account it mentions.
    let participants: Option<(AccountId, AccountId)> =
        rec.participants().and_then(|p| Some((account(&p.initiator)?, account(&p.responder)?)));
    let mut candidates: Vec<AccountId> = Vec::new();
    for p in rec.all_participants().iter().chain(rec.participants().as_ref()) {
        candidates.extend([&p.initiator, &p.responder].into_iter().filter_map(|a| account(a)));
    }
    if candidates.is_empty() {
        candidates.extend(rec.accounts().iter().filter_map(|a| account(a)));
    }

    let mut state_hashes: HashSet<StateHash> = HashSet::new();
    let mut tx_channel_ids: Vec<(String, ChannelId)> = Vec::new();
    let mut creates = Vec::new();
    for t in &txs {
        let Some(signed) = &t.signed else { continue };
        counts.signed_txs += 1;
        check_signatures(&session, signed, &network, &candidates, participants, counts, misses);
        let inner = signed.innermost_tx();
        state_hashes.extend(state_hash_of(inner));
        if let Some(id) = channel_id_of(inner) {
            tx_channel_ids.push((t.text.clone(), id));
        }
        if let Tx::ChannelCreate(c) = inner {
            creates.push((c.clone(), !signed.innermost().signatures.is_empty()));
        }
        let (payload, poi) = payload_and_poi(inner);
        let payload_state = payload.and_then(Payload::signed_tx);
        if let Some(p) = payload_state {
            let before = counts.signatures_verified;
            check_signatures(&session, p, &network, &candidates, participants, counts, misses);
            counts.payload_signatures_verified += counts.signatures_verified - before;
            state_hashes.extend(state_hash_of(p.innermost_tx()));
        }
        if let Some(poi) = poi {
            match TreesPoi::from_rlp(poi) {
                Ok(poi) => {
                    let want = payload_state.and_then(|p| state_hash_of(p.innermost_tx()));
                    match want {
                        Some(h) if h != poi.root_hash() => misses.add(
                            &session,
                            format!(
                                "PoI of {} proves {}, payload has {h}",
                                t.text,
                                poi.root_hash()
                            ),
                        ),
                        Some(_) => counts.poi_roots += 1,
                        // Empty payload: the last on-chain state, checked with the others.
                        None => pois.push(poi),
                    }
                }
                Err(e) => misses.add(&session, format!("PoI of {}: {e}", t.text)),
            }
        }
        if let Tx::ChannelForceProgress(fp) = inner {
            match StateTrees::from_rlp(&fp.offchain_trees) {
                Ok(trees) => {
                    let want = payload_state.and_then(|p| state_hash_of(p.innermost_tx()));
                    fp_trees.push((t.text.clone(), trees.state_hash(), want));
                }
                Err(e) => misses.add(&session, format!("trees of {}: {e}", t.text)),
            }
        }
    }
    // The trees a force progress starts from: its payload's state, or (empty payload) the last
    // on-chain state, one of the session's co-signed states.
    for (tx, got, want) in fp_trees {
        if want.map_or(state_hashes.contains(&got), |want| want == got) {
            counts.force_progress_trees += 1;
        } else {
            misses.add(&session, format!("trees of {tx} hash to {got}, its base is {want:?}"));
        }
    }

    check_channel_ids(&session, &rec, &creates, &tx_channel_ids, counts, misses);
    let initial = check_initial_states(&session, &rec, &creates, counts, misses);
    check_offchain_states(&session, &rec, counts, misses);
    replay::replay(path, &rec, &initial, groups, counts, misses);
    for poi in &pois {
        if let Err(e) = poi.verify() {
            misses.add(&session, format!("PoI proof does not verify: {e}"));
        } else if state_hashes.contains(&poi.root_hash()) {
            counts.poi_roots += 1;
        } else {
            misses.add(&session, format!("PoI root {} is no co-signed state", poi.root_hash()));
        }
    }
    check_tx_hashes(&session, &rec, &txs, counts, misses);
}

fn check_signatures(
    session: &str,
    signed: &SignedTx,
    network: &NetworkId,
    candidates: &[AccountId],
    participants: Option<(AccountId, AccountId)>,
    counts: &mut Counts,
    misses: &mut Misses,
) {
    let checks = signed.verify(network, candidates);
    if checks.is_empty() {
        counts.unsigned_txs += 1;
    }
    let required = participants.map(|(i, r)| signed.required_signers().accounts(&i, &r));
    for c in checks {
        match c.verified {
            None => misses.add(
                session,
                format!(
                    "signature {} of {} verifies with no participant",
                    c.signature,
                    signed.to_api_string()
                ),
            ),
            Some(v) => {
                if required.as_ref().is_some_and(|r| !r.contains(&v.signer)) {
                    misses.add(session, format!("{} signed a tx it need not sign", v.signer));
                }
                counts.signatures_verified += 1;
            }
        }
    }
}

fn check_channel_ids(
    session: &str,
    rec: &Recording,
    creates: &[(aesc_codec::tx::ChannelCreateTx, bool)],
    tx_ids: &[(String, ChannelId)],
    counts: &mut Counts,
    misses: &mut Misses,
) {
    let mut frame_ids: HashSet<String> = HashSet::new();
    for (_, _, json) in rec.frames() {
        let mut found = Vec::new();
        values_of(json, "channel_id", &mut found);
        frame_ids.extend(found.into_iter().filter_map(Value::as_str).map(str::to_owned));
    }
    for (_, url) in rec.connects() {
        frame_ids.extend(recording::query_param(url, "existing_channel_id"));
    }
    // A create that nobody signed (the opening was abandoned) never gets its id shown.
    let signed_ids: HashSet<ChannelId> =
        creates.iter().filter(|(_, signed)| *signed).map(|(c, _)| c.channel_id()).collect();
    let mut computed = HashSet::new();
    for (c, _) in creates {
        let id = derive::channel_id(&c.initiator_id, Uint::from(c.nonce), &c.responder_id);
        assert_eq!(id, c.channel_id());
        if !computed.insert(id) {
            continue;
        }
        if frame_ids.contains(&id.to_string()) {
            counts.channel_ids_recomputed += 1;
        } else if signed_ids.contains(&id) {
            misses.add(session, format!("channel id {id} of a signed create tx is in no frame"));
        } else {
            counts.abandoned_creates += 1;
        }
    }
    for (tx, id) in tx_ids {
        if frame_ids.contains(&id.to_string()) {
            counts.tx_channel_ids_matched += 1;
        } else {
            misses.add(session, format!("{tx} names channel {id}, which no frame shows"));
        }
    }
}

/// Recomputes the initial state of every create tx; returns the recomputed states (those
/// whose hash is the create tx's) with the channel reserve, by channel.
fn check_initial_states(
    session: &str,
    rec: &Recording,
    creates: &[(aesc_codec::tx::ChannelCreateTx, bool)],
    counts: &mut Counts,
    misses: &mut Misses,
) -> HashMap<ChannelId, (OffChainState, Uint)> {
    let mut initial = HashMap::new();
    // Each distinct create state is counted (or missed) once, whatever its channels.
    let mut done = HashSet::new();
    for (c, _) in creates {
        if initial.contains_key(&c.channel_id()) {
            continue;
        }
        let first = done.insert(c.state_hash);
        // The open parameters this create came from: same parties and amounts.
        let push = rec.connects().find_map(|(_, url)| {
            let q: BTreeMap<String, String> = query_pairs(url).into_iter().collect();
            let same = q.get("initiator_id") == Some(&c.initiator_id.to_string())
                && q.get("responder_id") == Some(&c.responder_id.to_string())
                && q.get("initiator_amount") == Some(&c.initiator_amount.to_string())
                && q.get("responder_amount") == Some(&c.responder_amount.to_string());
            same.then(|| q.get("push_amount").cloned().unwrap_or_else(|| "0".into()))
        });
        let Some(push) = push else {
            if first {
                let what = format!("no open parameters for the create of {}", c.channel_id());
                misses.add(session, what);
            }
            continue;
        };
        let push: Uint = push.parse().unwrap();
        let state = OffChainState::initial(
            c.initiator_id,
            c.initiator_amount.clone(),
            c.responder_id,
            c.responder_amount.clone(),
            push,
        );
        match state {
            Ok(s) if s.state_hash() == c.state_hash => {
                counts.initial_state_hashes += usize::from(first);
                initial.insert(c.channel_id(), (s, c.channel_reserve.clone()));
            }
            _ if !first => {}
            Ok(s) => misses.add(
                session,
                format!(
                    "initial state hash {} but the create tx has {}",
                    s.state_hash(),
                    c.state_hash
                ),
            ),
            Err(e) => misses.add(session, format!("initial state: {e}")),
        }
    }
    initial
}

fn check_offchain_states(session: &str, rec: &Recording, counts: &mut Counts, misses: &mut Misses) {
    let mut seen = HashSet::new();
    for (_, _, json) in rec.frames() {
        let mut found = Vec::new();
        objects_with(json, &["trees", "signed_tx"], &mut found);
        for o in found {
            let (Some(trees), Some(tx)) = (o["trees"].as_str(), o["signed_tx"].as_str()) else {
                continue;
            };
            if !seen.insert((trees.to_owned(), tx.to_owned())) {
                continue;
            }
            let trees =
                StateTrees::from_rlp(&encoding::decode_as(Prefix::StateTrees, trees).unwrap());
            let signed = SignedTx::from_api_str(tx);
            match (trees, signed) {
                (Ok(trees), Ok(signed)) => match state_hash_of(signed.innermost_tx()) {
                    Some(h) if h == trees.state_hash() => counts.offchain_state_hashes += 1,
                    other => misses.add(
                        session,
                        format!(
                            "offchain state trees hash to {}, tx has {other:?}",
                            trees.state_hash()
                        ),
                    ),
                },
                (t, s) => {
                    misses.add(session, format!("offchain state: {:?} / {:?}", t.err(), s.err()))
                }
            }
        }
    }
}

fn check_tx_hashes(
    session: &str,
    rec: &Recording,
    txs: &[DecodedTx],
    counts: &mut Counts,
    misses: &mut Misses,
) {
    let hashes: HashSet<String> =
        txs.iter().map(|t| derive::tx_hash(&t.bytes).to_string()).collect();
    let mut seen = HashSet::new();
    for (_, _, json) in rec.frames() {
        for s in recording::prefixed_strings(json) {
            if s.starts_with("th_") && seen.insert(s.to_owned()) {
                if hashes.contains(s) {
                    counts.tx_hashes += 1;
                } else {
                    misses
                        .add(session, format!("{s} is the hash of no transaction of the session"));
                }
            }
        }
    }
}

fn run(files: &[PathBuf]) -> Counts {
    let mut counts = Counts::default();
    let mut misses = Misses::default();
    let mut groups = replay::Groups::default();
    // Group set-ups first: the sessions of a group continue the channel they open.
    let is_setup = |f: &&PathBuf| f.file_name().is_some_and(|n| n == "init_per_group.md");
    let (setups, others): (Vec<&PathBuf>, Vec<&PathBuf>) = files.iter().partition(is_setup);
    for f in setups.into_iter().chain(others) {
        check_session(f, &mut groups, &mut counts, &mut misses);
    }
    eprintln!("{counts:#?}");
    if !misses.0.is_empty() {
        let mut msg = format!("{} misses:\n", misses.0.len());
        for m in misses.0.iter().take(40) {
            let _ = writeln!(msg, "  {}", m.chars().take(400).collect::<String>());
        }
        panic!("{msg}");
    }
    counts
}

#[test]
fn seed_and_live_sessions_conform() {
    let mut files = Vec::new();
    for dir in [recording::seeds_dir(), recording::live_dir()].into_iter().flatten() {
        files.extend(recording::files_with_extension(&dir, "txt", false));
    }
    if files.is_empty() {
        eprintln!("shared/seeds and shared/live not found; skipped");
        return;
    }
    let c = run(&files);
    assert_eq!(c.sessions, 5);
    assert!(c.signatures_verified >= 20, "{c:?}");
    assert!(c.channel_ids_recomputed >= 4, "{c:?}");
    assert!(c.initial_state_hashes >= 4, "{c:?}");
    assert!(c.states_replayed >= 3 && c.replay_skips.is_empty(), "{c:?}");
}

#[test]
fn corpus_sessions_conform() {
    let Some(dir) = recording::corpus_dir() else {
        eprintln!("AESC_CORPUS not set; corpus conformance skipped");
        return;
    };
    let files = recording::files_with_extension(&dir, "md", true);
    let c = run(&files);
    assert_eq!(c.sessions, files.len());
    assert!(c.signatures_verified > 1000, "{c:?}");
    assert!(c.poi_roots > 0 && c.offchain_state_hashes > 0 && c.tx_hashes > 0, "{c:?}");
    assert!(c.states_replayed >= 100 && c.force_progress_trees > 0, "{c:?}");
}

/// The vectors committed under `tests/data/`, derived from the seed and live sessions.
const VECTORS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/recorded_vectors.json");

/// Derives the vectors of the seed and live sessions: every distinct transaction with its
/// hash, type and signers, every channel id and every initial state hash, and every sign
/// request the node sent a client (role, tag, transaction, updates), in order.
fn derive_vectors(files: &[PathBuf]) -> Value {
    let mut sessions = Vec::new();
    for path in files {
        let rec = Recording::from_file(path).unwrap();
        let network = NetworkId::new(rec.network_id());
        let p = rec.participants().unwrap();
        let signers = [account(&p.initiator).unwrap(), account(&p.responder).unwrap()];
        let mut seen = HashSet::new();
        let mut txs = Vec::new();
        let mut channels = Vec::new();
        let mut sign_requests = Vec::new();
        for (role, direction, json) in rec.frames() {
            let method = json["method"].as_str().unwrap_or_default();
            if let (Direction::FromNode, Some(tag)) =
                (direction, method.strip_prefix("channels.sign."))
            {
                let data = &json["params"]["data"];
                sign_requests.push(serde_json::json!({
                    "role": role.to_string(),
                    "tag": tag,
                    "signed_tx": data["signed_tx"],
                    "updates": data["updates"],
                }));
            }
            for s in recording::prefixed_strings(json) {
                if !s.starts_with("tx_") || !seen.insert(s.to_owned()) {
                    continue;
                }
                let signed = SignedTx::from_api_str(s).unwrap();
                let bytes = encoding::decode_as(Prefix::Transaction, s).unwrap();
                let checks: Vec<Value> = signed
                    .verify(&network, &signers)
                    .iter()
                    .map(|c| {
                        let v = c.verified.unwrap();
                        serde_json::json!({"signer": v.signer.to_string(), "form": v.form.as_str()})
                    })
                    .collect();
                txs.push(serde_json::json!({
                    "tx": s,
                    "tx_hash": derive::tx_hash(&bytes).to_string(),
                    "type": signed.innermost_tx().kind().name(),
                    "signatures": checks,
                }));
                if let Tx::ChannelCreate(c) = signed.innermost_tx() {
                    let push = rec
                        .connects()
                        .find_map(|(_, u)| recording::query_param(u, "push_amount"))
                        .unwrap();
                    let entry = serde_json::json!({
                        "initiator": c.initiator_id.to_string(),
                        "responder": c.responder_id.to_string(),
                        "nonce": c.nonce,
                        "channel_id": c.channel_id().to_string(),
                        "initiator_amount": c.initiator_amount.to_json(),
                        "responder_amount": c.responder_amount.to_json(),
                        "push_amount": push.parse::<Uint>().unwrap().to_json(),
                        "state_hash": c.state_hash.to_string(),
                    });
                    if !channels.contains(&entry) {
                        channels.push(entry);
                    }
                }
            }
        }
        let dir = path.parent().and_then(Path::file_name).unwrap().to_str().unwrap();
        let file = path.file_name().unwrap().to_str().unwrap();
        sessions.push(serde_json::json!({
            "session": format!("{dir}/{file}"),
            "network_id": rec.network_id(),
            "initiator": p.initiator,
            "responder": p.responder,
            "channels": channels,
            "txs": txs,
            "sign_requests": sign_requests,
        }));
    }
    serde_json::json!({ "sessions": sessions })
}

/// The committed vectors hold on their own, without the recordings: every transaction
/// re-encodes, hashes and verifies as recorded, every channel id and initial state hash is
/// recomputed.
#[test]
fn committed_vectors_hold() {
    let text = std::fs::read_to_string(VECTORS_PATH).unwrap();
    let vectors: Value = serde_json::from_str(&text).unwrap();
    let (mut txs, mut sigs, mut channels) = (0, 0, 0);
    for s in vectors["sessions"].as_array().unwrap() {
        let network = NetworkId::new(s["network_id"].as_str().unwrap());
        let signers = [
            account(s["initiator"].as_str().unwrap()).unwrap(),
            account(s["responder"].as_str().unwrap()).unwrap(),
        ];
        for t in s["txs"].as_array().unwrap() {
            let text = t["tx"].as_str().unwrap();
            let signed = SignedTx::from_api_str(text).unwrap();
            assert_eq!(signed.to_api_string(), text);
            assert_eq!(signed.hash().to_string(), t["tx_hash"].as_str().unwrap());
            assert_eq!(signed.innermost_tx().kind().name(), t["type"].as_str().unwrap());
            let got: Vec<Value> = signed
                .verify(&network, &signers)
                .iter()
                .map(|c| {
                    let v = c.verified.unwrap();
                    serde_json::json!({"signer": v.signer.to_string(), "form": v.form.as_str()})
                })
                .collect();
            assert_eq!(Value::Array(got.clone()), t["signatures"], "{text}");
            txs += 1;
            sigs += got.len();
        }
        for c in s["channels"].as_array().unwrap() {
            let initiator = account(c["initiator"].as_str().unwrap()).unwrap();
            let responder = account(c["responder"].as_str().unwrap()).unwrap();
            let uint = |k: &str| Uint::from_json(&c[k]).unwrap();
            let id = derive::channel_id(&initiator, uint("nonce"), &responder);
            assert_eq!(id.to_string(), c["channel_id"].as_str().unwrap());
            let state = OffChainState::initial(
                initiator,
                uint("initiator_amount"),
                responder,
                uint("responder_amount"),
                uint("push_amount"),
            )
            .unwrap();
            assert_eq!(state.state_hash().to_string(), c["state_hash"].as_str().unwrap());
            channels += 1;
        }
    }
    eprintln!("committed vectors: {txs} txs, {sigs} signatures, {channels} channels");
    assert!(txs >= 30 && sigs >= 30 && channels >= 4, "{txs} {sigs} {channels}");
}

/// The committed vectors are what the seed and live sessions give today
/// (`AESC_WRITE_VECTORS=1` rewrites them).
#[test]
fn committed_vectors_match_the_recordings() {
    let mut files = Vec::new();
    for dir in [recording::seeds_dir(), recording::live_dir()].into_iter().flatten() {
        files.extend(recording::files_with_extension(&dir, "txt", false));
    }
    if files.is_empty() {
        eprintln!("shared/seeds and shared/live not found; skipped");
        return;
    }
    let derived = derive_vectors(&files);
    if std::env::var_os("AESC_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&derived).unwrap() + "\n";
        std::fs::write(VECTORS_PATH, text).unwrap();
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(VECTORS_PATH).unwrap()).unwrap();
    assert_eq!(committed, derived, "run with AESC_WRITE_VECTORS=1 to refresh tests/data");
}
