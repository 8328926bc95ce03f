//! Whole channel lifecycles against the node double, with scripted clients signing with
//! generated keys.

mod double_common;

use std::time::Duration;

use aesc_testkit::double::Role;
use double_common::*;
use serde_json::json;

#[test]
fn open_message_transfer_and_mutual_close() {
    let node = spawn();
    let mut o = open(&node);
    assert!(o.channel_id.starts_with("ch_"));
    // Messages are relayed with the channel id and both accounts.
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call("channels.message", json!({"to": ra, "info": "Hello"}));
    let m = o.r.expect("channels.message", None);
    assert_eq!(m["params"]["data"]["message"]["from"], ia.as_str());
    assert_eq!(m["params"]["data"]["message"]["info"], "Hello");
    assert_eq!(balances(&mut o), (69_999_999_999_999, 40_000_000_000_001));
    transfer(&mut o, Role::Initiator, 10);
    transfer(&mut o, Role::Responder, 3);
    assert_eq!(balances(&mut o), (69_999_999_999_992, 40_000_000_000_008));
    // Mutual close.
    o.i.call("channels.shutdown", json!({}));
    o.i.sign_id("shutdown_sign", "channels.shutdown_sign");
    o.r.info("shutdown");
    o.r.sign_id("shutdown_sign_ack", "channels.shutdown_sign_ack");
    for c in [&mut o.r, &mut o.i] {
        c.expect("channels.on_chain_tx", Some("close_mutual"));
        c.info("closing");
    }
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("channel_closed"));
        c.info("closed_confirmed");
        c.info("died");
        c.p.wait_closed(T).expect("socket closed after died");
    }
}

#[test]
fn deposit_and_withdraw_go_on_chain() {
    let node = spawn();
    let mut o = open(&node);
    o.i.call("channels.deposit", json!({"amount": 5}));
    o.i.sign_id("deposit_tx", "channels.deposit_tx");
    o.r.info("deposit_created");
    o.r.sign_id("deposit_ack", "channels.deposit_ack");
    o.r.expect("channels.on_chain_tx", Some("deposit_created"));
    o.i.expect("channels.on_chain_tx", Some("deposit_signed"));
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("channel_changed"));
        c.info("own_deposit_locked");
        c.info("deposit_locked");
        c.expect("channels.update", None);
    }
    assert_eq!(balances(&mut o), (70_000_000_000_004, 40_000_000_000_001));
    o.r.call("channels.withdraw", json!({"amount": 2}));
    o.r.sign("withdraw_tx", "channels.withdraw_tx");
    o.i.info("withdraw_created");
    o.i.sign("withdraw_ack", "channels.withdraw_ack");
    o.i.expect("channels.on_chain_tx", Some("withdraw_created"));
    o.r.expect("channels.on_chain_tx", Some("withdraw_signed"));
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("channel_changed"));
        c.info("own_withdraw_locked");
        c.info("withdraw_locked");
        c.expect("channels.update", None);
    }
    assert_eq!(balances(&mut o), (70_000_000_000_004, 39_999_999_999_999));
    // Zero and string amounts are refused as the node refuses them.
    o.i.call("channels.deposit", json!({"amount": "2"}));
    let e = o.i.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 1008);
    o.i.call("channels.withdraw", json!({"amount": 0}));
    let e = o.i.expect("error", None);
    assert_eq!(e["error"]["code"], -32603);
}

#[test]
fn close_solo_then_settle_after_the_lock_period() {
    let node = spawn();
    let mut o = open(&node);
    transfer(&mut o, Role::Initiator, 7);
    o.i.call("channels.close_solo", json!({}));
    o.i.sign("close_solo_sign", "channels.close_solo_sign");
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("solo_closing"));
        c.info("closing");
    }
    // Settle right away: the FSM holds the tx until the lock period is over.
    o.r.call("channels.settle", json!({}));
    o.r.sign("settle_sign", "channels.settle_sign");
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("channel_closed"));
        c.info("closed_confirmed");
        c.info("died");
    }
    let status = node.status().unwrap();
    assert!(status.height >= 10, "the lock period of 10 blocks passed: {status:?}");
}

