//! Property tests: every transaction, SignedTx and update survives RLP and JSON round trips
//! unchanged, and decoding mutated encodings never panics and never accepts a non-canonical
//! form.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::id::{AccountId, ChannelId, ContractId, Id, IdTag, Signature, StateHash};
use aesc_codec::object::Object;
use aesc_codec::tx::*;
use aesc_codec::Uint;
use proptest::prelude::*;

fn bytes32() -> impl Strategy<Value = [u8; 32]> {
    proptest::array::uniform32(any::<u8>())
}

fn account() -> impl Strategy<Value = AccountId> {
    bytes32().prop_map(AccountId)
}

fn channel() -> impl Strategy<Value = ChannelId> {
    bytes32().prop_map(ChannelId)
}

fn state_hash() -> impl Strategy<Value = StateHash> {
    bytes32().prop_map(StateHash)
}

fn any_id() -> impl Strategy<Value = Id> {
    let tags = [
        IdTag::Account,
        IdTag::Name,
        IdTag::Commitment,
        IdTag::Oracle,
        IdTag::Contract,
        IdTag::Channel,
    ];
    (proptest::sample::select(tags.to_vec()), bytes32()).prop_map(|(tag, value)| Id { tag, value })
}

fn uint() -> impl Strategy<Value = Uint> {
    prop_oneof![
        any::<u64>().prop_map(Uint::from),
        any::<u128>().prop_map(Uint::from),
        // Up to the 256 bits the decoders accept.
        proptest::collection::vec(any::<u8>(), 0..=Uint::MAX_BYTES)
            .prop_map(|b| Uint::from_be_bytes(&b)),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..80)
}

fn accounts() -> impl Strategy<Value = Vec<AccountId>> {
    proptest::collection::vec(account(), 0..3)
}

fn signatures() -> impl Strategy<Value = Vec<Signature>> {
    proptest::collection::vec((bytes32(), bytes32()), 0..3).prop_map(|v| {
        let mut sigs: Vec<Signature> = v
            .into_iter()
            .map(|(a, b)| {
                let mut s = [0u8; 64];
                s[..32].copy_from_slice(&a);
                s[32..].copy_from_slice(&b);
                Signature(s)
            })
            .collect();
        sigs.sort();
        sigs
    })
}

fn ct_versions() -> impl Strategy<Value = (u64, u64)> {
    prop_oneof![Just((0, 0)), (1u64..=0xffff, 0u64..=0xffff), (1u64..=8, 1u64..=3)]
}

fn update() -> impl Strategy<Value = Update> {
    prop_oneof![
        (account(), account(), uint()).prop_map(|(from, to, amount)| Update::Transfer {
            from,
            to,
            amount
        }),
        (account(), uint()).prop_map(|(from, amount)| Update::Deposit { from, amount }),
        (account(), uint()).prop_map(|(to, amount)| Update::Withdraw { to, amount }),
        (account(), ct_versions(), bytes(), uint(), bytes()).prop_map(
            |(owner, (vm_version, abi_version), code, deposit, call_data)| {
                Update::CreateContract { owner, vm_version, abi_version, code, deposit, call_data }
            }
        ),
        call_contract(),
        prop_oneof![bytes(), ".{0,20}".prop_map(String::into_bytes)]
            .prop_map(|data| Update::Meta { data }),
    ]
}

fn call_contract() -> impl Strategy<Value = Update> {
    (
        account(),
        bytes32().prop_map(ContractId),
        any::<u64>(),
        uint(),
        any::<u64>(),
        uint(),
        bytes(),
        proptest::collection::vec(uint(), 0..3),
    )
        .prop_map(
            |(caller, contract, abi_version, amount, gas, gas_price, call_data, call_stack)| {
                Update::CallContract {
                    caller,
                    contract,
                    abi_version,
                    amount,
                    gas,
                    gas_price,
                    call_data,
                    call_stack,
                }
            },
        )
}

fn delegates() -> impl Strategy<Value = Delegates> {
    prop_oneof![
        accounts().prop_map(Delegates::Single),
        (accounts(), accounts())
            .prop_map(|(initiator, responder)| Delegates::PerRole { initiator, responder }),
    ]
}

fn create() -> impl Strategy<Value = Tx> {
    (
        (account(), uint(), account(), uint(), uint()),
        (any::<u64>(), any::<u64>(), uint(), delegates(), state_hash(), any::<u64>()),
    )
        .prop_map(
            |((i, ia, r, ra, cr), (lock_period, ttl, fee, delegates, state_hash, nonce))| {
                Tx::from(ChannelCreateTx {
                    initiator_id: i,
                    initiator_amount: ia,
                    responder_id: r,
                    responder_amount: ra,
                    channel_reserve: cr,
                    lock_period,
                    ttl,
                    fee,
                    delegates,
                    state_hash,
                    nonce,
                })
            },
        )
}

/// (channel, account, amount, ttl, fee, state hash, round, nonce)
type Common = (ChannelId, AccountId, Uint, u64, Uint, StateHash, u64, u64);

