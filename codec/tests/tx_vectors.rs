//! The verified vectors of the protocol digest (§9): the create tx of the node's
//! `sc_ws_basic_open_close` example, unsigned and co-signed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::crypto::{NetworkId, SignatureForm};
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{AccountId, StateHash};
use aesc_codec::object::Object;
use aesc_codec::tx::{Delegates, SignedTx, Signers, Tx, TxKind};
use aesc_codec::Uint;

const UNSIGNED_CREATE: &str = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
const COSIGNED_CREATE: &str = "tx_+QENCwH4hLhAFnxtn+yejpUApbsfNND+fIrAaUrAmZMTdxOTmGEwF4npoHvG5vmhJHRohpKDXf+nm1EDzKtNCarz57FdSoOuAbhAr0pHgif1xezYZbr3n/7F9jzWbUBTy6qbU2K1YiSU1Y+qnMUmcGbRYieWsNPbt3kONBG+OrvisSXsTHbUD7SoCLiD+IEyAaEBZK4OCGLe00s6e+4hWbkUhsL0iSh2Tb8TgIqJqYuVr4GGP6olImAAoQGQsy4wyp2ngByD9p0uw1DZWKZADIqFC92lFO6uDCpwoYYkYTnKgAACCgCGEAZ510gAwKBk/wgc02xPFpin8ZqQbLoxNebwyc6eA+R5uowuCfW4RgN3M95P";
const INITIATOR: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const RESPONDER: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";
const STATE_HASH_HEX: &str = "64ff081cd36c4f1698a7f19a906cba3135e6f0c9ce9e03e479ba8c2e09f5b846";

fn network() -> NetworkId {
    NetworkId::new("local_iris_testnet")
}

#[test]
fn unsigned_create_v1_decodes_field_by_field() {
    let signed = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    assert!(signed.signatures.is_empty());
    assert_eq!(signed.tx.kind(), TxKind::ChannelCreate);
    assert_eq!(signed.tx.tag(), 50);
    assert_eq!(signed.tx.version(), 1);
    let Tx::ChannelCreate(c) = &signed.tx else { panic!("not a create tx") };
    assert_eq!(c.initiator_id.to_string(), INITIATOR);
    assert_eq!(c.responder_id.to_string(), RESPONDER);
    assert_eq!(c.initiator_amount, Uint::from(70_000_000_000_000u64));
    assert_eq!(c.responder_amount, Uint::from(40_000_000_000_000u64));
    assert_eq!(c.channel_reserve, Uint::from(2u64));
    assert_eq!(c.lock_period, 10);
    assert_eq!(c.ttl, 0);
    assert_eq!(c.fee, Uint::from(17_620_000_000_000u64));
    assert_eq!(c.delegates, Delegates::Single(vec![]));
    assert_eq!(hex::encode(c.state_hash.as_bytes()), STATE_HASH_HEX);
    assert_eq!(c.nonce, 3);
    assert_eq!(c.channel_id().to_string(), "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu");
    assert_eq!(signed.to_api_string(), UNSIGNED_CREATE);
    assert_eq!(
        signed.required_signers(),
        Signers::Participants {
            initiator: INITIATOR.parse().unwrap(),
            responder: RESPONDER.parse().unwrap()
        }
    );
}

#[test]
fn unsigned_create_v1_has_the_documented_layout() {
    let bytes = encoding::decode_as(Prefix::Transaction, UNSIGNED_CREATE).unwrap();
    // [11, 1, [], <<inner>>]
    assert_eq!(&bytes[..5], &[0xf8, 0x88, 0x0b, 0x01, 0xc0]);
    let signed = SignedTx::from_rlp(&bytes).unwrap();
    let inner = signed.inner_tx_bytes();
    assert_eq!(&bytes[bytes.len() - inner.len()..], inner.as_slice());
    assert_eq!(inner[..4], [0xf8, 0x81, 0x32, 0x01], "tag 50, version 1");
    assert_eq!(Tx::from_rlp(&inner).unwrap(), signed.tx);
}

