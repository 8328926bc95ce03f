//! The off-chain state's update rules, and typed errors for invalid objects and trees.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::id::{AccountId, ContractId};
use aesc_codec::object::Object;
use aesc_codec::rlp::{DecodeErrorKind, Encoder};
use aesc_codec::state::{
    Account, AccountsTree, ApplyError, ChannelsTree, ContractCall, ContractsTree, CtVersion,
    JsonError, Mtree, MtreeValue, OffChainState, PoiError, StateTrees, TreesError,
};
use aesc_codec::tx::Update;
use aesc_codec::Uint;
use serde_json::json;

const I: AccountId = AccountId([0x11; 32]);
const R: AccountId = AccountId([0x22; 32]);
const STRANGER: AccountId = AccountId([0x33; 32]);

fn u(n: u64) -> Uint {
    n.into()
}

fn state() -> OffChainState {
    OffChainState::initial(I, u(100), R, u(50), u(10)).unwrap()
}

#[test]
fn initial_state_pushes_from_initiator_to_responder() {
    let s = state();
    assert_eq!(s.balance(&I), Some(&u(90)));
    assert_eq!(s.balance(&R), Some(&u(60)));
    assert_eq!(s.account(&I).unwrap().nonce, 0);
    assert_eq!(s.participants().copied().collect::<Vec<_>>(), vec![I, R]);
    assert_eq!(
        OffChainState::initial(I, u(5), R, u(0), u(6)),
        Err(ApplyError::PushExceedsAmount { initiator_amount: u(5), push_amount: u(6) })
    );
    assert_eq!(
        OffChainState::initial(I, u(5), I, u(0), u(0)),
        Err(ApplyError::SameParticipants { account: I })
    );
}

#[test]
fn transfer_rules() {
    let mut s = state();
    s.transfer(&I, &R, &u(40), &u(50)).unwrap();
    assert_eq!((s.balance(&I), s.balance(&R)), (Some(&u(50)), Some(&u(100))));
    let before = s.clone();
    assert_eq!(
        s.transfer(&I, &R, &u(1), &u(50)),
        Err(ApplyError::InsufficientBalance {
            account: I,
            balance: u(50),
            amount: u(1),
            reserve: u(50)
        })
    );
    assert_eq!(
        s.transfer(&I, &R, &u(51), &u(0)),
        Err(ApplyError::InsufficientBalance {
            account: I,
            balance: u(50),
            amount: u(51),
            reserve: u(0)
        })
    );
    assert_eq!(s.transfer(&I, &I, &u(1), &u(0)), Err(ApplyError::SameAccount { account: I }));
    assert_eq!(
        s.transfer(&STRANGER, &R, &u(1), &u(0)),
        Err(ApplyError::NotParticipant { account: STRANGER })
    );
    assert_eq!(
        s.transfer(&I, &STRANGER, &u(1), &u(0)),
        Err(ApplyError::NotParticipant { account: STRANGER })
    );
    assert_eq!(s, before, "failed updates leave the state unchanged");
    // Nonces never move off-chain.
    assert_eq!(s.account(&I).unwrap().nonce, 0);
}

#[test]
fn deposit_and_withdraw_rules() {
    let mut s = state();
    let h0 = s.state_hash();
    s.deposit(&R, &u(5)).unwrap();
    assert_eq!(s.balance(&R), Some(&u(65)));
    assert_ne!(s.state_hash(), h0);
    s.withdraw(&R, &u(5), &u(2)).unwrap();
    assert_eq!(s.state_hash(), h0, "the hash depends on the balances only");
    assert_eq!(
        s.withdraw(&R, &u(59), &u(2)),
        Err(ApplyError::InsufficientBalance {
            account: R,
            balance: u(60),
            amount: u(59),
            reserve: u(2)
        })
    );
    s.withdraw(&R, &u(58), &u(2)).unwrap();
    assert_eq!(s.balance(&R), Some(&u(2)));
    assert_eq!(s.deposit(&STRANGER, &u(1)), Err(ApplyError::NotParticipant { account: STRANGER }));
    assert_eq!(
        s.withdraw(&STRANGER, &u(1), &u(0)),
        Err(ApplyError::NotParticipant { account: STRANGER })
    );
}