#[test]
fn stale_solo_close_is_slashed() {
    let node = spawn();
    let mut o = open(&node);
    transfer(&mut o, Role::Initiator, 7);
    node.inject_stale_close_solo(None, Role::Responder, None);
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("can_slash"));
        c.info("closing");
    }
    o.i.call_id("channels.slash", json!({}));
    o.i.expect("result", None);
    o.i.sign("slash_tx", "channels.slash_sign");
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("solo_closing"));
    }
    o.r.call("channels.settle", json!({}));
    o.r.sign("settle_sign", "channels.settle_sign");
    for c in [&mut o.i, &mut o.r] {
        c.expect("channels.on_chain_tx", Some("channel_closed"));
        c.info("closed_confirmed");
        c.info("died");
    }
}

#[test]
fn snapshot_needs_an_offchain_state_once() {
    let node = spawn();
    let mut o = open(&node);
    o.i.call_id("channels.snapshot_solo", json!({}));
    let e = o.i.expect("error", None);
    assert_eq!(e["error"]["code"], 2);
    assert_eq!(e["error"]["data"][0]["code"], 1012);
    transfer(&mut o, Role::Responder, 1);
    o.i.call_id("channels.snapshot_solo", json!({}));
    o.i.expect("result", None);
    o.i.sign("snapshot_solo_tx", "channels.snapshot_solo_sign");
    o.i.expect("channels.on_chain_tx", Some("channel_changed"));
    o.r.expect("channels.on_chain_tx", Some("channel_changed"));
    let md = o.i.info("min_depth_achieved");
    assert_eq!(md["params"]["data"]["type"], "channel_snapshot_solo_tx");
    o.r.call_id("channels.snapshot_solo", json!({}));
    let e = o.r.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 1013);
}

#[test]
fn leave_and_reestablish() {
    let node = spawn();
    let mut o = open(&node);
    transfer(&mut o, Role::Initiator, 5);
    o.i.call("channels.leave", json!({}));
    let left_r = o.r.expect("channels.leave", None);
    o.r.info("died");
    let left_i = o.i.expect("channels.leave", None);
    o.i.info("died");
    assert_eq!(left_r["params"]["data"]["state"], left_i["params"]["data"]["state"]);
    let (ia, ra) = (o.i.ak(), o.r.ak());
    let (ik, rk) = (o.i.key.clone(), o.r.key.clone());
    let base = |role: Role, fsm: &str| {
        let mut q = format!(
            "protocol=json-rpc&role={}&port=12345&existing_channel_id={}&existing_fsm_id={}",
            role.as_str(),
            o.channel_id,
            fsm.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
        );
        if role == Role::Initiator {
            q.push_str("&host=localhost");
        }
        q
    };
    // A wrong fsm id is refused with 1016, a missing one with 2000.
    let mut bad = connect(&node, rk.clone(), Role::Responder, &base(Role::Responder, &o.i.fsm_id));
    let e = bad.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 1016);
    // As a node does, the double leaves closing a refused socket to the client.
    drop(bad);
    let q =
        format!("protocol=json-rpc&role=responder&port=12345&existing_channel_id={}", o.channel_id);
    let mut bad = connect(&node, rk.clone(), Role::Responder, &q);
    let e = bad.expect("error", None);
    assert_eq!(e["error"]["data"][0]["message"], "Missing field: existing_fsm_id");
    let mut r = connect(&node, rk, Role::Responder, &base(Role::Responder, &o.r.fsm_id));
    let up = r.info("fsm_up");
    assert_ne!(up["params"]["data"]["fsm_id"], o.r.fsm_id.as_str(), "a new fsm id");
    let mut i = connect(&node, ik, Role::Initiator, &base(Role::Initiator, &o.i.fsm_id));
    i.info("fsm_up");
    for c in [&mut r, &mut i] {
        c.info("channel_reestablished");
        c.info("open");
        let up = c.expect("channels.update", None);
        assert_eq!(up["params"]["data"]["state"], left_i["params"]["data"]["state"]);
    }
    let mut o2 = Open { i, r, channel_id: o.channel_id.clone(), create_tx: o.create_tx.clone() };
    assert_eq!(balances(&mut o2), (69_999_999_999_994, 40_000_000_000_006));
    let _ = (ia, ra);
}

