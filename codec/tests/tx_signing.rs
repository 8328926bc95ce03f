//! Signing through generalized-account and PayingFor layers: signatures go to the innermost
//! SignedTx and verify over the innermost transaction.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::crypto::{self, NetworkId, SecretKey, SignatureForm};
use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::object::Object;
use aesc_codec::tx::{
    ChannelOffChainTx, ChannelSettleTx, GaMetaTx, PayingForTx, Payload, SignedTx, Signers, Tx,
};
use aesc_codec::Uint;

fn network() -> NetworkId {
    NetworkId::new("local_iris_testnet")
}

fn offchain() -> ChannelOffChainTx {
    ChannelOffChainTx {
        channel_id: ChannelId([7; 32]),
        round: 4,
        updates: None,
        state_hash: StateHash([9; 32]),
    }
}

fn ga(inner: SignedTx, ga_id: AccountId) -> SignedTx {
    SignedTx::unsigned(GaMetaTx {
        ga_id,
        auth_data: b"auth".to_vec(),
        abi_version: 3,
        fee: Uint::from(100u64),
        gas: 5000,
        gas_price: Uint::from(1_000_000_000u64),
        ttl: None,
        tx: Box::new(inner),
    })
}

#[test]
fn a_basic_co_signer_signs_the_innermost_tx_of_a_ga_wrapped_state() {
    let ga_account = AccountId([5; 32]);
    let basic = SecretKey::from_seed(&[8; 32]);
    let mut st = ga(ga(SignedTx::unsigned(offchain()), ga_account), ga_account);
    assert_eq!(st.inner_tx_bytes(), offchain().to_rlp());
    assert_eq!(st.innermost_tx(), &Tx::ChannelOffChain(offchain()));
    assert_eq!(st.required_signers(), Signers::BothParticipants);
    assert_eq!(st.tx.required_signers(), Signers::GeneralizedAccount(ga_account));

    let sig = st.sign(&basic, &network(), SignatureForm::Raw);
    assert!(st.signatures.is_empty(), "outer layers stay unsigned");
    assert_eq!(st.innermost().signatures, vec![sig]);
    assert!(crypto::verify_tx_bytes(&network(), &offchain().to_rlp(), &basic.public_key(), &sig)
        .is_some());

    let checks = st.verify(&network(), &[ga_account, basic.public_key()]);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].layer, 2, "three SignedTx layers: the innermost is index 2");
    let v = checks[0].verified.unwrap();
    assert_eq!((v.signer, v.form), (basic.public_key(), SignatureForm::Raw));

    // The whole thing survives both forms.
    assert_eq!(SignedTx::from_api_str(&st.to_api_string()).unwrap(), st);
    let json = st.to_json();
    assert_eq!(json["tx"]["type"], "GAMetaTx");
    assert_eq!(json["tx"]["tx"]["tx"]["tx"]["tx"]["type"], "ChannelOffChainTx");
    assert_eq!(SignedTx::from_json(&json).unwrap(), st);
}

#[test]
fn the_inner_tx_of_paying_for_is_signed_with_the_inner_tx_network_suffix() {
    let payer = SecretKey::from_seed(&[1; 32]);
    let signer = SecretKey::from_seed(&[2; 32]);
    let settle = ChannelSettleTx {
        channel_id: ChannelId([7; 32]),
        from_id: signer.public_key(),
        initiator_amount_final: Uint::from(10u64),
        responder_amount_final: Uint::from(20u64),
        ttl: 0,
        fee: Uint::from(1u64),
        nonce: 3,
    };
    let mut st = SignedTx::unsigned(PayingForTx {
        payer_id: payer.public_key(),
        nonce: 8,
        fee: Uint::from(2u64),
        tx: Box::new(SignedTx::unsigned(settle.clone())),
    });
    let inner_sig = st.sign(&signer, &network(), SignatureForm::Raw);
    let outer_sig = payer.sign_tx_bytes(&network(), &st.tx.to_rlp(), SignatureForm::Raw);
    st.add_signature(outer_sig);

    let suffixed = NetworkId::new("local_iris_testnet-inner_tx");
    assert!(crypto::verify_tx_bytes(&suffixed, &settle.to_rlp(), &signer.public_key(), &inner_sig)
        .is_some());
    assert!(crypto::verify_tx_bytes(
        &network(),
        &settle.to_rlp(),
        &signer.public_key(),
        &inner_sig
    )
    .is_none());

    let checks = st.verify(&network(), &[payer.public_key(), signer.public_key()]);
    let found: Vec<_> = checks.iter().map(|c| (c.layer, c.verified.map(|v| v.signer))).collect();
    assert_eq!(found, vec![(0, Some(payer.public_key())), (1, Some(signer.public_key()))]);
    assert_eq!(st.tx.required_signers(), Signers::Account(payer.public_key()));
    assert_eq!(st.required_signers(), Signers::Account(signer.public_key()));
}

