//! Every error variant that no other test reached: one table of realistic bad inputs per
//! variant, each asserting the exact variant and, where the error carries one, the position,
//! key path or field.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use aesc_codec::crypto::{KeyParseError, SecretKey};
use aesc_codec::encoding::{self, ParseError, Prefix};
use aesc_codec::id::{AccountId, ContractId, Id, IdTag, StateHash};
use aesc_codec::jsonrpc::{decode_request, BrokenField, ClientRequest, EncodingKind, ParamsError};
use aesc_codec::object::Object;
use aesc_codec::rlp::{DecodeError, DecodeErrorKind as K, Encoder};
use aesc_codec::state::mpt::{Mpt, Node, NodeRef, Proof, ProofNode};
use aesc_codec::state::{
    Account, ApiStringError, CallsTree, Channel, ChannelVersion, Contract, ContractCall,
    ContractVersion, CtVersion, JsonError, OffChainState, PoiError, ProofError, ReturnType,
    StateTrees, SubtreePoi, TreesPoi,
};
use aesc_codec::tx::{JsonErrorKind, SignedTx, Tx, Update};
use serde_json::{json, Value};

const AK_I: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const AK_R: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";
const CT: &str = "ct_4haEgfNxEmpG8F5cXA8q4fgECEHLif6KG92Rvz3afsBGXmHVs";
const CH: &str = "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu";
const ST: &str = "st_ZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEbeZckq";
/// The spec's unsigned create tx (a SignedTx with no signatures).
const UNSIGNED_CREATE: &str = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";

/// The prefixed string `s` with the second character of its body changed (between two
/// characters valid in base58 and base64): the payload no longer matches its checksum.
fn broken_checksum(s: &str) -> String {
    let at = s.find('_').unwrap() + 2;
    let c = if &s[at..=at] == "A" { "B" } else { "A" };
    format!("{}{c}{}", &s[..at], &s[at + 1..])
}

fn account(s: &str) -> AccountId {
    s.parse().unwrap()
}

/// A copy of the JSON object `v` with `key` set to `value`.
fn with(v: &Value, key: &str, value: Value) -> Value {
    let mut v = v.clone();
    v[key] = value;
    v
}

/// A copy of the JSON object `v` without `key`.
fn without(v: &Value, key: &str) -> Value {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove(key);
    v
}

// ---------------------------------------------------------------------------------------------
// tx::JsonErrorKind::Rlp and ::Invalid
// ---------------------------------------------------------------------------------------------

/// A co-signable off-chain tx (version 2) as the node shows it.
fn offchain_tx_bytes() -> Vec<u8> {
    let tx = Tx::from_json(&json!({
        "type": "ChannelOffChainTx", "version": 2, "channel_id": CH, "round": 3, "state_hash": ST
    }))
    .unwrap();
    tx.to_rlp()
}

fn signed_create_bytes() -> Vec<u8> {
    encoding::decode_as(Prefix::Transaction, UNSIGNED_CREATE).unwrap()
}

