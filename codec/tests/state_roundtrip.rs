//! Round trips of every state object through RLP and JSON, and total decoders: arbitrary or
//! corrupted bytes never panic, and whatever decodes re-encodes to the same bytes.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::id::{AccountId, ContractId, Id, IdTag, StateHash};
use aesc_codec::object::Object;
use aesc_codec::state::mpt::{Mpt, Node};
use aesc_codec::state::{
    Account, AccountsTree, CallsTree, Channel, ChannelVersion, ChannelsTree, Contract,
    ContractCall, ContractVersion, ContractsTree, CtVersion, GaAuth, LogEntry, Mtree, MtreeValue,
    NsTree, OffChainState, OraclesTree, ReturnType, StateTrees, SubtreePoi, TreesPoi,
};
use aesc_codec::Uint;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;

/// Integers up to the 256 bits the decoders accept.
fn uint() -> impl Strategy<Value = Uint> {
    vec(any::<u8>(), 0..=Uint::MAX_BYTES).prop_map(|b| Uint::from_be_bytes(&b))
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..80)
}

fn id() -> impl Strategy<Value = Id> {
    (1u8..=6, any::<[u8; 32]>())
        .prop_map(|(t, value)| Id { tag: IdTag::from_byte(t).unwrap(), value })
}

fn accounts() -> impl Strategy<Value = Vec<AccountId>> {
    vec(any::<[u8; 32]>().prop_map(AccountId), 0..3)
}

fn account() -> impl Strategy<Value = Account> {
    (any::<u64>(), uint(), any::<u64>(), option::of((any::<[u8; 32]>(), bytes()))).prop_map(
        |(nonce, balance, flags, ga)| Account {
            nonce,
            balance,
            flags,
            ga: ga.map(|(c, auth_fun)| GaAuth { contract: ContractId(c), auth_fun }),
        },
    )
}

fn contract() -> impl Strategy<Value = Contract> {
    let version = prop_oneof![
        Just(ContractVersion::V1),
        option::of(id()).prop_map(|code_ref| ContractVersion::V2 { code_ref }),
    ];
    let ct = any::<u32>().prop_filter_map("canonical packing", |p| CtVersion::unpack(p.into()));
    (id(), ct, bytes(), version, bytes(), any::<bool>(), vec(id(), 0..3), uint()).prop_map(
        |(owner_id, ct_version, code, version, log, active, referrer_ids, deposit)| Contract {
            owner_id,
            ct_version,
            code,
            version,
            log,
            active,
            referrer_ids,
            deposit,
        },
    )
}

fn log_entry() -> impl Strategy<Value = LogEntry> {
    (any::<[u8; 32]>(), vec(any::<[u8; 32]>(), 0..3), bytes())
        .prop_map(|(a, topics, data)| LogEntry { address: ContractId(a), topics, data })
}

fn call() -> impl Strategy<Value = ContractCall> {
    let rt = prop_oneof![Just(ReturnType::Ok), Just(ReturnType::Error), Just(ReturnType::Revert)];
    (
        (id(), any::<u64>(), any::<u64>(), any::<[u8; 32]>(), option::of(bytes())),
        (uint(), any::<u64>(), bytes(), rt, vec(log_entry(), 0..3)),
    )
        .prop_map(|((caller_id, caller_nonce, height, c, ct_call_id), tail)| {
            let (gas_price, gas_used, return_value, return_type, log) = tail;
            ContractCall {
                caller_id,
                caller_nonce,
                height,
                contract_id: ContractId(c),
                ct_call_id,
                gas_price,
                gas_used,
                return_value,
                return_type,
                log,
            }
        })
}

fn channel() -> impl Strategy<Value = Channel> {
    let version = prop_oneof![
        accounts().prop_map(|delegate_ids| ChannelVersion::V1 { delegate_ids }),
        (accounts(), bytes(), bytes()).prop_map(
            |(delegate_ids, initiator_auth, responder_auth)| {
                ChannelVersion::V2 { delegate_ids, initiator_auth, responder_auth }
            }
        ),
        (accounts(), accounts(), bytes(), bytes()).prop_map(|(i, r, ia, ra)| ChannelVersion::V3 {
            initiator_delegate_ids: i,
            responder_delegate_ids: r,
            initiator_auth: ia,
            responder_auth: ra,
        }),
    ];
    (
        (any::<[u8; 32]>(), any::<[u8; 32]>(), uint(), uint(), uint(), uint()),
        (any::<[u8; 32]>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>(), version),
    )
        .prop_map(|((i, r, ca, ia, ra, reserve), (sh, round, solo, lock, until, version))| {
            Channel {
                initiator_id: AccountId(i),
                responder_id: AccountId(r),
                channel_amount: ca,
                initiator_amount: ia,
                responder_amount: ra,
                channel_reserve: reserve,
                state_hash: StateHash(sh),
                round,
                solo_round: solo,
                lock_period: lock,
                locked_until: until,
                version,
            }
        })
}

fn entries() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    btree_map(vec(any::<u8>(), 0..6), vec(any::<u8>(), 1..40), 0..12)
        .prop_map(|m| m.into_iter().collect())
}

fn mtree() -> impl Strategy<Value = Mtree> {
    entries().prop_map(|e| Mtree {
        values: e.into_iter().rev().map(|(key, value)| MtreeValue { key, value }).collect(),
    })
}