fn with_contract(ct: ContractId) -> OffChainState {
    let mut trees = state().to_trees();
    let mut accounts = trees.accounts.0.to_mpt();
    accounts.insert(ct.0.to_vec(), Account::basic(u(7)).to_rlp());
    trees.accounts = AccountsTree(Mtree::from_mpt(&accounts));
    let mut store_key = ct.0.to_vec();
    store_key.push(0x10);
    trees.contracts = ContractsTree(Mtree::from_entries([
        (ct.0.as_slice(), b"contract object".as_slice()),
        (store_key.as_slice(), [0u8].as_slice()),
    ]));
    OffChainState::from_trees(&trees).unwrap()
}

#[test]
fn contracts_are_not_participants_and_join_pois_with_their_store() {
    let ct = ContractId([0x44; 32]);
    let mut s = with_contract(ct);
    let as_account = AccountId(ct.0);
    assert!(s.is_contract(&ct.0));
    assert_eq!(s.participants().count(), 2);
    assert_eq!(
        s.transfer(&I, &as_account, &u(1), &u(0)),
        Err(ApplyError::NotParticipant { account: as_account })
    );
    let poi = s.poi_with_contracts(&[I], &[ct]).unwrap();
    assert_eq!(poi.root_hash(), s.state_hash());
    assert_eq!(poi.account(&as_account).unwrap(), Some(Account::basic(u(7))));
    let mut store_key = ct.0.to_vec();
    store_key.push(0x10);
    assert_eq!(poi.contracts_value(&store_key).unwrap(), Some(vec![0]));
    assert_eq!(s.poi(&[STRANGER]), Err(PoiError::NotPresent { key: STRANGER.0.to_vec() }));
    assert_eq!(
        s.poi_with_contracts(&[], &[ContractId([0x55; 32])]),
        Err(PoiError::NotPresent { key: vec![0x55; 32] })
    );
    s.transfer(&R, &I, &u(1), &u(0)).unwrap();
    assert_eq!(OffChainState::from_trees(&s.to_trees()).unwrap(), s);
}

#[test]
fn trees_that_are_not_a_channel_state() {
    let mut trees = state().to_trees();
    trees.channels =
        ChannelsTree(Mtree { values: vec![MtreeValue { key: vec![1], value: vec![2] }] });
    assert_eq!(
        OffChainState::from_trees(&trees),
        Err(TreesError::UnexpectedSubtree { name: "channels" })
    );
    let mut trees = StateTrees::default();
    trees.accounts.0.values.push(MtreeValue { key: vec![1; 31], value: vec![2] });
    assert_eq!(
        OffChainState::from_trees(&trees),
        Err(TreesError::BadAccountKey { key: vec![1; 31] })
    );
    let mut trees = StateTrees::default();
    trees.accounts.0.values.push(MtreeValue { key: vec![1; 32], value: vec![0xc0] });
    match OffChainState::from_trees(&trees) {
        Err(TreesError::BadAccount { account, .. }) => assert_eq!(account, AccountId([1; 32])),
        other => panic!("{other:?}"),
    }
}

fn object(tag: u64, vsn: u64, fields: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let mut e = Encoder::new();
    e.list(|l| {
        l.uint_u64(tag);
        l.uint_u64(vsn);
        fields(l);
    });
    e.finish()
}