#[test]
fn cosigned_create_signatures_are_sorted_and_verify() {
    let signed = SignedTx::from_api_str(COSIGNED_CREATE).unwrap();
    assert_eq!(signed.signatures.len(), 2);
    assert!(hex::encode(signed.signatures[0].as_bytes()).starts_with("167c6d9f"));
    assert!(hex::encode(signed.signatures[1].as_bytes()).starts_with("af4a4782"));
    let unsigned = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    assert_eq!(signed.tx, unsigned.tx);
    assert_eq!(signed.to_api_string(), COSIGNED_CREATE);

    let initiator: AccountId = INITIATOR.parse().unwrap();
    let responder: AccountId = RESPONDER.parse().unwrap();
    let checks = signed.verify(&network(), &[initiator, responder]);
    let who: Vec<_> = checks.iter().map(|c| c.verified.map(|v| (v.signer, v.form))).collect();
    assert_eq!(
        who,
        vec![Some((initiator, SignatureForm::Raw)), Some((responder, SignatureForm::Raw))]
    );
    assert!(checks.iter().all(|c| c.layer == 0));
    // Another network id: nothing verifies.
    let other = signed.verify(&NetworkId::new("ae_mainnet"), &[initiator, responder]);
    assert!(other.iter().all(|c| c.verified.is_none()));
}

#[test]
fn encoding_sorts_signatures_whatever_the_order() {
    let mut signed = SignedTx::from_api_str(COSIGNED_CREATE).unwrap();
    signed.signatures.reverse();
    assert_eq!(signed.to_api_string(), COSIGNED_CREATE);
    let canonical = SignedTx::from_api_str(COSIGNED_CREATE).unwrap();
    assert_eq!(signed.hash(), canonical.hash());
    // Decoding keeps the order found.
    let reversed = SignedTx::from_rlp(&{
        let mut enc = aesc_codec::rlp::Encoder::new();
        enc.list(|l| {
            l.uint_u64(11).uint_u64(1);
            l.list(|s| {
                s.bytes(canonical.signatures[1].as_bytes());
                s.bytes(canonical.signatures[0].as_bytes());
            });
            l.bytes(&canonical.tx.to_rlp());
        });
        enc.finish()
    })
    .unwrap();
    assert_eq!(reversed.signatures, signed.signatures);
}

#[test]
fn hash_is_blake2b_of_the_canonical_signed_tx() {
    let signed = SignedTx::from_api_str(COSIGNED_CREATE).unwrap();
    let bytes = encoding::decode_as(Prefix::Transaction, COSIGNED_CREATE).unwrap();
    assert_eq!(signed.hash().as_bytes(), &aesc_codec::hash::blake2b_256(&bytes));
    assert!(signed.hash().to_string().starts_with("th_"));
}

#[test]
fn state_hash_is_an_st_string_in_json() {
    let signed = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    let json = signed.to_json();
    let tx = &json["tx"];
    assert_eq!(tx["type"], "ChannelCreateTx");
    assert_eq!(tx["version"], 1);
    assert_eq!(tx["initiator_id"], INITIATOR);
    assert_eq!(tx["initiator_amount"].to_string(), "70000000000000");
    assert_eq!(tx["delegate_ids"], serde_json::json!([]));
    let sh: StateHash = tx["state_hash"].as_str().unwrap().parse().unwrap();
    assert_eq!(hex::encode(sh.as_bytes()), STATE_HASH_HEX);
    assert_eq!(json["type"], "SignedTx");
    assert_eq!(json["signatures"], serde_json::json!([]));
    assert_eq!(SignedTx::from_json(&json).unwrap(), signed);
}

#[test]
fn signing_adds_sorted_signatures_that_verify_for_their_signers() {
    // The recording's keys are not known; sign with fresh keys and check the signatures land
    // sorted in the only layer and verify for their signers.
    let mut signed = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    let a = aesc_codec::crypto::SecretKey::from_seed(&[1; 32]);
    let b = aesc_codec::crypto::SecretKey::from_seed(&[2; 32]);
    let sa = signed.sign(&a, &network(), SignatureForm::Raw);
    let sb = signed.sign(&b, &network(), SignatureForm::Hash);
    let mut expected = vec![sa, sb];
    expected.sort();
    assert_eq!(signed.signatures, expected);
    let checks = signed.verify(&network(), &[a.public_key(), b.public_key()]);
    for c in checks {
        let v = c.verified.unwrap();
        if c.signature == sa {
            assert_eq!((v.signer, v.form), (a.public_key(), SignatureForm::Raw));
        } else {
            assert_eq!((v.signer, v.form), (b.public_key(), SignatureForm::Hash));
        }
    }
    // Signing twice with the same key and form adds nothing.
    signed.sign(&a, &network(), SignatureForm::Raw);
    assert_eq!(signed.signatures.len(), 2);
}

#[test]
fn decoded_objects_implement_object() {
    let bytes = encoding::decode_as(Prefix::Transaction, UNSIGNED_CREATE).unwrap();
    let signed = <SignedTx as Object>::from_rlp(&bytes).unwrap();
    assert_eq!(signed.version(), 1);
    assert_eq!(<SignedTx as Object>::TAG, 11);
}
