//! The node double never panics and never hangs on bad client input: garbage frames, wrong
//! requests at every stage, sockets dropped mid-way. After each abuse it still serves a full
//! channel open.

mod double_common;

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::time::Duration;

use aesc_testkit::double::probe::Probe;
use aesc_testkit::double::Role;
use double_common::*;
use serde_json::json;

fn still_serving(node: &aesc_testkit::double::NodeDouble) {
    assert!(node.status().is_some(), "the hub answers");
    let o = open(node);
    assert!(o.channel_id.starts_with("ch_"));
}

#[test]
fn garbage_frames_and_requests() {
    let node = spawn();
    let mut o = open(&node);
    let junk = [
        "", "{", "null", "[]", "[1,2,3]", "\"text\"", "{\"jsonrpc\":\"2.0\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":7}", "{\"jsonrpc\":\"2.0\",\"method\":\"channels.update.new\",\"params\":7}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.update\",\"params\":{\"signed_tx\":12}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.update_ack\",\"params\":{\"signed_tx\":\"tx_\"}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.deposit\",\"params\":{\"amount\":1e400}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.get.balances\",\"params\":{\"accounts\":[1,null]}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.message\",\"params\":{\"to\":\"ak_\",\"info\":{}}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.system\",\"params\":{\"action\":\"reboot\"}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.settle\",\"params\":{\"fee\":-5}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"channels.initiator_sign\",\"params\":{\"error\":99999999}}",
    ];
    for text in junk {
        o.i.p.send_text(text).unwrap();
        o.r.p.send_text(text).unwrap();
    }
    o.i.p.send_binary(vec![0xff, 0x00, 0x13]).unwrap();
    o.i.p.send_text(&"x".repeat(200_000)).unwrap();
    // Drain whatever errors came back (a bounded number); the channel still works.
    for p in [&mut o.i.p, &mut o.r.p] {
        let mut n = 0;
        while p.recv(Duration::from_millis(200)).unwrap().is_some() {
            n += 1;
            assert!(n < 1_000, "the double keeps sending");
        }
    }
    assert_eq!(balances(&mut o), (69_999_999_999_999, 40_000_000_000_001));
    transfer(&mut o, Role::Responder, 1);
    still_serving(&node);
}

#[test]
fn bad_connects_and_dropped_sockets() {
    let node = spawn();
    for query in [
        "",
        "protocol=json-rpc",
        "protocol=json-rpc&role=initiator&port=1",
        "protocol=xml&role=responder&port=1",
        "protocol=json-rpc&role=responder&port=1&initiator_id=ak_x&responder_id=ak_y",
        "%zz=%%",
        "existing_channel_id=ch_1&protocol=json-rpc&role=responder&port=1",
    ] {
        let url = format!("{}?{query}", node.url());
        if let Ok(mut p) = Probe::connect(&url, T) {
            let _ = p.wait_closed(T);
        }
    }
    // Not a WebSocket at all, then a handshake cut short.
    let mut raw = TcpStream::connect(node.addr()).unwrap();
    raw.write_all(b"GET /other HTTP/1.1\r\n\r\n").unwrap();
    drop(raw);
    let mut raw = TcpStream::connect(node.addr()).unwrap();
    raw.write_all(b"GET /channel?protocol=json-rpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
        .unwrap();
    drop(raw);
    // A client that leaves in the middle of the open, before signing.
    let ik = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let rk = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let (ia, ra) = (ik.public_key().to_string(), rk.public_key().to_string());
    let mut r =
        connect(&node, rk, Role::Responder, &open_query(&ia, &ra, Role::Responder, "&port=999"));
    let mut i =
        connect(&node, ik, Role::Initiator, &open_query(&ia, &ra, Role::Initiator, "&port=999"));
    i.info("fsm_up");
    i.info("channel_accept");
    i.expect("channels.sign.initiator_sign", None);
    i.p.close();
    r.info("fsm_up");
    r.info("channel_open");
    r.info("died");
    still_serving(&node);
}

#[test]
fn requests_before_the_channel_is_ready() {
    let node = spawn();
    let ik = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let rk = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let (ia, ra) = (ik.public_key().to_string(), rk.public_key().to_string());
    let mut r = connect(&node, rk, Role::Responder, &open_query(&ia, &ra, Role::Responder, ""));
    r.info("fsm_up");
    r.call_id("channels.get.balances", json!({"accounts": [ra]}));
    let e = r.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 108);
    r.call("channels.system", json!({"action": "ping"}));
    r.expect("channels.system.pong", None);
    r.call_id("channels.responder_sign", json!({"signed_tx": "tx_garbage"}));
    let e = r.expect("error", None);
    assert_eq!(e["error"]["data"][0]["code"], 1010);
    still_serving(&node);
}

#[test]
fn huge_timers_and_delays() {
    let node = spawn();
    let huge = "&timeout_idle=18446744073709551615&timeout_accept=18446744073709551615\
                &timeout_sign=99999999999999999999999";
    let o = open_with(&node, &huge[..huge.find("&timeout_sign").unwrap()]);
    node.add_fault(aesc_testkit::double::Fault::on("channels.message").delay(Duration::MAX));
    let mut o = o;
    let ra = o.r.ak();
    o.i.call("channels.message", json!({"to": ra, "info": "never"}));
    o.r.quiet(Duration::from_millis(200));
    // A timer too large for an integer of the node is refused like any unreadable parameter.
    let ik = aesc_codec::crypto::SecretKey::generate().expect("OS randomness");
    let q = open_query(&ik.public_key().to_string(), &ra, Role::Initiator, huge);
    let url = format!("{}?{q}", node.url());
    let mut p = Probe::connect(&url, T).unwrap();
    p.wait_closed(T).unwrap();
    still_serving(&node);
}

#[test]
fn drop_closes_every_socket() {
    let node = spawn();
    let mut o = open(&node);
    drop(node);
    o.i.p.wait_closed(T).unwrap();
    o.r.p.wait_closed(T).unwrap();
}

#[test]
fn a_trickled_handshake_is_cut_off_at_its_deadline() {
    use std::io::Read;
    let node = spawn();
    let mut s = TcpStream::connect(node.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(400))).unwrap();
    let started = std::time::Instant::now();
    s.write_all(b"GET /channel?protocol=json-rpc HTTP/1.1\r\nHost: x\r\nX-Slow: ").unwrap();
    // One byte every 400 ms would keep a per-read timeout waiting forever.
    let mut closed = false;
    while !closed && started.elapsed() < Duration::from_secs(12) {
        let mut buf = [0u8; 64];
        closed = s.write_all(b"a").is_err()
            || match s.read(&mut buf) {
                Ok(_) => true,
                Err(e) => !matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
            };
    }
    assert!(closed, "the double still holds a handshake that never completes");
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    still_serving(&node);
}
