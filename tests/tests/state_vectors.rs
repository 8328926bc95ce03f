//! State trees, state hashes and proofs of inclusion against recorded node traffic.
//!
//! Sources: the recorded sessions under `$AESC_CORPUS` (markdown, skipped with a note when the
//! variable is unset), plus the seed and live sessions of the shared reference folder when it
//! is present next to the workspace. For every session, in message order:
//!
//! * every `ss_`, `cs_` and `pi_` string decodes and re-encodes byte-exactly, and an `ss_`
//!   rebuilt through `OffChainState` is byte-identical again;
//! * every `get.offchain_state` result's trees hash to the state hash of its `signed_tx`, and
//!   the calls of its trees are in its call-state tree (`calls`);
//! * every `get.poi` reply's root hash is the latest co-signed state hash, and — when the
//!   session also showed the trees of that state — the PoI rebuilt from those trees for the
//!   requested accounts and contracts is byte-identical to the node's;
//! * close-solo and slash PoIs and force-progress trees inside transactions round-trip and
//!   prove the state of their payload;
//! * every create transaction a node asks to sign carries the hash of the initial state, and
//!   every balance update it asks to sign, replayed on the previous co-signed state, gives the
//!   state hash of its transaction.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{AccountId, ContractId};
use aesc_codec::object::Object;
use aesc_codec::rlp::{self, Item};
use aesc_codec::state::{CallsTree, OffChainState, StateTrees, TreesPoi};
use aesc_codec::tx::Update;
use aesc_codec::Uint;
use serde_json::Value;

/// One JSON message of a recorded session.
struct Message {
    /// `initiator` or `responder`.
    who: String,
    /// Sent by the client (`--->`) rather than received.
    outgoing: bool,
    json: Value,
}

/// Extracts the JSON messages of a recording (markdown corpus or plain text seed), with the
/// nearest preceding `<role> ---> node` / `<role> <--- node` header.
fn messages(text: &str) -> Vec<Message> {
    let mut out = Vec::new();
    let mut who = String::new();
    let mut outgoing = false;
    let mut offset = 0;
    while offset < text.len() {
        let line_end = text[offset..].find('\n').map_or(text.len(), |n| offset + n + 1);
        let line = text[offset..line_end].trim_end();
        let header = line.trim_start_matches('#').trim();
        for role in ["initiator", "responder"] {
            if header.starts_with(role) && header.ends_with("node") {
                who = role.to_owned();
                outgoing = header.contains("--->");
            }
        }
        if line.starts_with('{') {
            let mut stream =
                serde_json::Deserializer::from_str(&text[offset..]).into_iter::<Value>();
            if let Some(Ok(json)) = stream.next() {
                let end = offset + stream.byte_offset();
                out.push(Message { who: who.clone(), outgoing, json });
                offset = text[end..].find('\n').map_or(text.len(), |n| end + n + 1);
                continue;
            }
        }
        offset = line_end;
    }
    out
}

fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

fn objects<'a>(v: &'a Value, out: &mut Vec<&'a serde_json::Map<String, Value>>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| objects(x, out)),
        Value::Object(o) => {
            out.push(o);
            o.values().for_each(|x| objects(x, out));
        }
        _ => {}
    }
}

/// The state hash carried by a serialized channel transaction, unwrapping a SignedTx, and
/// the number of signatures.
fn tx_state_hash(bytes: &[u8]) -> Option<([u8; 32], usize)> {
    let item = rlp::decode_exact(bytes).ok()?;
    let list = item.as_list().ok()?;
    let tag = list.first()?.as_u64().ok()?;
    let vsn = list.get(1)?.as_u64().ok()?;
    let field = |i: usize| list.get(i + 2);
    let hash = |i: &Item<'_>| i.as_array::<32>().ok();
    match (tag, vsn) {
        (11, 1) => {
            let sigs = field(0)?.as_list().ok()?.len();
            let (h, _) = tx_state_hash(field(1)?.as_bytes().ok()?)?;
            Some((h, sigs))
        }
        (57, 1) => Some((hash(field(3)?)?, 0)),
        (57, 2) => Some((hash(field(2)?)?, 0)),
        (50, 1) => Some((hash(field(9)?)?, 0)),
        (50, 2) => Some((hash(field(10)?)?, 0)),
        (51 | 52 | 521 | 501, 1) => Some((hash(field(5)?)?, 0)),
        _ => None,
    }
}