fn common() -> impl Strategy<Value = Common> {
    (channel(), account(), uint(), any::<u64>(), uint(), state_hash(), any::<u64>(), any::<u64>())
}

fn leaf_tx() -> BoxedStrategy<Tx> {
    prop_oneof![
        (account(), any_id(), uint(), uint(), any::<u64>(), any::<u64>(), bytes()).prop_map(
            |(sender_id, recipient_id, amount, fee, ttl, nonce, payload)| Tx::from(SpendTx {
                sender_id,
                recipient_id,
                amount,
                fee,
                ttl,
                nonce,
                payload
            })
        ),
        create(),
        common().prop_map(|(channel_id, from_id, amount, ttl, fee, state_hash, round, nonce)| {
            Tx::from(ChannelDepositTx {
                channel_id,
                from_id,
                amount,
                ttl,
                fee,
                state_hash,
                round,
                nonce,
            })
        }),
        common().prop_map(|(channel_id, to_id, amount, ttl, fee, state_hash, round, nonce)| {
            Tx::from(ChannelWithdrawTx {
                channel_id,
                to_id,
                amount,
                ttl,
                fee,
                state_hash,
                round,
                nonce,
            })
        }),
        (common(), uint()).prop_map(|((channel_id, from_id, a, ttl, fee, _, _, nonce), b)| {
            Tx::from(ChannelCloseMutualTx {
                channel_id,
                from_id,
                initiator_amount_final: a,
                responder_amount_final: b,
                ttl,
                fee,
                nonce,
            })
        }),
        (common(), uint()).prop_map(|((channel_id, from_id, a, ttl, fee, _, _, nonce), b)| {
            Tx::from(ChannelSettleTx {
                channel_id,
                from_id,
                initiator_amount_final: a,
                responder_amount_final: b,
                ttl,
                fee,
                nonce,
            })
        }),
        (
            channel(),
            any::<u64>(),
            proptest::option::of(proptest::collection::vec(update(), 0..3)),
            state_hash()
        )
            .prop_map(|(channel_id, round, updates, state_hash)| Tx::from(
                ChannelOffChainTx { channel_id, round, updates, state_hash }
            )),
        (channel(), any::<u64>(), any::<bool>(), account()).prop_map(
            |(channel_id, round, initiator, pub_key)| Tx::from(ChannelClientReconnectTx {
                channel_id,
                round,
                role: if initiator { Role::Initiator } else { Role::Responder },
                pub_key
            })
        ),
    ]
    .boxed()
}

fn nesting_tx(inner: BoxedStrategy<Tx>) -> BoxedStrategy<Tx> {
    let signed = (signatures(), inner).prop_map(|(signatures, tx)| SignedTx { signatures, tx });
    let boxed = signed.prop_map(Box::new).boxed();
    let payload = prop_oneof![Just(Payload::Empty), boxed.clone().prop_map(Payload::Tx)].boxed();
    prop_oneof![
        (
            account(),
            bytes(),
            any::<u64>(),
            uint(),
            any::<u64>(),
            uint(),
            proptest::option::of(any::<u64>()),
            boxed.clone()
        )
            .prop_map(|(ga_id, auth_data, abi_version, fee, gas, gas_price, ttl, tx)| {
                Tx::from(GaMetaTx { ga_id, auth_data, abi_version, fee, gas, gas_price, ttl, tx })
            }),
        (account(), any::<u64>(), uint(), boxed).prop_map(|(payer_id, nonce, fee, tx)| {
            Tx::from(PayingForTx { payer_id, nonce, fee, tx })
        }),
        (common(), payload.clone(), bytes(), any::<bool>()).prop_map(
            |((channel_id, from_id, _, ttl, fee, _, _, nonce), payload, poi, slash)| {
                if slash {
                    Tx::from(ChannelSlashTx { channel_id, from_id, payload, poi, ttl, fee, nonce })
                } else {
                    Tx::from(ChannelCloseSoloTx {
                        channel_id,
                        from_id,
                        payload,
                        poi,
                        ttl,
                        fee,
                        nonce,
                    })
                }
            }
        ),
        (common(), payload.clone()).prop_map(
            |((channel_id, from_id, _, ttl, fee, _, _, nonce), payload)| {
                Tx::from(ChannelSnapshotSoloTx { channel_id, from_id, payload, ttl, fee, nonce })
            }
        ),
        (common(), payload.clone(), call_contract(), bytes()).prop_map(
            |(
                (channel_id, from_id, _, ttl, fee, state_hash, round, nonce),
                payload,
                update,
                offchain_trees,
            )| {
                Tx::from(ChannelForceProgressTx {
                    channel_id,
                    from_id,
                    payload,
                    round,
                    update,
                    state_hash,
                    offchain_trees,
                    ttl,
                    fee,
                    nonce,
                })
            }
        ),
        (common(), accounts(), accounts(), payload).prop_map(
            |((channel_id, from_id, _, ttl, fee, state_hash, round, nonce), i, r, payload)| {
                Tx::from(ChannelSetDelegatesTx {
                    channel_id,
                    from_id,
                    initiator_delegate_ids: i,
                    responder_delegate_ids: r,
                    payload,
                    state_hash,
                    round,
                    ttl,
                    fee,
                    nonce,
                })
            }
        ),
    ]
    .boxed()
}