#[test]
fn reconnect_keeps_the_fsm_and_its_id() {
    let node = spawn();
    let mut o = open(&node);
    let (ia, ra) = (o.i.ak(), o.r.ak());
    let rk = o.r.key.clone();
    let r_fsm = o.r.fsm_id.clone();
    o.r.p.close();
    std::thread::sleep(Duration::from_millis(100));
    // Without the responder, an update signed by the initiator alone is a conflict…
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    o.i.sign("update", "channels.update");
    let c = o.i.expect("channels.conflict", None);
    assert_eq!(c["params"]["data"]["error_code"], 2);
    assert_eq!(c["params"]["data"]["round"], 1);
    // …but one carrying both signatures is applied.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    let req = o.i.expect("channels.sign.update", None);
    let tx = aesc_testkit::double::probe::sign_request_tx(&req).unwrap();
    let net = o.i.net.clone();
    let both = aesc_testkit::double::probe::co_sign(tx, &o.i.key, &net).unwrap();
    let both = aesc_testkit::double::probe::co_sign(&both, &rk, &net).unwrap();
    o.i.call("channels.update", json!({"signed_tx": both}));
    o.i.expect("channels.update", None);
    let q = format!(
        "protocol=json-rpc&role=responder&port=12345&existing_channel_id={}&existing_fsm_id={}",
        o.channel_id,
        r_fsm.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
    );
    let mut r = connect(&node, rk, Role::Responder, &q);
    let up = r.info("fsm_up");
    assert_eq!(up["params"]["data"]["fsm_id"], r_fsm.as_str(), "the same fsm id");
    r.quiet(Duration::from_millis(200));
    o.r = r;
    assert_eq!(balances(&mut o), (69_999_999_999_998, 40_000_000_000_002));
}

#[test]
fn abort_and_conflict() {
    let node = spawn();
    let mut o = open(&node);
    let (ia, ra) = (o.i.ak(), o.r.ak());
    // The starter aborts: only it hears about it.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    o.i.expect("channels.sign.update", None);
    o.i.call("channels.update", json!({"error": 42}));
    o.i.info("aborted_update");
    // The acknowledger aborts: the starter gets a conflict with that code.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    o.i.sign("update", "channels.update");
    o.r.info("update");
    o.r.expect("channels.sign.update_ack", None);
    o.i.call_id("channels.update", json!({"error": 5}));
    let e = o.i.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 1018);
    o.r.call("channels.update_ack", json!({"error": 42}));
    o.r.info("aborted_update");
    let c = o.i.expect("channels.conflict", None);
    assert_eq!(c["params"]["data"]["error_code"], 42);
    assert_eq!(c["params"]["data"]["error_msg"], "unknown");
    // Both propose at once: both get a conflict once one signs.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1}));
    o.r.call("channels.update.new", json!({"from": ra, "to": ia, "amount": 1}));
    o.i.expect("channels.sign.update", None);
    o.r.sign("update", "channels.update");
    for c in [&mut o.i, &mut o.r] {
        let f = c.expect("channels.conflict", None);
        assert_eq!(f["params"]["data"]["error_code"], 2);
        assert_eq!(f["params"]["data"]["round"], 1);
    }
    assert_eq!(balances(&mut o), (69_999_999_999_999, 40_000_000_000_001));
}