#[derive(Default)]
struct Counts {
    sessions: usize,
    ss: usize,
    cs: usize,
    pi: usize,
    rebuilt_trees: usize,
    offchain_states: usize,
    pois: usize,
    pois_rebuilt: usize,
    poi_accounts_read: usize,
    tx_pois: usize,
    tx_pois_rebuilt: usize,
    tx_trees: usize,
    initial_states: usize,
    replayed: usize,
}

fn check_session(name: &str, text: &str, counts: &mut Counts) {
    counts.sessions += 1;
    let mut latest_cosigned: Option<[u8; 32]> = None;
    let mut trees_by_hash: HashMap<[u8; 32], StateTrees> = HashMap::new();
    let mut poi_request: HashMap<String, Value> = HashMap::new();
    let params = UrlParams::from_session(text);
    let mut known: HashMap<[u8; 32], OffChainState> = HashMap::new();
    for msg in messages(text) {
        replay_sign_request(name, &msg.json, &params, latest_cosigned, &mut known, counts);
        let mut strs = Vec::new();
        strings(&msg.json, &mut strs);
        for s in strs {
            check_string(name, s, counts, &mut trees_by_hash);
            if let Ok((Prefix::Transaction, bytes)) = encoding::decode(s) {
                check_solo_tx(name, &bytes, latest_cosigned.as_ref(), &trees_by_hash, counts);
                if let Some((h, sigs)) = tx_state_hash(&bytes) {
                    if sigs >= 2 {
                        latest_cosigned = Some(h);
                    }
                }
            }
        }
        if msg.json["method"] == "channels.get.poi" && msg.outgoing {
            poi_request.insert(msg.who.clone(), msg.json["params"].clone());
        }
        let mut objs = Vec::new();
        objects(&msg.json, &mut objs);
        for o in objs {
            if let (Some(Value::String(trees)), Some(Value::String(tx))) =
                (o.get("trees"), o.get("signed_tx"))
            {
                let state = check_offchain_state(name, trees, tx, o.get("calls"));
                known.insert(state.state_hash().0, state);
                counts.offchain_states += 1;
            }
            if let Some(Value::String(poi)) = o.get("poi") {
                let request = poi_request.get(&msg.who);
                let cosigned = latest_cosigned
                    .unwrap_or_else(|| panic!("{name}: a PoI before any co-signed state"));
                check_poi(name, poi, &cosigned, request, &trees_by_hash, counts);
            }
        }
    }
}

