//! FSM timers of the node double end the FSM with the node's events.

mod double_common;

use std::time::Duration;

use aesc_codec::crypto::SecretKey;
use aesc_testkit::double::Role;
use double_common::*;
use serde_json::json;

#[test]
fn lone_initiator_times_out_on_accept() {
    let node = spawn();
    let ik = SecretKey::generate().expect("OS randomness");
    let ra = SecretKey::generate().expect("OS randomness").public_key().to_string();
    let ia = ik.public_key().to_string();
    let mut i = connect(
        &node,
        ik,
        Role::Initiator,
        &open_query(&ia, &ra, Role::Initiator, "&timeout_accept=300"),
    );
    i.info("fsm_up");
    i.info("timeout");
    i.info("died");
    i.p.wait_closed(T).unwrap();
}

#[test]
fn funding_lock_timeout_when_blocks_do_not_come() {
    let node = aesc_testkit::double::spawn(config().with_block_interval(Duration::from_secs(3600)))
        .unwrap();
    let ik = SecretKey::generate().expect("OS randomness");
    let rk = SecretKey::generate().expect("OS randomness");
    let (ia, ra) = (ik.public_key().to_string(), rk.public_key().to_string());
    let extra = "&timeout_funding_lock=300";
    let mut r = connect(
        &node,
        rk,
        Role::Responder,
        &open_query(&ia, &ra, Role::Responder, "&timeout_funding_lock=5000"),
    );
    let mut i = connect(&node, ik, Role::Initiator, &open_query(&ia, &ra, Role::Initiator, extra));
    r.info("fsm_up");
    i.info("fsm_up");
    r.info("channel_open");
    i.info("channel_accept");
    i.sign_id("initiator_sign", "channels.initiator_sign");
    r.info("funding_created");
    r.sign_id("responder_sign", "channels.responder_sign");
    i.wait("channels.info", Some("timeout"));
    i.info("died");
    r.wait("channels.info", Some("died"));
}

#[test]
fn idle_timeout_ends_an_open_channel_and_sign_timeout_rolls_back() {
    let node = spawn();
    let mut o = open_with(&node, "&timeout_sign=300&timeout_idle=1500");
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    o.i.expect("channels.sign.update", None);
    // No signature: the update is rolled back with a timeout conflict for both.
    for c in [&mut o.i, &mut o.r] {
        let conflict = c.expect("channels.conflict", None);
        assert_eq!(conflict["params"]["data"]["error_code"], 3);
        assert_eq!(conflict["params"]["data"]["error_msg"], "timeout");
    }
    // Then nothing happens until the idle timer ends the FSMs: the first timer to fire
    // reports `timeout`, and both FSMs die.
    let mut timeouts = 0;
    for c in [&mut o.i, &mut o.r] {
        let first = c.expect("channels.info", None);
        if first["params"]["data"]["event"] == "timeout" {
            timeouts += 1;
            c.info("died");
        } else {
            assert_eq!(first["params"]["data"]["event"], "died");
        }
    }
    assert_eq!(timeouts, 1);
}