fn any_tx() -> impl Strategy<Value = Tx> {
    leaf_tx().prop_recursive(3, 12, 2, nesting_tx)
}

fn signed_tx() -> impl Strategy<Value = SignedTx> {
    (signatures(), any_tx()).prop_map(|(signatures, tx)| SignedTx { signatures, tx })
}

fn json_text_round_trip(v: &serde_json::Value) -> serde_json::Value {
    serde_json::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn tx_rlp_round_trip(tx in any_tx()) {
        let bytes = tx.to_rlp();
        prop_assert_eq!(&Tx::from_rlp(&bytes).unwrap(), &tx);
        prop_assert_eq!(TxKind::from_tag(tx.tag()), Some(tx.kind()));
    }

    #[test]
    fn tx_json_round_trip(tx in any_tx()) {
        let json = tx.to_json();
        prop_assert_eq!(json["type"].as_str(), Some(tx.kind().name()));
        let back = Tx::from_json(&json_text_round_trip(&json)).unwrap();
        prop_assert_eq!(&back, &tx);
        prop_assert_eq!(back.to_rlp(), tx.to_rlp());
    }

    #[test]
    fn signed_tx_round_trips(st in signed_tx()) {
        let s = st.to_api_string();
        prop_assert_eq!(&SignedTx::from_api_str(&s).unwrap(), &st);
        prop_assert_eq!(&SignedTx::from_json(&json_text_round_trip(&st.to_json())).unwrap(), &st);
        prop_assert_eq!(st.hash(), aesc_codec::derive::tx_hash(&st.to_rlp()));
    }

    #[test]
    fn signed_tx_json_keeps_signature_order(st in signed_tx()) {
        let mut reversed = st.clone();
        reversed.signatures.reverse();
        let back = SignedTx::from_json(&reversed.to_json()).unwrap();
        prop_assert_eq!(&back.signatures, &reversed.signatures);
        prop_assert_eq!(back.to_rlp(), st.to_rlp());
    }

    #[test]
    fn update_round_trips(u in update()) {
        prop_assert_eq!(&Update::from_rlp(&u.to_rlp()).unwrap(), &u);
        prop_assert_eq!(&Update::from_json(&json_text_round_trip(&u.to_json())).unwrap(), &u);
    }

    #[test]
    fn struct_level_json_matches_enum_level(tx in any_tx()) {
        let json = tx.to_json();
        let same = match &tx {
            Tx::Spend(t) => SpendTx::from_json(&json).unwrap() == *t,
            Tx::ChannelCreate(t) => ChannelCreateTx::from_json(&json).unwrap() == *t,
            Tx::ChannelDeposit(t) => ChannelDepositTx::from_json(&json).unwrap() == *t,
            Tx::ChannelWithdraw(t) => ChannelWithdrawTx::from_json(&json).unwrap() == *t,
            Tx::ChannelCloseMutual(t) => ChannelCloseMutualTx::from_json(&json).unwrap() == *t,
            Tx::ChannelCloseSolo(t) => ChannelCloseSoloTx::from_json(&json).unwrap() == *t,
            Tx::ChannelSlash(t) => ChannelSlashTx::from_json(&json).unwrap() == *t,
            Tx::ChannelSettle(t) => ChannelSettleTx::from_json(&json).unwrap() == *t,
            Tx::ChannelSnapshotSolo(t) => ChannelSnapshotSoloTx::from_json(&json).unwrap() == *t,
            Tx::ChannelForceProgress(t) => ChannelForceProgressTx::from_json(&json).unwrap() == *t,
            Tx::ChannelSetDelegates(t) => ChannelSetDelegatesTx::from_json(&json).unwrap() == *t,
            Tx::ChannelOffChain(t) => ChannelOffChainTx::from_json(&json).unwrap() == *t,
            Tx::ChannelClientReconnect(t) => {
                ChannelClientReconnectTx::from_json(&json).unwrap() == *t
            }
            Tx::GaMeta(t) => GaMetaTx::from_json(&json).unwrap() == *t,
            Tx::PayingFor(t) => PayingForTx::from_json(&json).unwrap() == *t,
        };
        prop_assert!(same);
    }

    /// Mutating a valid encoding never panics; whatever still decodes re-encodes to bytes of
    /// the same length (only signature order can differ) and is stable from then on.
    #[test]
    fn mutated_encodings_decode_canonically_or_fail(
        st in signed_tx(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
    ) {
        let mut bytes = st.to_rlp();
        for (at, byte, op) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        if let Ok(decoded) = SignedTx::from_rlp(&bytes) {
            let again = decoded.to_rlp();
            prop_assert_eq!(again.len(), bytes.len());
            prop_assert_eq!(SignedTx::from_rlp(&again).unwrap().to_rlp(), again);
        }
        let _ = Tx::from_rlp(&bytes);
        let _ = Update::from_rlp(&bytes);
    }
}