fn check_string(
    name: &str,
    s: &str,
    counts: &mut Counts,
    trees_by_hash: &mut HashMap<[u8; 32], StateTrees>,
) {
    let Ok((prefix, bytes)) = encoding::decode(s) else { return };
    match prefix {
        Prefix::StateTrees => {
            let trees = StateTrees::from_rlp(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {s} does not decode: {e}"));
            assert_eq!(trees.to_rlp(), bytes, "{name}: {s} re-encodes differently");
            assert_eq!(StateTrees::from_api_str(s).unwrap().to_api_string(), s);
            assert_eq!(StateTrees::from_json(&trees.to_json()).unwrap(), trees);
            let state = OffChainState::from_trees(&trees)
                .unwrap_or_else(|e| panic!("{name}: {s} is not a channel state: {e}"));
            assert_eq!(state.to_trees().to_rlp(), bytes, "{name}: {s} rebuilt differently");
            assert_eq!(state.state_hash(), trees.state_hash());
            assert_eq!(OffChainState::from_json(&state.to_json()).unwrap(), state);
            trees_by_hash.insert(trees.state_hash().0, trees);
            counts.ss += 1;
            counts.rebuilt_trees += 1;
        }
        Prefix::CallStateTree => {
            let calls = CallsTree::from_rlp(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {s} does not decode: {e}"));
            assert_eq!(calls.to_rlp(), bytes, "{name}: {s} re-encodes differently");
            assert_eq!(CallsTree::from_api_str(s).unwrap().to_api_string(), s);
            counts.cs += 1;
        }
        Prefix::Poi => {
            let poi = TreesPoi::from_rlp(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {s} does not decode: {e}"));
            assert_eq!(poi.to_rlp(), bytes, "{name}: {s} re-encodes differently");
            assert_eq!(TreesPoi::from_api_str(s).unwrap().to_api_string(), s);
            poi.verify().unwrap_or_else(|e| panic!("{name}: {s}: {e}"));
            assert_eq!(TreesPoi::from_json(&poi.to_json()).unwrap(), poi);
            counts.pi += 1;
        }
        _ => {}
    }
}

/// The inner transaction of a SignedTx: `(tag, fields)`.
fn inner_tx(signed: &[u8]) -> Option<(u64, Vec<Vec<u8>>)> {
    let item = rlp::decode_exact(signed).ok()?;
    let list = item.as_list().ok()?;
    if list.first()?.as_u64().ok()? != 11 {
        return None;
    }
    let inner = rlp::decode_exact(list.get(3)?.as_bytes().ok()?).ok()?;
    let fields = inner.as_list().ok()?;
    let tag = fields.first()?.as_u64().ok()?;
    Some((tag, fields.iter().skip(2).map(|f| f.raw.to_vec()).collect()))
}

/// Close solo and slash carry a PoI, force progress the trees before its update: both must
/// round-trip and prove the state of the payload (or, with an empty payload, of the latest
/// co-signed state).
fn check_solo_tx(
    name: &str,
    signed: &[u8],
    latest: Option<&[u8; 32]>,
    trees_by_hash: &HashMap<[u8; 32], StateTrees>,
    counts: &mut Counts,
) {
    let Some((tag, fields)) = inner_tx(signed) else { return };
    let (payload_at, object_at) = match tag {
        54 | 55 => (2, 3),
        521 => (2, 6),
        _ => return,
    };
    let bytes_of = |i: usize| {
        let raw = &fields[i];
        rlp::decode_exact(raw).unwrap().as_bytes().unwrap().to_vec()
    };
    let payload = bytes_of(payload_at);
    let object = bytes_of(object_at);
    let proven = if tag == 521 {
        let trees = StateTrees::from_rlp(&object)
            .unwrap_or_else(|e| panic!("{name}: force-progress trees: {e}"));
        assert_eq!(trees.to_rlp(), object, "{name}: force-progress trees re-encode differently");
        counts.tx_trees += 1;
        trees.state_hash().0
    } else {
        let poi = TreesPoi::from_rlp(&object).unwrap_or_else(|e| panic!("{name}: tx PoI: {e}"));
        assert_eq!(poi.to_rlp(), object, "{name}: tx PoI re-encodes differently");
        poi.verify().unwrap();
        counts.tx_pois += 1;
        // The FSM proves the participants, and every contract when there are any.
        if let Some(trees) = trees_by_hash.get(&poi.root_hash().0) {
            let state = OffChainState::from_trees(trees).unwrap();
            let participants: Vec<AccountId> = state.participants().copied().collect();
            let contracts: Vec<ContractId> = state
                .contracts()
                .iter()
                .filter_map(|(k, _)| <[u8; 32]>::try_from(k).ok().map(ContractId))
                .collect();
            let rebuilt = state.poi_with_contracts(&participants, &contracts).unwrap();
            assert_eq!(rebuilt.to_rlp(), object, "{name}: rebuilt solo-tx PoI differs");
            counts.tx_pois_rebuilt += 1;
        }
        poi.root_hash().0
    };
    let expected =
        if payload.is_empty() { latest.copied() } else { tx_state_hash(&payload).map(|(h, _)| h) };
    if let Some(expected) = expected {
        assert_eq!(proven, expected, "{name}: solo tx proves another state than its payload");
    }
}

fn check_offchain_state(name: &str, trees: &str, tx: &str, calls: Option<&Value>) -> OffChainState {
    let trees = StateTrees::from_rlp(&encoding::decode_as(Prefix::StateTrees, trees).unwrap())
        .unwrap_or_else(|e| panic!("{name}: trees: {e}"));
    let tx_bytes = encoding::decode_as(Prefix::Transaction, tx).unwrap();
    let (hash, _) =
        tx_state_hash(&tx_bytes).unwrap_or_else(|| panic!("{name}: {tx} carries no state hash"));
    assert_eq!(trees.state_hash().0, hash, "{name}: trees do not hash to the signed state hash");
    if let Some(Value::String(cs)) = calls {
        // The FSM's call-state tree keeps every call of the channel, the state only the
        // calls since the last update: the state's calls are among them.
        let calls =
            CallsTree::from_rlp(&encoding::decode_as(Prefix::CallStateTree, cs).unwrap()).unwrap();
        for v in &trees.calls.0.values {
            assert_eq!(calls.0.get(&v.key), Some(v.value.as_slice()), "{name}: call not in cs_");
        }
    }
    OffChainState::from_trees(&trees).unwrap()
}

/// Channel parameters from the session's connection URLs.
struct UrlParams {
    push_amount: Option<Uint>,
    channel_reserve: Option<Uint>,
}

impl UrlParams {
    fn from_session(text: &str) -> Self {
        let find = |key: &str| {
            let pat = format!("{key}=");
            text.split(['?', '&', '\n'])
                .find_map(|p| p.strip_prefix(pat.as_str()))
                .and_then(|v| v.trim().parse::<Uint>().ok())
        };
        UrlParams { push_amount: find("push_amount"), channel_reserve: find("channel_reserve") }
    }
}

/// Replays what a signing client checks: the state hash of a sign request's transaction is
/// the hash of the initial state (create) or of the previous co-signed state with the
/// request's balance updates applied.
fn replay_sign_request(
    name: &str,
    json: &Value,
    params: &UrlParams,
    latest: Option<[u8; 32]>,
    known: &mut HashMap<[u8; 32], OffChainState>,
    counts: &mut Counts,
) {
    let method = json["method"].as_str().unwrap_or_default();
    let data = &json["params"]["data"];
    let (Some(tx), Some(updates)) = (data["signed_tx"].as_str(), data["updates"].as_array()) else {
        return;
    };
    if !method.starts_with("channels.sign.") {
        return;
    }
    let Ok(bytes) = encoding::decode_as(Prefix::Transaction, tx) else { return };
    let Some((hash, _)) = tx_state_hash(&bytes) else { return };
    let Some((tag, fields)) = inner_tx(&bytes) else { return };
    if tag == 50 {
        let Some(push) = &params.push_amount else { return };
        let item = |i: usize| fields[i].clone();
        let id = |i: usize| {
            let raw = item(i);
            let b = rlp::decode_exact(&raw).unwrap().as_array::<33>().unwrap();
            AccountId(b[1..].try_into().unwrap())
        };
        let amount = |i: usize| {
            let raw = item(i);
            Uint::from_be_bytes(rlp::decode_exact(&raw).unwrap().as_bytes().unwrap())
        };
        let state = OffChainState::initial(id(0), amount(1), id(2), amount(3), push.clone())
            .unwrap_or_else(|e| panic!("{name}: initial state: {e}"));
        assert_eq!(state.state_hash().0, hash, "{name}: initial state hash differs");
        known.insert(hash, state);
        counts.initial_states += 1;
        return;
    }
    let Some(mut state) = latest.and_then(|h| known.get(&h)).cloned() else { return };
    let reserve = params.channel_reserve.clone().unwrap_or_default();
    let Ok(updates) = updates.iter().map(Update::from_json).collect::<Result<Vec<_>, _>>() else {
        panic!("{name}: {method}: updates do not parse");
    };
    if updates
        .iter()
        .any(|u| matches!(u, Update::CreateContract { .. } | Update::CallContract { .. }))
    {
        return;
    }
    state
        .apply_all(&updates, &reserve)
        .unwrap_or_else(|(i, e)| panic!("{name}: update {i} of {method} rejected: {e}"));
    assert_eq!(state.state_hash().0, hash, "{name}: {method}: replayed state hash differs");
    counts.replayed += 1;
    known.insert(hash, state);
}

fn ids<T: std::str::FromStr>(request: &Value, key: &str) -> Option<Vec<T>> {
    match &request[key] {
        Value::Null => Some(Vec::new()),
        Value::Array(a) => a.iter().map(|x| x.as_str()?.parse().ok()).collect(),
        _ => None,
    }
}

fn check_poi(
    name: &str,
    poi: &str,
    cosigned: &[u8; 32],
    request: Option<&Value>,
    trees_by_hash: &HashMap<[u8; 32], StateTrees>,
    counts: &mut Counts,
) {
    let bytes = encoding::decode_as(Prefix::Poi, poi).unwrap();
    let poi = TreesPoi::from_rlp(&bytes).unwrap();
    assert_eq!(&poi.root_hash().0, cosigned, "{name}: PoI is not of the latest co-signed state");
    counts.pois += 1;
    let Some(request) = request else { return };
    let (Some(accounts), Some(contracts)) =
        (ids::<AccountId>(request, "accounts"), ids::<ContractId>(request, "contracts"))
    else {
        return;
    };
    for a in &accounts {
        let account = poi.account(a).unwrap_or_else(|e| panic!("{name}: {a}: {e}"));
        assert!(account.is_some(), "{name}: PoI lacks requested account {a}");
        counts.poi_accounts_read += 1;
    }
    if let Some(trees) = trees_by_hash.get(cosigned) {
        let state = OffChainState::from_trees(trees).unwrap();
        for a in &accounts {
            let read = poi.account(a).unwrap().unwrap();
            assert_eq!(Some(&read), state.account(a), "{name}: {a} differs from the trees");
        }
        let rebuilt = state.poi_with_contracts(&accounts, &contracts).unwrap();
        assert_eq!(rebuilt.to_rlp(), bytes, "{name}: rebuilt PoI differs from the node's");
        counts.pois_rebuilt += 1;
    }
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            markdown_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "md" || x == "txt") {
            out.push(p);
        }
    }
}

fn shared_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [manifest.join("../../shared"), manifest.join("../../../shared")]
        .into_iter()
        .find(|p| p.join("seeds").is_dir())
}