#[test]
fn tx_json_with_a_tx_string_that_is_not_a_signed_tx_is_an_rlp_error() {
    let tx_string = |bytes: &[u8]| Value::from(encoding::encode(Prefix::Transaction, bytes));
    let offchain = offchain_tx_bytes();
    let signed = signed_create_bytes();
    let mut trailing = signed.clone();
    trailing.push(0);
    let truncated = &signed[..signed.len() - 1];

    let close_solo = json!({
        "type": "ChannelCloseSoloTx", "version": 1, "channel_id": CH, "from_id": AK_I,
        "payload": "tx_+A==", "poi": "pi_Xfbg4g==", "ttl": 0, "fee": 1, "nonce": 2
    });
    let paying_for = json!({
        "type": "PayingForTx", "version": 1, "payer_id": AK_R, "nonce": 1, "fee": 1,
        "tx": "tx_+A=="
    });
    let ga_meta = json!({
        "type": "GAMetaTx", "version": 2, "ga_id": AK_I, "auth_data": "cb_Xfbg4g==",
        "abi_version": 3, "fee": 1, "gas": 1000, "gas_price": 1000000000, "tx": "tx_+A=="
    });
    let cases: Vec<(&str, Value, &str, DecodeError)> = vec![
        (
            // The bare off-chain tx where its SignedTx wrapper belongs.
            "close-solo payload without its SignedTx envelope",
            with(&close_solo, "payload", tx_string(&offchain)),
            "payload",
            DecodeError::new(0, K::UnexpectedTag { expected: 11, found: 57 }),
        ),
        (
            "paying-for inner tx cut short by one byte",
            with(&paying_for, "tx", tx_string(truncated)),
            "tx",
            DecodeError::new(
                0,
                K::InputTooShort { needed: signed.len(), available: signed.len() - 1 },
            ),
        ),
        (
            "GA meta inner tx with a trailing byte",
            with(&ga_meta, "tx", tx_string(&trailing)),
            "tx",
            DecodeError::new(signed.len(), K::TrailingBytes { count: 1 }),
        ),
    ];
    for (what, value, path, expected) in cases {
        let err = Tx::from_json(&value).unwrap_err();
        assert_eq!(err.path, path, "{what}");
        assert!(matches!(err.kind, JsonErrorKind::Rlp(e) if e == expected), "{what}: {err:?}");
        // The same tx with the inner tx as a nested SignedTx object instead reads fine.
        let good = with(&value, path, SignedTx::from_api_str(UNSIGNED_CREATE).unwrap().to_json());
        assert!(Tx::from_json(&good).is_ok(), "{what}: control case");
    }
    // Wrapped one level deeper, the path says where.
    let err = SignedTx::from_json(&json!({
        "type": "SignedTx", "version": 1, "signatures": [],
        "tx": with(&close_solo, "payload", tx_string(&offchain))
    }))
    .unwrap_err();
    assert_eq!(err.path, "tx.payload");
    assert!(matches!(err.kind, JsonErrorKind::Rlp(DecodeError { position: 0, .. })));
}

#[test]
fn tx_json_values_breaking_a_field_rule_are_invalid() {
    let reconnect = json!({
        "type": "ChannelClientReconnectTx", "version": 1, "channel_id": CH, "round": 4,
        "role": "initiator", "pub_key": AK_I
    });
    assert!(Tx::from_json(&reconnect).is_ok());
    let new_contract = json!({
        "op": "OffChainNewContract", "owner": AK_I, "vm_version": 7, "abi_version": 3,
        "code": "cb_Xfbg4g==", "deposit": 1, "call_data": "cb_Xfbg4g=="
    });
    assert!(Update::from_json(&new_contract).is_ok());
    const ROLE: &str = "role is neither initiator nor responder";
    const PACK: &str = "vm_version and abi_version do not pack into a ct_version";

    let offchain_v1 = |update: Value| {
        json!({
            "type": "ChannelOffChainTx", "version": 1, "channel_id": CH, "round": 3,
            "updates": [{"op": "OffChainMeta", "data": "hello"}, update], "state_hash": ST
        })
    };
    let txs: Vec<(&str, Value, &str, &str)> = vec![
        ("reconnect as an observer", with(&reconnect, "role", json!("observer")), "role", ROLE),
        (
            "reconnect with a capitalised role",
            with(&reconnect, "role", json!("Responder")),
            "role",
            ROLE,
        ),
        (
            "new contract with vm 0 and abi 3",
            offchain_v1(with(&new_contract, "vm_version", json!(0))),
            "updates[1].vm_version",
            PACK,
        ),
        (
            "new contract with a vm above 16 bits",
            offchain_v1(with(&new_contract, "vm_version", json!(0x1_0000))),
            "updates[1].vm_version",
            PACK,
        ),
    ];
    for (what, value, path, rule) in txs {
        let err = Tx::from_json(&value).unwrap_err();
        assert_eq!(err.path, path, "{what}");
        assert!(matches!(err.kind, JsonErrorKind::Invalid(r) if r == rule), "{what}: {err:?}");
    }
    let err = Update::from_json(&with(&new_contract, "abi_version", json!(0x1_0000))).unwrap_err();
    assert_eq!(err.path, "vm_version");
    assert!(matches!(err.kind, JsonErrorKind::Invalid(PACK)));
}

