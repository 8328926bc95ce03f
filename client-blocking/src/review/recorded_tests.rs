//! The review against the transactions of recorded sessions (`tests/data/recorded_vectors.json`:
//! the shared seeds and the same stories against a current node). Every sign request a node
//! sent is signed, in order, by a client that asked for what the recorded client asked for
//! and follows the channel through its co-signed states. Each create transaction is refused,
//! with its reason, when one term differs, when the request is another party's or when the
//! other party's signature is not for this network.

use aesc_codec::crypto::{AccountVerifier, NetworkId};
use std::collections::BTreeSet;

use aesc_codec::jsonrpc::{EncodedTx, SignRequest, SignTag, TxOptions};
use aesc_codec::object::Object;
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{ChannelCreateTx, SignedTx, Tx, Update};
use aesc_codec::Uint;
use serde_json::Value;

use super::{Review, Stage, Verdict};
use crate::channel_config::OpenTerms;
use crate::params::Role;
use crate::policy::DefaultPolicy;
use crate::session::OpKind;
use crate::view::{round_and_hash, ChannelView, Phase};

/// One recorded session's create transaction: unsigned, and signed by the initiator only.
struct Recorded {
    session: String,
    network: NetworkId,
    push_amount: Uint,
    unsigned: SignedTx,
    by_initiator: SignedTx,
}

fn sessions() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/recorded_vectors.json");
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    vectors["sessions"].as_array().unwrap().clone()
}

fn recorded() -> Vec<Recorded> {
    sessions()
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

/// The recorded session's transactions of `kind` that both parties signed.
fn cosigned(session: &Value, kind: &str) -> Vec<SignedTx> {
    let txs = session["txs"].as_array().unwrap();
    txs.iter()
        .filter(|t| t["type"] == kind && t["signatures"].as_array().unwrap().len() == 2)
        .map(|t| SignedTx::from_api_str(t["tx"].as_str().unwrap()).unwrap())
        .collect()
}

#[test]
fn every_recorded_sign_request_is_signed_in_order() {
    let mut kinds = BTreeSet::new();
    for (s, r) in sessions().iter().zip(recorded()) {
        let c = create_of(&r.unsigned).clone();
        let (initiator, responder) = (c.initiator_id, c.responder_id);
        let mut state = OffChainState::initial(
            initiator,
            c.initiator_amount.clone(),
            responder,
            c.responder_amount.clone(),
            r.push_amount.clone(),
        )
        .unwrap();
        let created = cosigned(s, "ChannelCreateTx").pop().unwrap();
        let offchain = cosigned(s, "ChannelOffChainTx");
        // What the client has co-signed: the round and the transaction.
        let mut latest: Option<(u64, SignedTx)> = None;
        let mut previous: Option<(Role, SignedTx)> = None;
        // A co-signed state the channel moves to once the node asks for something else (it
        // may ask for the same signature again first, as after a reconnect).
        let mut pending: Option<(u64, Vec<Update>, SignedTx)> = None;
        for req in s["sign_requests"].as_array().unwrap() {
            let role = match req["role"].as_str().unwrap() {
                "initiator" => Role::Initiator,
                _ => Role::Responder,
            };
            let tag = SignTag::from_tag(req["tag"].as_str().unwrap()).unwrap();
            let tx = SignedTx::from_api_str(req["signed_tx"].as_str().unwrap()).unwrap();
            let updates: Vec<Update> = req["updates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| Update::from_json(u).unwrap())
                .collect();
            let (me, peer) = match role {
                Role::Initiator => (initiator, responder),
                Role::Responder => (responder, initiator),
            };
            let repeated = previous.as_ref().is_some_and(|(who, t)| *who == role && *t == tx);
            if let Some((round, applied, co)) = pending.take_if(|_| !repeated) {
                state.apply_all(&applied, &c.channel_reserve).unwrap();
                latest = Some((round, co));
            }
            let mut view = ChannelView::new(role, me, peer);
            view.channel_reserve = c.channel_reserve.clone();
            if let Some((round, co)) = &latest {
                view.channel_id = Some(c.channel_id());
                view.round = *round;
                view.state = Some(state.clone());
                view.latest = Some(co.clone());
                view.phase = Phase::Open;
            }
            // What the recorded client had asked for: its own operations; the other party's
            // proposals come unasked.
            let kind = match tag {
                SignTag::InitiatorSign | SignTag::ResponderSign => Some(OpKind::Open(terms_of(&r))),
                SignTag::Update => Some(OpKind::Update(updates.clone())),
                SignTag::ShutdownSign => Some(OpKind::Shutdown(TxOptions::default())),
                SignTag::UpdateAck | SignTag::ShutdownSignAck => None,
                other => panic!("{}: no rule for {other:?}", r.session),
            };
            // A request sent again (the node repeats it after a reconnect) was signed already.
            let again =
                previous.as_ref().filter(|(who, t)| *who == role && *t == tx).map(|(_, t)| t);
            let stage = match &kind {
                Some(kind) => Stage::Own { kind, signed: again },
                None => Stage::Idle,
            };
            let review = Review {
                view: &view,
                network: &r.network,
                peer: &AccountVerifier::new(peer),
                policy: &DefaultPolicy,
                fee_cap: &Uint::from(crate::DEFAULT_FEE_CAP),
                stage,
                latest_on_chain: false,
                peer_verified: Default::default(),
            };
            let request = SignRequest {
                tag,
                signed_tx: EncodedTx::from_bytes(&tx.to_rlp()),
                updates: req["updates"].as_array().unwrap().clone(),
            };
            match review.verdict(&request) {
                Verdict::Sign(plan) => assert_eq!(plan.tx, tx, "{}: {tag:?}", r.session),
                Verdict::Refuse { refusal, .. } => {
                    panic!("{}: {tag:?} by the {role:?} refused: {refusal}", r.session)
                }
            }
            kinds.insert(tag.as_str());
            previous = Some((role, tx.clone()));
            // Follow the channel to the state both parties signed.
            if tag == SignTag::ResponderSign {
                latest = Some((1, created.clone()));
            }
            let round = round_and_hash(&tx.tx).map_or(0, |(round, _)| round);
            let newer = latest.as_ref().is_some_and(|(at, _)| round > *at);
            if let Some(co) =
                offchain.iter().find(|o| newer && round_and_hash(&o.tx).unwrap().0 == round)
            {
                pending = Some((round, updates, co.clone()));
            }
        }
    }
    let expected =
        ["initiator_sign", "responder_sign", "update", "shutdown_sign", "shutdown_sign_ack"];
    assert_eq!(kinds, expected.into_iter().collect(), "the kinds of request the recordings hold");
}