#[test]
fn innermost_mut_edits_the_innermost_layer() {
    let mut st = ga(SignedTx::unsigned(offchain()), AccountId([5; 32]));
    if let Tx::ChannelOffChain(o) = &mut st.innermost_mut().tx {
        o.round = 99;
    }
    let Tx::ChannelOffChain(o) = st.innermost_tx() else { panic!("not an off-chain tx") };
    assert_eq!(o.round, 99);
}

#[test]
fn signers_resolve_to_accounts() {
    let (i, r) = (AccountId([1; 32]), AccountId([2; 32]));
    assert_eq!(Signers::BothParticipants.accounts(&i, &r), vec![i, r]);
    assert_eq!(Signers::Account(r).accounts(&i, &r), vec![r]);
    assert!(Signers::GeneralizedAccount(i).accounts(&i, &r).is_empty());
}

#[test]
fn an_empty_payload_is_the_empty_tx_string_in_json() {
    let solo = aesc_codec::tx::ChannelSnapshotSoloTx {
        channel_id: ChannelId([7; 32]),
        from_id: AccountId([1; 32]),
        payload: Payload::Empty,
        ttl: 0,
        fee: Uint::from(1u64),
        nonce: 1,
    };
    let json = solo.to_json();
    assert_eq!(json["payload"], "tx_Xfbg4g==");
    assert_eq!(aesc_codec::tx::ChannelSnapshotSoloTx::from_json(&json).unwrap(), solo);
    // The node's form of a non-empty payload, a tx_ string, is accepted too.
    let state = SignedTx::unsigned(offchain());
    let mut node_form = json.clone();
    node_form["payload"] = state.to_api_string().into();
    let read = aesc_codec::tx::ChannelSnapshotSoloTx::from_json(&node_form).unwrap();
    assert_eq!(read.payload, Payload::Tx(Box::new(state)));
}

#[test]
fn the_node_http_form_of_a_signed_tx_is_read() {
    let st = SignedTx::unsigned(offchain());
    let mut json = st.to_json();
    let map = json.as_object_mut().unwrap();
    map.remove("type");
    map.remove("version");
    map.insert("hash".into(), st.hash().to_string().into());
    map.insert("block_height".into(), (-1).into());
    assert_eq!(SignedTx::from_json(&json).unwrap(), st);
}

#[test]
fn a_ga_initiator_channel_id_uses_the_auth_id() {
    let spec = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
    let plain = SignedTx::from_api_str(spec).unwrap();
    assert_eq!(
        plain.created_channel_id().unwrap().to_string(),
        "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu"
    );
    let Tx::ChannelCreate(create) = plain.tx.clone() else { panic!("not a create tx") };
    // The responder's meta layer does not matter; the initiator's (innermost) one does.
    let wrapped = ga(ga(plain.clone(), create.initiator_id), create.responder_id);
    let slot = aesc_codec::derive::ga_auth_id(&create.initiator_id, b"auth");
    assert_eq!(
        wrapped.created_channel_id(),
        Some(aesc_codec::derive::channel_id_with_slot(
            &create.initiator_id,
            &slot,
            &create.responder_id
        ))
    );
    assert_eq!(SignedTx::unsigned(offchain()).created_channel_id(), None);
}