// ---------------------------------------------------------------------------------------------
// state::JsonError::Parse and ::Inconsistent
// ---------------------------------------------------------------------------------------------

fn channel_v1() -> Channel {
    Channel {
        initiator_id: account(AK_I),
        responder_id: account(AK_R),
        channel_amount: 110u64.into(),
        initiator_amount: 70u64.into(),
        responder_amount: 40u64.into(),
        channel_reserve: 2u64.into(),
        state_hash: ST.parse::<StateHash>().unwrap(),
        round: 3,
        solo_round: 0,
        lock_period: 10,
        locked_until: 0,
        version: ChannelVersion::V1 { delegate_ids: vec![] },
    }
}

fn contract_v2() -> Contract {
    Contract {
        owner_id: Id { tag: IdTag::Account, value: account(AK_I).0 },
        ct_version: CtVersion { vm: 7, abi: 3 },
        code: vec![0xcb, 1, 2, 3],
        version: ContractVersion::V2 { code_ref: None },
        log: vec![],
        active: true,
        referrer_ids: vec![],
        deposit: 5u64.into(),
    }
}

fn call() -> ContractCall {
    ContractCall {
        caller_id: Id { tag: IdTag::Account, value: account(AK_I).0 },
        caller_nonce: 2,
        height: 1,
        contract_id: CT.parse::<ContractId>().unwrap(),
        ct_call_id: None,
        gas_price: 1_000_000_000u64.into(),
        gas_used: 150,
        return_value: vec![0x6f],
        return_type: ReturnType::Ok,
        log: vec![],
    }
}

fn generalized_account() -> Value {
    json!({"nonce": 0, "balance": 5, "flags": 0, "kind": "generalized",
        "contract_id": CT, "auth_fun": "cb_Xfbg4g=="})
}

/// A check of the parse error inside an error.
type ParseCheck = fn(&ParseError) -> bool;

/// The initial state of a channel between `AK_I` (70) and `AK_R` (40), 1 pushed.
fn two_party_state() -> OffChainState {
    OffChainState::initial(account(AK_I), 70u64.into(), account(AK_R), 40u64.into(), 1u64.into())
        .unwrap()
}

fn is_parse(e: &JsonError, f: &str, p: ParseCheck) -> bool {
    matches!(e, JsonError::Parse { field, error } if *field == f && p(error))
}