#[test]
fn bad_signatures_are_rejected_not_applied() {
    let node = spawn();
    let mut o = open(&node);
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 3}));
    let req = o.i.expect("channels.sign.update", None);
    let tx = aesc_testkit::double::probe::sign_request_tx(&req).unwrap();
    // Signed with the wrong key.
    let stranger = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let wrong = aesc_testkit::double::probe::co_sign(tx, &stranger, &o.i.net).unwrap();
    o.i.call("channels.update", json!({"signed_tx": wrong}));
    let err = o.i.expect("channels.error", None);
    assert!(err["params"]["data"]["message"].is_string());
    let c = o.i.expect("channels.conflict", None);
    assert_eq!(c["params"]["data"]["error_code"], 1);
    // Signed for another network.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 3}));
    let req = o.i.expect("channels.sign.update", None);
    let tx = aesc_testkit::double::probe::sign_request_tx(&req).unwrap();
    let other = aesc_codec::crypto::NetworkId::new("ae_mainnet");
    let wrong = aesc_testkit::double::probe::co_sign(tx, &o.i.key, &other).unwrap();
    o.i.call("channels.update", json!({"signed_tx": wrong}));
    o.i.expect("channels.error", None);
    o.i.expect("channels.conflict", None);
    // A broken tx string is error 1010.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 3}));
    o.i.expect("channels.sign.update", None);
    o.i.call("channels.update", json!({"signed_tx": "tx_nonsense"}));
    let e = o.i.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 1010);
    o.i.call("channels.update", json!({"error": 1}));
    o.i.info("aborted_update");
    o.r.quiet(Duration::from_millis(100));
    assert_eq!(balances(&mut o), (69_999_999_999_999, 40_000_000_000_001));
}

#[test]
fn update_errors_match_the_node() {
    let node = spawn();
    let mut o = open(&node);
    let (ia, ra) = (o.i.ak(), o.r.ak());
    let cases = [
        (json!({"from": ia, "to": ra, "amount": "1"}), 3, 1008),
        (json!({"from": "ABCDEF", "to": ra, "amount": 1}), 3, 1005),
        (json!({"from": ia, "to": ra, "amount": 1, "meta": [1]}), 3, 1014),
        (json!({"from": ia, "to": ra, "amount": 10_000_000_000_000_000u64}), 3, 1001),
        (json!({"from": ia, "to": ra, "amount": -1}), 3, 1002),
        (json!({"from": ia, "to": ia, "amount": 1}), 3, 1003),
    ];
    for (params, code, data) in cases {
        o.i.call("channels.update.new", params.clone());
        let e = o.i.expect("error", None);
        assert_eq!(e["error"]["code"], code, "{params}");
        assert_eq!(e["error"]["data"][0]["code"], data, "{params}");
        assert_eq!(e["error"]["request"]["params"], params);
        assert_eq!(e["id"], serde_json::Value::Null);
    }
    // Meta strings travel with the transfer.
    o.i.call("channels.update.new", json!({"from": ia, "to": ra, "amount": 1, "meta": ["a", "b"]}));
    let req = o.i.sign("update", "channels.update");
    let ops: Vec<&str> = req["params"]["data"]["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["op"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["OffChainTransfer", "OffChainMeta", "OffChainMeta"]);
    o.r.info("update");
    o.r.sign("update_ack", "channels.update_ack");
    o.r.expect("channels.update", None);
    o.i.expect("channels.update", None);
    // Contracts are not simulated: a clear error, not silence.
    o.i.call_id("channels.update.new_contract", json!({"vm_version": 8}));
    let e = o.i.expect("error", None);
    assert!(e["error"]["data"][0]["message"].as_str().unwrap().contains("Not supported"), "{e}");
}

#[test]
fn queries_and_system() {
    let node = spawn();
    let mut o = open(&node);
    o.i.call("channels.system", json!({"action": "ping"}));
    o.i.expect("channels.system.pong", None);
    o.i.call_id("channels.get.offchain_state", json!({}));
    let s = o.i.expect("result", None);
    assert_eq!(s["result"]["signed_tx"], o.create_tx.as_str());
    assert_eq!(s["result"]["half_signed_tx"], "");
    assert!(s["result"]["trees"].as_str().unwrap().starts_with("ss_"));
    o.i.call("channels.get.poi", json!({"accounts": [o.i.ak()]}));
    let p = o.i.expect("channels.get.poi.reply", None);
    assert!(p["params"]["data"]["poi"].as_str().unwrap().starts_with("pi_"));
    o.i.call_id("channels.no.such.method", json!({}));
    let e = o.i.expect("error", None);
    assert_eq!(e["error"]["code"], -32601);
    // stop: ok, then died for both (the responder does not keep running here).
    o.r.call_id("channels.system", json!({"action": "stop"}));
    o.r.expect("result", None);
    o.r.info("died");
    o.i.info("died");
}
