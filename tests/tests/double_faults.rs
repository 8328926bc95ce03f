//! Fault switches of the node double: delayed, dropped and garbage frames, sockets closed at a
//! chosen step, and sign requests whose transaction was altered.

mod double_common;

use std::time::{Duration, Instant};

use aesc_codec::tx::{SignedTx, Tx};
use aesc_testkit::double::probe::sign_request_tx;
use aesc_testkit::double::{Alteration, Fault, Observation, Role};
use double_common::*;
use serde_json::json;

fn update_request(o: &mut Open, amount: u64) -> serde_json::Value {
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": amount}));
    o.i.expect("channels.sign.update", None)
}

fn tx_of(frame: &serde_json::Value) -> Tx {
    SignedTx::from_api_str(sign_request_tx(frame).expect("signed_tx")).expect("a tx").tx
}

#[test]
fn delayed_and_dropped_frames() {
    let node = spawn();
    let mut o = open(&node);
    node.add_fault(
        Fault::on("channels.sign.update").role(Role::Initiator).delay(Duration::from_millis(400)),
    );
    let start = Instant::now();
    update_request(&mut o, 1);
    assert!(start.elapsed() >= Duration::from_millis(350), "{:?}", start.elapsed());
    o.i.call("channels.update", json!({"error": 1}));
    o.i.info("aborted_update");
    // The second message to the responder is dropped, the third arrives.
    node.add_fault(Fault::on("channels.message").role(Role::Responder).nth(2).drop_frame());
    let ra = o.r.ak();
    for n in 1..=3 {
        o.i.call("channels.message", json!({"to": ra, "info": format!("m{n}")}));
    }
    let m = o.r.expect("channels.message", None);
    assert_eq!(m["params"]["data"]["message"]["info"], "m1");
    let m = o.r.expect("channels.message", None);
    assert_eq!(m["params"]["data"]["message"]["info"], "m3");
    let seen = node.observations();
    assert!(seen.iter().any(
        |ob| matches!(ob, Observation::FaultFired { method, .. } if method == "channels.message")
    ));
}

#[test]
fn garbage_frame_then_socket_closed_at_a_step() {
    let node = spawn();
    let mut o = open(&node);
    node.add_fault(Fault::on("channels.message").role(Role::Responder).garbage_before("{not json"));
    node.add_fault(Fault::on_info("update").role(Role::Responder).close_before());
    let ra = o.r.ak();
    o.i.call("channels.message", json!({"to": ra, "info": "hi"}));
    let garbage = o.r.p.recv(T).unwrap().unwrap();
    assert_eq!(garbage, json!("{not json"));
    o.r.expect("channels.message", None);
    // The responder's socket closes where its `update` event would have come.
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    o.i.sign("update", "channels.update");
    o.r.p.wait_closed(T).unwrap();
}

#[test]
fn altered_offchain_updates_are_told_apart_from_the_agreed_one() {
    let node = spawn();
    let mut o = open(&node);
    let honest = tx_of(&update_request(&mut o, 5));
    o.i.call("channels.update", json!({"error": 1}));
    o.i.info("aborted_update");
    let Tx::ChannelOffChain(honest) = honest else { panic!("not an off-chain tx") };
    for how in Alteration::ALL {
        node.add_fault(Fault::on("channels.sign.update").role(Role::Initiator).alter(how));
        let req = update_request(&mut o, 5);
        // The updates list still shows the agreed transfer (and, for an extra update, one more).
        let updates = req["params"]["data"]["updates"].as_array().unwrap();
        assert_eq!(updates[0]["amount"], 5);
        assert_eq!(updates.len(), if how == Alteration::ExtraUpdate { 2 } else { 1 }, "{how:?}");
        match (how, tx_of(&req)) {
            (Alteration::WrongType, Tx::ChannelOffChain(_)) => panic!("{how:?}: same type"),
            (Alteration::WrongType, _) => {}
            (_, Tx::ChannelOffChain(t)) => {
                assert_ne!(t, honest, "{how:?}");
                match how {
                    Alteration::ChannelId => assert_ne!(t.channel_id, honest.channel_id),
                    Alteration::Round => assert_eq!(t.round, honest.round + 1),
                    _ => assert_ne!(t.state_hash, honest.state_hash, "{how:?}"),
                }
            }
            (_, other) => panic!("{how:?}: {other:?}"),
        }
        o.i.call("channels.update", json!({"error": 1}));
        o.i.info("aborted_update");
    }
    let refused = node
        .observations()
        .iter()
        .filter(|ob| matches!(ob, Observation::RefusedAlteredTx { .. }))
        .count();
    assert_eq!(refused, 6);
    // Signing an altered tx is recorded, reported and not applied.
    node.add_fault(
        Fault::on("channels.sign.update_ack").role(Role::Responder).alter(Alteration::Amount),
    );
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 5}));
    o.i.sign("update", "channels.update");
    o.r.info("update");
    o.r.sign("update_ack", "channels.update_ack");
    o.r.expect("channels.error", None);
    for c in [&mut o.r, &mut o.i] {
        let conflict = c.expect("channels.conflict", None);
        assert_eq!(conflict["params"]["data"]["error_code"], 1);
    }
    assert!(node
        .observations()
        .iter()
        .any(|ob| matches!(ob, Observation::SignedAlteredTx { role: Role::Responder, .. })));
    assert_eq!(balances(&mut o), (69_999_999_999_999, 40_000_000_000_001));
}