#[test]
fn invalid_objects_are_typed_decode_errors() {
    // Account v3 with zero flags is written as v1 by the node.
    let v3 = object(10, 3, |l| {
        l.uint_u64(0);
        l.uint_u64(0);
        l.uint_u64(5);
    });
    assert!(matches!(Account::from_rlp(&v3).unwrap_err().kind, DecodeErrorKind::Invalid(_)));
    // Unsupported version, wrong tag, wrong field count.
    let v9 = object(10, 9, |l| {
        l.uint_u64(0);
        l.uint_u64(5);
    });
    assert_eq!(
        Account::from_rlp(&v9).unwrap_err().kind,
        DecodeErrorKind::UnsupportedVersion { tag: 10, version: 9 }
    );
    let wrong_tag = object(11, 1, |l| {
        l.uint_u64(0);
        l.uint_u64(5);
    });
    assert_eq!(
        Account::from_rlp(&wrong_tag).unwrap_err().kind,
        DecodeErrorKind::UnexpectedTag { expected: 10, found: 11 }
    );
    let short = object(10, 1, |l| {
        l.uint_u64(0);
    });
    assert_eq!(
        Account::from_rlp(&short).unwrap_err().kind,
        DecodeErrorKind::ListLength { expected: 4, found: 3 }
    );
    // Duplicate mtree keys.
    let value = MtreeValue { key: vec![1], value: vec![2] }.to_rlp();
    let dup = object(63, 1, |l| {
        l.list(|v| {
            v.bytes(&value);
            v.bytes(&value);
        });
    });
    let err = Mtree::from_rlp(&dup).unwrap_err();
    assert_eq!(err.kind, DecodeErrorKind::Invalid("duplicate mtree key"));
    // Positions inside nested objects are positions in the outer input.
    let bad_value = object(63, 1, |l| {
        l.list(|v| {
            v.bytes(&[0xc1, 0x05]);
        });
    });
    let err = Mtree::from_rlp(&bad_value).unwrap_err();
    assert!(err.position >= 4, "{err}");
    // ct_version packings that do not round-trip.
    for packed in [0x0001_0001u64, 3, 1 << 40] {
        assert_eq!(CtVersion::unpack(packed), None, "{packed:#x}");
    }
    assert_eq!(CtVersion::unpack(0x0007_0003), Some(CtVersion { vm: 7, abi: 3 }));
    assert_eq!(CtVersion { vm: 1, abi: 1 }.pack(), 1);
}

#[test]
fn invalid_json_is_a_typed_error() {
    assert_eq!(Account::from_json(&json!([])), Err(JsonError::NotAnObject { field: "account" }));
    assert_eq!(
        Account::from_json(&json!({"nonce": 0})),
        Err(JsonError::Missing { field: "balance" })
    );
    assert_eq!(
        Account::from_json(&json!({"nonce": -1, "balance": 1})),
        Err(JsonError::Invalid { field: "nonce", expected: "a non-negative integer" })
    );
    assert!(matches!(
        ContractCall::from_json(&json!({"return_type": "maybe"})),
        Err(JsonError::Invalid { field: "return_type", .. })
    ));
    assert!(matches!(
        Mtree::from_json(&json!({"values": [{"key": "0A", "value": "00"}]})),
        Err(JsonError::Invalid { field: "key", .. })
    ));
    // Full-precision balances.
    let big = json!({"nonce": 0, "balance": 123456789012345678901234567890u128});
    let account = Account::from_json(&big).unwrap();
    assert_eq!(account.balance.to_string(), "123456789012345678901234567890");
    assert_eq!(account.to_json(), big);
}

#[test]
fn apply_dispatches_updates_all_or_nothing() {
    let mut s = state();
    let transfer = Update::Transfer { from: I, to: R, amount: u(10) };
    let meta = Update::Meta { data: b"hello".to_vec() };
    s.apply_all(&[transfer.clone(), meta, Update::Deposit { from: I, amount: u(3) }], &u(1))
        .unwrap();
    assert_eq!((s.balance(&I), s.balance(&R)), (Some(&u(83)), Some(&u(70))));
    let before = s.clone();
    let too_much = Update::Withdraw { to: R, amount: u(80) };
    assert_eq!(
        s.apply_all(&[transfer, too_much], &u(1)),
        Err((
            1,
            ApplyError::InsufficientBalance {
                account: R,
                balance: u(80),
                amount: u(80),
                reserve: u(1)
            }
        ))
    );
    assert_eq!(s, before, "a failing batch changes nothing");
    let call = Update::CallContract {
        caller: I,
        contract: ContractId([0x44; 32]),
        abi_version: 3,
        amount: u(0),
        gas: 1_000_000,
        gas_price: u(1),
        call_data: Vec::new(),
        call_stack: Vec::new(),
    };
    assert_eq!(s.apply(&call, &u(1)), Err(ApplyError::Unsupported { update: "call_contract" }));
}