fn run(files: &[PathBuf]) -> Counts {
    let mut counts = Counts::default();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap();
        check_session(&f.display().to_string(), &text, &mut counts);
    }
    counts
}

fn report(what: &str, c: &Counts) {
    println!(
        "{what}: {} sessions; ss_ {} (rebuilt {}), cs_ {}, pi_ {}; offchain states {}; \
         PoIs {} (rebuilt {}, accounts read {}); PoIs in solo txs {} (rebuilt {}), trees in force \
         progress {}; initial states {}, replayed sign requests {}",
        c.sessions,
        c.ss,
        c.rebuilt_trees,
        c.cs,
        c.pi,
        c.offchain_states,
        c.pois,
        c.pois_rebuilt,
        c.poi_accounts_read,
        c.tx_pois,
        c.tx_pois_rebuilt,
        c.tx_trees,
        c.initial_states,
        c.replayed
    );
}

#[test]
fn corpus_state_hashes_and_pois() {
    let Some(dir) = std::env::var_os("AESC_CORPUS") else {
        println!("AESC_CORPUS is not set: the recorded corpus is skipped");
        return;
    };
    let mut files = Vec::new();
    markdown_files(Path::new(&dir), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no recordings under {}", Path::new(&dir).display());
    let counts = run(&files);
    report("corpus", &counts);
    assert!(counts.offchain_states > 0 && counts.pois > 0 && counts.pois_rebuilt > 0);
}

#[test]
fn seed_and_live_sessions() {
    let Some(shared) = shared_dir() else {
        println!("the shared reference folder is not next to the workspace: skipped");
        return;
    };
    let mut files = Vec::new();
    markdown_files(&shared.join("seeds"), &mut files);
    markdown_files(&shared.join("live"), &mut files);
    files.sort();
    let counts = run(&files);
    report("seeds and live", &counts);
    assert!(counts.sessions > 0);
}