#[test]
fn state_json_with_unparsable_prefixed_strings_is_a_parse_error() {
    let channel = channel_v1().to_json();
    let contract = contract_v2().to_json();
    let call = call().to_json();
    assert_eq!(Channel::from_json(&channel).unwrap(), channel_v1());
    assert_eq!(Contract::from_json(&contract).unwrap(), contract_v2());
    assert!(Account::from_json(&generalized_account()).is_ok());
    let bad_sum: ParseCheck = |e| matches!(e, ParseError::BadChecksum { .. });
    let account_prefix: ParseCheck =
        |e| matches!(e, ParseError::WrongPrefix { found: Prefix::AccountPubkey, .. });
    let too_short: ParseCheck = |e| matches!(e, ParseError::TooShortForChecksum { .. });

    type Reader = fn(&Value) -> Result<(), JsonError>;
    let channel_r: Reader = |v| Channel::from_json(v).map(drop);
    let contract_r: Reader = |v| Contract::from_json(v).map(drop);
    let call_r: Reader = |v| ContractCall::from_json(v).map(drop);
    let account_r: Reader = |v| Account::from_json(v).map(drop);
    let cases: Vec<(&str, Reader, Value, &str, ParseCheck)> = vec![
        (
            "channel initiator with a corrupted checksum",
            channel_r,
            with(&channel, "initiator_id", json!(broken_checksum(AK_I))),
            "initiator_id",
            bad_sum,
        ),
        (
            "channel state hash given as an account",
            channel_r,
            with(&channel, "state_hash", json!(AK_I)),
            "state_hash",
            account_prefix,
        ),
        (
            "channel delegate cut short",
            channel_r,
            with(&channel, "delegate_ids", json!(["ak_x"])),
            "delegate_ids",
            too_short,
        ),
        (
            "contract code given as an account",
            contract_r,
            with(&contract, "code", json!(AK_I)),
            "code",
            account_prefix,
        ),
        (
            "contract code reference cut short",
            contract_r,
            with(&contract, "code_ref", json!("ct_x")),
            "code_ref",
            too_short,
        ),
        (
            "contract referrer with unknown prefix",
            contract_r,
            with(&contract, "referrer_ids", json!(["xx_Xfbg4g=="])),
            "referrer_ids",
            |e| matches!(e, ParseError::UnknownPrefix(p) if p == "xx"),
        ),
        (
            "call to an account instead of a contract",
            call_r,
            with(&call, "contract_id", json!(AK_R)),
            "contract_id",
            account_prefix,
        ),
        (
            "call return value with a corrupted checksum",
            call_r,
            with(
                &call,
                "return_value",
                json!(broken_checksum(call["return_value"].as_str().unwrap())),
            ),
            "return_value",
            bad_sum,
        ),
        (
            "generalized account whose contract is an account",
            account_r,
            with(&generalized_account(), "contract_id", json!(AK_I)),
            "contract_id",
            account_prefix,
        ),
    ];
    for (what, read, value, field, check) in cases {
        let err = read(&value).unwrap_err();
        assert!(is_parse(&err, field, check), "{what}: {err:?}");
    }

    // Off-chain state accounts are keyed by `ak_`: a contract key is refused as such.
    let state = two_party_state();
    let mut v = state.to_json();
    let alice = v["accounts"][AK_I].clone();
    v["accounts"].as_object_mut().unwrap().insert(CT.into(), alice);
    let err = OffChainState::from_json(&v).unwrap_err();
    assert!(is_parse(&err, "accounts", |e| matches!(
        e,
        ParseError::WrongPrefix { found: Prefix::ContractPubkey, .. }
    )));
}

#[test]
fn state_json_whose_fields_do_not_fit_together_is_inconsistent() {
    let channel = channel_v1().to_json();
    let contract = contract_v2().to_json();
    let state = two_party_state();
    let trees = state.to_trees().to_json();
    let duplicated = |mtree: &Value| {
        let mut m = mtree.clone();
        let first = m["values"][0].clone();
        m["values"].as_array_mut().unwrap().push(first);
        m
    };
    let mut trees_dup = trees.clone();
    trees_dup["accounts"] = duplicated(&trees["accounts"]);
    let mut state_dup = state.to_json();
    state_dup["contracts"] = json!({"values": [{"key": "01", "value": "aa"}]});
    state_dup["contracts"] = duplicated(&state_dup["contracts"]);
    // The same key with another value is still a duplicate.
    state_dup["contracts"]["values"][1]["value"] = json!("bb");

    type Reader = fn(&Value) -> Result<(), JsonError>;
    let cases: Vec<(&str, Reader, Value, &str)> = vec![
        (
            "per-participant delegates without the auth fields",
            |v| Channel::from_json(v).map(drop),
            with(&channel, "delegate_ids", json!({"initiator": [], "responder": [AK_R]})),
            "per-participant delegates (version 3) need the auth fields",
        ),
        (
            "contract with vm 0 and abi 3 (a zero vm unpacks as vm = abi)",
            |v| Contract::from_json(v).map(drop),
            with(&contract, "vm_version", json!(0)),
            "vm_version/abi_version do not pack",
        ),
        (
            "contract with vm 0 and the Roma abi 1 (unpacks as vm 1)",
            |v| Contract::from_json(v).map(drop),
            with(&with(&contract, "vm_version", json!(0)), "abi_version", json!(1)),
            "vm_version/abi_version do not pack",
        ),
        (
            "state trees with an account listed twice",
            |v| StateTrees::from_json(v).map(drop),
            trees_dup,
            "mtree keys are unique",
        ),
        (
            "off-chain state with a contract store key listed twice",
            |v| OffChainState::from_json(v).map(drop),
            state_dup,
            "mtree keys are unique",
        ),
    ];
    for (what, read, value, rule) in cases {
        let err = read(&value).unwrap_err();
        assert!(
            matches!(&err, JsonError::Inconsistent { rule: r } if *r == rule),
            "{what}: {err:?}"
        );
    }
    // The V3 channel with its auth fields is fine: the rule is about the combination.
    let v3 = with(
        &with(
            &with(&channel, "delegate_ids", json!({"initiator": [], "responder": [AK_R]})),
            "initiator_auth",
            json!(""),
        ),
        "responder_auth",
        json!("ab"),
    );
    assert!(matches!(Channel::from_json(&v3).unwrap().version, ChannelVersion::V3 { .. }));
    assert!(Channel::from_json(&without(&v3, "responder_auth")).is_err());
}

