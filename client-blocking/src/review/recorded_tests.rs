//! The review against the transactions of recorded sessions (`tests/data/recorded_vectors.json`:
//! the shared seeds and the same stories against a current node). Each create transaction a
//! node asked a party to sign is signed when the terms the user asked for are the recorded
//! ones, and refused, with its reason, when one term differs, when the request is another
//! party's or when the other party's signature is not for this network.

use aesc_codec::crypto::{AccountVerifier, NetworkId};
use aesc_codec::jsonrpc::{EncodedTx, SignRequest, SignTag};
use aesc_codec::object::Object;
use aesc_codec::tx::{ChannelCreateTx, SignedTx, Tx};
use aesc_codec::Uint;
use serde_json::Value;

use super::{Review, Stage, Verdict};
use crate::channel_config::OpenTerms;
use crate::params::Role;
use crate::policy::DefaultPolicy;
use crate::session::OpKind;
use crate::view::ChannelView;

/// One recorded session's create transaction: unsigned, and signed by the initiator only.
struct Recorded {
    session: String,
    network: NetworkId,
    push_amount: Uint,
    unsigned: SignedTx,
    by_initiator: SignedTx,
}

fn recorded() -> Vec<Recorded> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/recorded_vectors.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let sessions = vectors["sessions"].as_array().unwrap();
    sessions
        .iter()
        .map(|s| {
            let create = |signatures: usize| {
                let tx = s["txs"].as_array().unwrap().iter().find(|t| {
                    t["type"] == "ChannelCreateTx"
                        && t["signatures"].as_array().unwrap().len() == signatures
                });
                SignedTx::from_api_str(tx.unwrap()["tx"].as_str().unwrap()).unwrap()
            };
            let push = s["channels"][0]["push_amount"].to_string();
            Recorded {
                session: s["session"].as_str().unwrap().to_owned(),
                network: NetworkId::new(s["network_id"].as_str().unwrap()),
                push_amount: push.parse().unwrap(),
                unsigned: create(0),
                by_initiator: create(1),
            }
        })
        .collect()
}

fn create_of(tx: &SignedTx) -> &ChannelCreateTx {
    match &tx.tx {
        Tx::ChannelCreate(c) => c,
        other => panic!("not a create tx: {other:?}"),
    }
}

/// The terms a user asking for this channel gives.
fn terms_of(r: &Recorded) -> OpenTerms {
    let c = create_of(&r.unsigned);
    OpenTerms {
        initiator_amount: c.initiator_amount.clone(),
        responder_amount: c.responder_amount.clone(),
        push_amount: r.push_amount.clone(),
        channel_reserve: c.channel_reserve.clone(),
        lock_period: c.lock_period,
        fee: None,
        nonce: None,
    }
}

/// What `role` answers to `tag` carrying `tx`, having asked for a channel on `terms`:
/// `Ok(())` to sign, or the refusal's reason.
fn verdict(
    r: &Recorded,
    network: &NetworkId,
    role: Role,
    terms: OpenTerms,
    tag: SignTag,
    tx: &SignedTx,
) -> Result<(), String> {
    let c = create_of(&r.unsigned);
    let (me, peer) = match role {
        Role::Initiator => (c.initiator_id, c.responder_id),
        Role::Responder => (c.responder_id, c.initiator_id),
    };
    let view = ChannelView::new(role, me, peer);
    let kind = OpKind::Open(terms);
    let review = Review {
        view: &view,
        network,
        peer: &AccountVerifier::new(peer),
        policy: &DefaultPolicy,
        fee_cap: &Uint::from(crate::DEFAULT_FEE_CAP),
        stage: Stage::Own { kind: &kind, signed: None },
        latest_on_chain: false,
        peer_verified: Default::default(),
    };
    let req =
        SignRequest { tag, signed_tx: EncodedTx::from_bytes(&tx.to_rlp()), updates: Vec::new() };
    match review.verdict(&req) {
        Verdict::Sign(plan) => {
            assert_eq!(&plan.tx, tx, "{}: what is signed is what was sent", r.session);
            Ok(())
        }
        Verdict::Refuse { refusal, .. } => Err(format!("{refusal:?}")),
    }
}

#[test]
fn every_recorded_create_tx_is_signed_by_both_parties_on_the_recorded_terms() {
    let all = recorded();
    assert_eq!(all.len(), 5, "the committed vectors hold five sessions");
    for r in &all {
        let n = &r.network;
        let (i, rs) = (SignTag::InitiatorSign, SignTag::ResponderSign);
        assert_eq!(
            verdict(r, n, Role::Initiator, terms_of(r), i, &r.unsigned),
            Ok(()),
            "{}",
            r.session
        );
        assert_eq!(
            verdict(r, n, Role::Responder, terms_of(r), rs, &r.by_initiator),
            Ok(()),
            "{}",
            r.session
        );
    }
}

#[test]
fn a_recorded_create_tx_on_other_terms_or_for_another_network_is_refused() {
    for r in &recorded() {
        let n = &r.network;
        let refused = |want: &str, got: Result<(), String>| {
            let got = got.expect_err(&format!("{}: signed, {want} expected", r.session));
            assert!(got.starts_with(want), "{}: {got}, {want} expected", r.session);
        };
        let (i, rs) = (SignTag::InitiatorSign, SignTag::ResponderSign);

        let mut more = terms_of(r);
        more.initiator_amount = &more.initiator_amount + &Uint::from(1u64);
        refused("Amount", verdict(r, n, Role::Initiator, more, i, &r.unsigned));

        let mut reserve = terms_of(r);
        reserve.channel_reserve = &reserve.channel_reserve + &Uint::from(1u64);
        refused("Amount", verdict(r, n, Role::Responder, reserve, rs, &r.by_initiator));

        let mut lock = terms_of(r);
        lock.lock_period += 1;
        refused("Value", verdict(r, n, Role::Initiator, lock, i, &r.unsigned));

        // The initiator's request, answered by the responder: a request of the wrong kind.
        refused(
            "WrongType",
            verdict(r, n, Role::Initiator, terms_of(r), SignTag::Update, &r.unsigned),
        );

        // The initiator's signature checked for another network.
        let other = NetworkId::new("ae_mainnet");
        refused(
            "PeerSignature",
            verdict(r, &other, Role::Responder, terms_of(r), rs, &r.by_initiator),
        );
    }
}
