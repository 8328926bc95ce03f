//! A hostile node: floods, huge frames, huge ids. The I/O thread stays responsive, memory stays
//! bounded, and the node is cut off with a typed error where it goes too far.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;
mod support;

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use aesc_client::{Client, ConnectionConfig, Error, Event};
use serde_json::json;
use support::{notification, reply, within, Action, Server};
use tungstenite::Message;

const LIMIT: Duration = Duration::from_secs(30);

fn info_frame(event: &str) -> String {
    json!({"jsonrpc": "2.0", "version": 1, "method": "channels.info",
           "params": {"channel_id": null, "data": {"event": event}}})
    .to_string()
}

/// A node that sends `frame` as fast as it can, for at most `limit`, until the client goes.
fn flooder(frame: String, limit: Duration) -> (String, Arc<AtomicBool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://127.0.0.1:{}/channel", listener.local_addr().unwrap().port());
    let stopped = Arc::new(AtomicBool::new(false));
    let done = stopped.clone();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        let start = Instant::now();
        while start.elapsed() < limit {
            if ws.send(Message::text(frame.clone())).is_err() {
                break;
            }
        }
        done.store(true, Ordering::SeqCst);
    });
    (url, stopped)
}

fn last_cause(client: &Client) -> Option<Arc<Error>> {
    client.events().iter_timeout(Duration::from_secs(5)).find_map(|e| match e {
        Event::Disconnected { cause } => Some(cause),
        _ => None,
    })
}

#[test]
fn a_flooding_node_is_disconnected_with_a_typed_error() {
    within(LIMIT, || {
        let (url, _) = flooder(info_frame("update"), Duration::from_secs(10));
        let cfg = ConnectionConfig::default().max_frames_per_second(Some(2_000));
        let client = Client::connect(&url, &cfg).unwrap();
        let start = Instant::now();
        let cause = last_cause(&client).expect("disconnected");
        assert!(matches!(*cause, Error::Flood { .. }), "{cause}");
        assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
        let r = client.call("channels.system", &json!({"action": "ping"}));
        assert!(matches!(r, Err(Error::Disconnected(_))), "{r:?}");
    });
}

#[test]
fn under_a_flood_closing_is_prompt() {
    within(LIMIT, || {
        let (url, _) = flooder(info_frame("update"), Duration::from_secs(10));
        let cfg = ConnectionConfig::default()
            .max_frames_per_second(None)
            .close_timeout(Duration::from_millis(500))
            .event_capacity(64);
        let client = Client::connect(&url, &cfg).unwrap();
        thread::sleep(Duration::from_millis(300));
        assert!(client.events().dropped() > 0, "the flood reached the client");
        let start = Instant::now();
        client.close();
        assert!(start.elapsed() < Duration::from_secs(2), "close took {:?}", start.elapsed());
    });
}

#[test]
fn a_huge_id_does_not_hold_up_the_io_thread() {
    within(LIMIT, || {
        let huge = format!("ch_{}", "a".repeat(300_000));
        let frame = json!({"jsonrpc": "2.0", "version": 1, "method": "channels.info",
                           "params": {"channel_id": huge, "data": {"event": "open"}}});
        let server = Server::spawn(vec![Action::Send(frame.clone()), Action::Send(frame)], |req| {
            vec![reply(req, json!("pong"))]
        });
        let client = Client::connect(&server.url, &ConnectionConfig::default()).unwrap();
        let start = Instant::now();
        let r = client.call("channels.system", &json!({"action": "ping"})).unwrap();
        assert_eq!(r, "pong");
        assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    });
}

#[test]
fn event_memory_is_bounded_in_bytes_and_drops_are_reported() {
    within(LIMIT, || {
        let big = "x".repeat(1 << 20);
        let frames: Vec<Action> = (0..40)
            .map(|_| {
                notification(
                    "channels.message",
                    json!({"message": {"channel_id": "ch_x", "from": "ak_x", "to": "ak_y",
                                       "info": big}}),
                )
            })
            .collect();
        let server = Server::spawn(frames, |req| vec![reply(req, json!("pong"))]);
        let cfg = ConnectionConfig::default().event_bytes(4 << 20);
        let client = Client::connect(&server.url, &cfg).unwrap();
        // The call is answered after the 40 frames: all of them were read.
        client.call("channels.system", &json!({"action": "ping"})).unwrap();
        let held = client.events().buffered_bytes();
        assert!(held <= (4 << 20) + (1 << 20) + 4096, "{held} bytes held");
        assert!(client.events().dropped() >= 30, "{}", client.events().dropped());
        let lagged = client.events().drain().any(|e| matches!(e, Event::Lagged { .. }));
        assert!(lagged, "the consumer is told that events were dropped");
    });
}

#[test]
fn an_oversize_frame_disconnects_with_a_typed_error() {
    within(LIMIT, || {
        let server = Server::spawn(vec![Action::Raw(info_frame(&"x".repeat(100_000)))], |_| vec![]);
        let cfg = ConnectionConfig { max_message_size: 64 << 10, ..ConnectionConfig::default() };
        let client = Client::connect(&server.url, &cfg).unwrap();
        let cause = last_cause(&client).expect("disconnected");
        assert!(matches!(*cause, Error::FrameTooLarge { limit } if limit == 64 << 10), "{cause}");
    });
}

#[test]
fn one_hostile_client_does_not_stall_the_double_for_the_others() {
    within(LIMIT, || {
        let node = common::node();
        let p = common::open(&node);
        // A client whose connect query carries a 1 MB id, and then a 1 MB request.
        let huge = format!("ak_{}", "2".repeat(1 << 20));
        let url = format!(
            "{}?protocol=json-rpc&role=initiator&host=127.0.0.1&port=1&initiator_id={huge}\
             &responder_id={huge}&initiator_amount=1&responder_amount=1&channel_reserve=1\
             &lock_period=1",
            node.url()
        );
        let hostile = thread::spawn(move || {
            if let Ok((mut ws, _)) = tungstenite::connect(url) {
                let frame = json!({"jsonrpc": "2.0", "id": 1, "method": "channels.get.balances",
                                   "params": {"accounts": [huge]}});
                let _ = ws.send(Message::text(frame.to_string()));
                let _ = ws.read();
            }
        });
        let start = Instant::now();
        for n in 0..5u64 {
            assert_eq!(p.initiator.transfer(&p.r(), 1u64).unwrap(), n + 2);
        }
        assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
        hostile.join().unwrap();
    });
}