// ---------------------------------------------------------------------------------------------
// PoiError::Value
// ---------------------------------------------------------------------------------------------

/// A PoI proving `key ↦ value` in the accounts (or contracts) subtree, sent through its
/// `pi_` string as a node would.
fn poi_of(contracts: bool, key: &[u8], value: Vec<u8>) -> TreesPoi {
    let mpt = Mpt::from_pairs([(key.to_vec(), value)]);
    let part = Some(SubtreePoi { root_hash: mpt.root_hash().unwrap(), proof: mpt.proof([key]) });
    let poi = if contracts {
        TreesPoi { contracts: part, ..TreesPoi::default() }
    } else {
        TreesPoi { accounts: part, ..TreesPoi::default() }
    };
    TreesPoi::from_api_str(&poi.to_api_string()).unwrap()
}

#[test]
fn poi_values_that_are_not_the_object_looked_up_are_value_errors() {
    let alice = account(AK_I);
    let ct: ContractId = CT.parse().unwrap();
    let basic = Account::basic(70u64.into()).to_rlp();
    let contract = contract_v2().to_rlp();
    let mut truncated = basic.clone();
    truncated.pop();
    let mut padded = basic.clone();
    padded.push(0x80);

    // (what, in contracts subtree?, key, value, lookup, expected error)
    type Lookup = fn(&TreesPoi, &[u8; 32]) -> Result<(), PoiError>;
    let acc: Lookup = |p, k| p.account(&AccountId(*k)).map(drop);
    let con: Lookup = |p, k| p.contract(&ContractId(*k)).map(drop);
    type Case = (&'static str, bool, [u8; 32], Vec<u8>, Lookup, DecodeError);
    let cases: Vec<Case> = vec![
        (
            "a contract object under an account key",
            false,
            alice.0,
            contract.clone(),
            acc,
            DecodeError::new(0, K::UnexpectedTag { expected: 10, found: 40 }),
        ),
        (
            "an account cut short by one byte",
            false,
            alice.0,
            truncated.clone(),
            acc,
            DecodeError::new(
                0,
                K::InputTooShort { needed: basic.len(), available: basic.len() - 1 },
            ),
        ),
        (
            "an account with a trailing byte",
            false,
            alice.0,
            padded,
            acc,
            DecodeError::new(basic.len(), K::TrailingBytes { count: 1 }),
        ),
        (
            "an account where the contract object belongs",
            true,
            ct.0,
            basic.clone(),
            con,
            DecodeError::new(0, K::UnexpectedTag { expected: 40, found: 10 }),
        ),
        (
            "raw store bytes where the contract object belongs",
            true,
            ct.0,
            b"store value".to_vec(),
            con,
            // `s` (0x73) is a one-byte RLP string; the rest trails it.
            DecodeError::new(1, K::TrailingBytes { count: 10 }),
        ),
    ];
    for (what, in_contracts, key, value, lookup, expected) in cases {
        let poi = poi_of(in_contracts, &key, value.clone());
        assert!(poi.verify().is_ok(), "{what}: the proof itself is sound");
        let err = lookup(&poi, &key).unwrap_err();
        assert!(
            matches!(&err, PoiError::Value { key: k, error } if k == &key && error == &expected),
            "{what}: {err:?}"
        );
        // The raw value is still readable: only its interpretation fails.
        if in_contracts {
            assert_eq!(poi.contracts_value(&key).unwrap(), Some(value));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// ProofError::BadNode
// ---------------------------------------------------------------------------------------------

/// A branch whose child under nibble 0xa is embedded as `embedded`.
fn branch_embedding(embedded: Vec<u8>) -> Node {
    let mut children: [NodeRef; 16] = Default::default();
    children[0xa] = NodeRef::Embedded(embedded);
    children[0x1] =
        NodeRef::Embedded(Node::Leaf { path: vec![0x2], value: b"sibling".to_vec() }.to_rlp());
    Node::Branch { children: Box::new(children), value: vec![] }
}

fn rlp_list(items: &[&[u8]]) -> Vec<u8> {
    let mut enc = Encoder::new();
    enc.list(|l| {
        items.iter().for_each(|i| {
            l.bytes(i);
        })
    });
    enc.finish()
}

/// `ProofError::BadNode` cannot come from decoded input: the RLP and JSON decoders of proofs
/// and PoIs already decode every embedded node and reject a malformed one. It is reached by a
/// proof built in memory through the public `Node`/`NodeRef`/`Proof` types, as a caller
/// assembling a proof from its own storage would.
#[test]
fn malformed_embedded_nodes_are_bad_nodes() {
    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        (
            "an embedded list of three strings",
            rlp_list(&[b"a", b"b", b"c"]),
            DecodeError::new(0, K::ListLength { expected: 17, found: 3 }),
        ),
        (
            "an embedded byte string",
            vec![0x83, b'a', b'b', b'c'],
            DecodeError::new(0, K::UnexpectedBytes),
        ),
        (
            "an embedded list cut short",
            vec![0xc5, 0x82, 0x20, 0x01],
            DecodeError::new(0, K::InputTooShort { needed: 6, available: 4 }),
        ),
        (
            "an embedded leaf with a bad hex-prefix flag",
            rlp_list(&[&[0x40], b"v"]),
            DecodeError::new(1, K::Invalid("hex-prefix flag is not 0..3")),
        ),
    ];
    for (what, embedded, expected) in cases {
        let root = branch_embedding(embedded);
        let hash = root.hash();
        let proof = Proof { nodes: vec![ProofNode { hash, node: root.clone() }] };
        assert!(proof.verify().is_ok(), "{what}: every node hashes to its key");
        // The sibling path does not touch the bad child.
        assert_eq!(proof.lookup(&hash, &[0x12]).unwrap(), Some(b"sibling".to_vec()), "{what}");
        let err = proof.lookup(&hash, &[0xab]).unwrap_err();
        assert!(
            matches!(&err, ProofError::BadNode { error } if error == &expected),
            "{what}: {err:?}"
        );

        // Through a PoI, the same fault is a proof error of the lookup.
        let key = [0xab; 32];
        let poi = TreesPoi {
            accounts: Some(SubtreePoi { root_hash: hash, proof }),
            ..TreesPoi::default()
        };
        let err = poi.account(&AccountId(key)).unwrap_err();
        assert!(
            matches!(&err, PoiError::Proof(ProofError::BadNode { error }) if error == &expected),
            "{what}: {err:?}"
        );
        // Serialized, the decoder refuses the node before any lookup could see it.
        assert!(TreesPoi::from_rlp(&poi.to_rlp()).is_err(), "{what}: decoder accepts it");
        assert!(TreesPoi::from_json(&poi.to_json()).is_err(), "{what}: JSON reader accepts it");
    }
}

// ---------------------------------------------------------------------------------------------
// Public error enums that no other test named: ApiStringError, KeyParseError, and the
// ParamsError variants only checked through their error codes elsewhere.
// ---------------------------------------------------------------------------------------------

#[test]
fn state_api_strings_fail_with_typed_errors() {
    let state = two_party_state();
    let ss = state.to_trees().to_api_string();
    let pi = state.poi(&[account(AK_I)]).unwrap().to_api_string();
    let cs = CallsTree::default().to_api_string();
    let trees_bytes = state.to_trees().to_rlp();

    type Case = (&'static str, Result<(), ApiStringError>, ParseCheck);
    let encoding_cases: Vec<Case> = vec![
        ("a PoI where state trees are expected", StateTrees::from_api_str(&pi).map(drop), |e| {
            matches!(
                e,
                ParseError::WrongPrefix { expected: [Prefix::StateTrees], found: Prefix::Poi }
            )
        }),
        (
            "state trees where a call-state tree is expected",
            CallsTree::from_api_str(&ss).map(drop),
            |e| matches!(e, ParseError::WrongPrefix { found: Prefix::StateTrees, .. }),
        ),
        (
            "a PoI with a corrupted checksum",
            TreesPoi::from_api_str(&broken_checksum(&pi)).map(drop),
            |e| matches!(e, ParseError::BadChecksum { .. }),
        ),
        (
            "a call-state tree without a separator",
            CallsTree::from_api_str(cs.trim_start_matches("cs_")).map(drop),
            |e| matches!(e, ParseError::MissingSeparator | ParseError::UnknownPrefix(_)),
        ),
    ];
    for (what, result, check) in encoding_cases {
        let err = result.unwrap_err();
        assert!(matches!(&err, ApiStringError::Encoding(e) if check(e)), "{what}: {err:?}");
    }

    let mut truncated = trees_bytes.clone();
    truncated.pop();
    let rlp_cases: Vec<(&str, Result<(), ApiStringError>, DecodeError)> = vec![
        (
            "state-tree bytes under the PoI prefix",
            TreesPoi::from_api_str(&encoding::encode(Prefix::Poi, &trees_bytes)).map(drop),
            DecodeError::new(0, K::UnexpectedTag { expected: 60, found: 62 }),
        ),
        (
            "state-tree bytes under the call-state prefix",
            CallsTree::from_api_str(&encoding::encode(Prefix::CallStateTree, &trees_bytes))
                .map(drop),
            DecodeError::new(0, K::UnexpectedTag { expected: 622, found: 62 }),
        ),
        (
            "state trees cut short by one byte",
            StateTrees::from_api_str(&encoding::encode(Prefix::StateTrees, &truncated)).map(drop),
            DecodeError::new(
                0,
                K::InputTooShort { needed: trees_bytes.len(), available: trees_bytes.len() - 1 },
            ),
        ),
    ];
    for (what, result, expected) in rlp_cases {
        let err = result.unwrap_err();
        assert!(matches!(&err, ApiStringError::Rlp(e) if e == &expected), "{what}: {err:?}");
    }
}

#[test]
fn secret_key_strings_fail_with_typed_errors() {
    let seed = [7u8; 32];
    let key = SecretKey::from_seed(&seed);
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let mut wrong_public = seed.to_vec();
    wrong_public.extend_from_slice(SecretKey::from_seed(&[8; 32]).public_key().as_bytes());
    let mut right_public = seed.to_vec();
    right_public.extend_from_slice(key.public_key().as_bytes());
    assert_eq!(SecretKey::parse(&hex(&right_public)).unwrap().public_key(), key.public_key());
    let sk = key.to_sk_string();

    type Case = (&'static str, String, fn(&KeyParseError) -> bool);
    let cases: Vec<Case> = vec![
        ("an sk_ string with a corrupted checksum", broken_checksum(&sk), |e| {
            matches!(e, KeyParseError::Encoding(ParseError::BadChecksum { .. }))
        }),
        ("an sk_ string cut short", "sk_x".into(), |e| {
            matches!(e, KeyParseError::Encoding(ParseError::TooShortForChecksum { .. }))
        }),
        ("an account id instead of a key", AK_I.into(), |e| matches!(e, KeyParseError::NotHex)),
        ("odd-length hex", "abc".into(), |e| matches!(e, KeyParseError::NotHex)),
        ("a 16-byte hex key", hex(&[1; 16]), |e| matches!(e, KeyParseError::WrongLength(16))),
        ("a 33-byte hex key", hex(&[1; 33]), |e| matches!(e, KeyParseError::WrongLength(33))),
        ("a keypair with another public half", hex(&wrong_public), |e| {
            matches!(e, KeyParseError::PublicKeyMismatch)
        }),
    ];
    for (what, text, check) in cases {
        let err = SecretKey::parse(&text).unwrap_err();
        assert!(check(&err), "{what}: {err:?}");
        // The message never echoes key material.
        assert!(!err.to_string().contains(&hex(&seed)), "{what}");
    }
}

#[test]
fn request_params_fail_with_broken_encoding_and_invalid_value() {
    let parse = |method: &str, params: Value| {
        let frame = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
        ClientRequest::from_request(&decode_request(&frame).unwrap())
    };
    let broken = |field, kind| BrokenField { field, kind };
    let cases: Vec<(&str, &str, Value, Vec<BrokenField>)> = vec![
        (
            "transfer from a corrupted account",
            "channels.update.new",
            json!({"amount": 1, "from": broken_checksum(AK_I), "to": AK_R}),
            vec![broken("from", EncodingKind::AccountPubkey)],
        ),
        (
            "sign reply with a broken tx",
            "channels.update",
            json!({"signed_tx": "tx_broken"}),
            vec![broken("signed_tx", EncodingKind::Transaction)],
        ),
        (
            "contract call with an account as the contract",
            "channels.update.call_contract",
            json!({"abi_version": 3, "amount": 1, "call_data": "cb_Xfbg4g==",
                "contract_id": AK_I}),
            vec![broken("contract_id", EncodingKind::ContractPubkey)],
        ),
        (
            "new contract with broken code",
            "channels.update.new_contract",
            json!({"vm_version": 7, "abi_version": 3, "deposit": 1, "code": "cb_x",
                "call_data": "cb_Xfbg4g=="}),
            vec![broken("code", EncodingKind::ContractBytearray)],
        ),
    ];
    for (what, method, params, fields) in cases {
        let err = parse(method, params).unwrap_err();
        assert!(
            matches!(&err, ParamsError::BrokenEncoding { fields: f } if f == &fields),
            "{what}: {err:?}"
        );
    }

    let invalid: Vec<(&str, &str, Value, &str)> = vec![
        ("zero deposit", "channels.deposit", json!({"amount": 0}), "amount"),
        ("zero withdrawal", "channels.withdraw", json!({"amount": 0}), "amount"),
        (
            "transfer pinned to a block hash that does not decode",
            "channels.update.new",
            json!({"amount": 1, "from": AK_I, "to": AK_R, "block_hash": "kh_x"}),
            "block_hash",
        ),
    ];
    for (what, method, params, field) in invalid {
        let err = parse(method, params).unwrap_err();
        assert!(
            matches!(&err, ParamsError::InvalidValue { field: f, .. } if *f == field),
            "{what}: {err:?}"
        );
    }
}

/// `JsonKind::Null`, the kind of value reported by frame, params and output errors, was named
/// by no test.
#[test]
fn null_values_are_reported_as_null() {
    use aesc_codec::jsonrpc::{FrameError, JsonKind, OkReply, OutputError};
    assert!(matches!(
        decode_request("null"),
        Err(FrameError::NotAnObject { found: JsonKind::Null })
    ));
    let frame = r#"{"jsonrpc":"2.0","method":"channels.leave","params":null}"#;
    let err = ClientRequest::from_request(&decode_request(frame).unwrap()).unwrap_err();
    assert!(matches!(err, ParamsError::NotAnObject { found: Some(JsonKind::Null) }), "{err:?}");
    assert!(matches!(
        OkReply::parse(&Value::Null),
        Err(OutputError::ExpectedOk { found: JsonKind::Null })
    ));
}