fn trees() -> impl Strategy<Value = StateTrees> {
    (mtree(), mtree(), mtree(), mtree(), mtree(), mtree()).prop_map(|(c, k, h, n, o, a)| {
        StateTrees {
            contracts: ContractsTree(c),
            calls: CallsTree(k),
            channels: ChannelsTree(h),
            ns: NsTree(n),
            oracles: OraclesTree(o),
            accounts: AccountsTree(a),
        }
    })
}

fn subtree_poi() -> impl Strategy<Value = Option<SubtreePoi>> {
    (entries(), any::<u16>()).prop_map(|(e, pick)| {
        let keys: Vec<Vec<u8>> = e
            .iter()
            .enumerate()
            .filter(|(i, _)| pick >> (i % 16) & 1 == 1)
            .map(|(_, (k, _))| k.clone())
            .collect();
        let mpt = Mpt::from_pairs(e);
        mpt.root_hash().map(|root_hash| SubtreePoi {
            root_hash,
            proof: mpt.proof(keys.iter().map(Vec::as_slice)),
        })
    })
}

fn poi() -> impl Strategy<Value = TreesPoi> {
    (subtree_poi(), subtree_poi(), subtree_poi(), subtree_poi(), subtree_poi(), subtree_poi())
        .prop_map(|(accounts, calls, channels, contracts, ns, oracles)| TreesPoi {
            accounts,
            calls,
            channels,
            contracts,
            ns,
            oracles,
        })
}

fn offchain() -> impl Strategy<Value = OffChainState> {
    (any::<[u8; 32]>(), uint(), any::<[u8; 32]>(), uint(), mtree(), mtree()).prop_filter_map(
        "distinct participants",
        |(i, ia, r, ra, contracts, calls)| {
            let base =
                OffChainState::initial(AccountId(i), ia, AccountId(r), ra, Uint::zero()).ok()?;
            let mut trees = base.to_trees();
            trees.contracts = ContractsTree(contracts);
            trees.calls = CallsTree(calls);
            OffChainState::from_trees(&trees).ok()
        },
    )
}

/// Decoding `bytes` never panics, and a successful decode re-encodes to exactly `bytes`.
fn total<T: Object + core::fmt::Debug>(bytes: &[u8]) {
    if let Ok(v) = T::from_rlp(bytes) {
        assert_eq!(v.to_rlp(), bytes, "{v:?} decoded from non-canonical bytes");
    }
}

fn total_all(bytes: &[u8]) {
    total::<Account>(bytes);
    total::<Contract>(bytes);
    total::<ContractCall>(bytes);
    total::<Channel>(bytes);
    total::<MtreeValue>(bytes);
    total::<Mtree>(bytes);
    total::<CallsTree>(bytes);
    total::<AccountsTree>(bytes);
    total::<StateTrees>(bytes);
    total::<TreesPoi>(bytes);
    if let Ok(node) = Node::from_rlp(bytes) {
        assert_eq!(node.to_rlp(), bytes);
    }
    if let Ok(poi) = TreesPoi::from_rlp(bytes) {
        let _ = poi.verify();
        let _ = poi.account(&AccountId([7; 32]));
    }
}

/// Round-trips `v` through RLP and checks that corrupting single bytes stays total.
fn rlp_round_trip<T: Object + PartialEq + core::fmt::Debug>(v: &T, flip: (usize, u8)) {
    let bytes = v.to_rlp();
    assert_eq!(&T::from_rlp(&bytes).unwrap(), v);
    let mut bad = bytes.clone();
    let at = flip.0 % bad.len();
    bad[at] ^= flip.1.max(1);
    total_all(&bad);
    total_all(&bytes[..at]);
}

proptest! {
    #[test]
    fn account_round_trips(v in account(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        prop_assert_eq!(Account::from_json(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn contract_round_trips(v in contract(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        prop_assert_eq!(Contract::from_json(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn contract_call_round_trips(v in call(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        prop_assert_eq!(ContractCall::from_json(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn channel_round_trips(v in channel(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        prop_assert_eq!(Channel::from_json(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn mtree_round_trips(v in mtree(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        for value in &v.values {
            rlp_round_trip(value, flip);
        }
        prop_assert_eq!(Mtree::from_json(&v.to_json()).unwrap(), v.clone());
        // The node's order is descending keys, which is how the strategy builds it.
        prop_assert_eq!(Mtree::from_mpt(&v.to_mpt()), v);
    }

    #[test]
    fn state_trees_round_trip(v in trees(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        rlp_round_trip(&v.calls, flip);
        rlp_round_trip(&v.accounts, flip);
        prop_assert_eq!(StateTrees::from_json(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn trees_poi_round_trips(v in poi(), flip in any::<(usize, u8)>()) {
        rlp_round_trip(&v, flip);
        prop_assert!(v.verify().is_ok());
        let json = v.to_json();
        prop_assert_eq!(&json["state_hash"], &serde_json::Value::from(v.root_hash().to_string()));
        prop_assert_eq!(TreesPoi::from_json(&json).unwrap(), v);
    }

    #[test]
    fn offchain_state_round_trips(v in offchain()) {
        let trees = v.to_trees();
        prop_assert_eq!(OffChainState::from_trees(&trees).unwrap(), v.clone());
        prop_assert_eq!(trees.state_hash(), v.state_hash());
        prop_assert_eq!(OffChainState::from_json(&v.to_json()).unwrap(), v);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..200)) {
        total_all(&bytes);
    }
}