#[test]
fn altered_on_chain_txs() {
    let node = spawn();
    let mut o = open(&node);
    node.add_fault(Fault::on("channels.sign.deposit_tx").alter(Alteration::Amount));
    o.i.call("channels.deposit", json!({"amount": 10}));
    let req = o.i.expect("channels.sign.deposit_tx", None);
    let Tx::ChannelDeposit(d) = tx_of(&req) else { panic!("not a deposit") };
    assert_eq!(d.amount, 11u64.into());
    o.i.call("channels.deposit_tx", json!({"error": 3}));
    o.i.info("aborted_update");
    node.add_fault(Fault::on("channels.sign.shutdown_sign").alter(Alteration::Recipient));
    o.i.call("channels.shutdown", json!({}));
    let req = o.i.expect("channels.sign.shutdown_sign", None);
    let Tx::ChannelCloseMutual(c) = tx_of(&req) else { panic!("not a close") };
    assert_ne!(c.from_id.to_string(), o.i.ak());
    o.i.call("channels.shutdown_sign", json!({"error": 3}));
    o.i.info("aborted_update");
    node.add_fault(Fault::on("channels.sign.withdraw_tx").alter(Alteration::WrongType));
    o.i.call("channels.withdraw", json!({"amount": 1}));
    let req = o.i.expect("channels.sign.withdraw_tx", None);
    assert!(matches!(tx_of(&req), Tx::ChannelOffChain(_)));
}

#[test]
fn altered_create_tx() {
    let node = double_common::spawn();
    node.add_fault(Fault::on("channels.sign.initiator_sign").alter(Alteration::ChannelId));
    let ik = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let rk = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let (ia, ra) = (ik.public_key().to_string(), rk.public_key().to_string());
    let mut r = connect(&node, rk, Role::Responder, &open_query(&ia, &ra, Role::Responder, ""));
    let mut i = connect(&node, ik, Role::Initiator, &open_query(&ia, &ra, Role::Initiator, ""));
    r.info("fsm_up");
    i.info("fsm_up");
    r.info("channel_open");
    i.info("channel_accept");
    let req = i.expect("channels.sign.initiator_sign", None);
    let Tx::ChannelCreate(c) = tx_of(&req) else { panic!("not a create") };
    // The nonce, and with it the channel id, is not the one the chain expects.
    assert_ne!(c.nonce, 1);
    // A signature over the altered tx is refused and the FSM keeps waiting.
    let signed =
        aesc_testkit::double::probe::co_sign(sign_request_tx(&req).unwrap(), &i.key, &i.net)
            .unwrap();
    i.call("channels.initiator_sign", json!({"signed_tx": signed}));
    i.expect("channels.error", None);
    r.quiet(Duration::from_millis(100));
    assert!(node
        .observations()
        .iter()
        .any(|ob| matches!(ob, Observation::SignedAlteredTx { role: Role::Initiator, .. })));
}
