//! Round trip of `channels.get.balances` through the client versus a bare tungstenite round
//! trip, both against the same loopback server (one connection each).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use std::net::{TcpListener, TcpStream};
use std::thread;

use aesc_client::{Client, ConnectionConfig};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

const ALICE: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const BOB: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";

/// Serves every connection: answers each request with the recorded balances reply.
fn server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/channel", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            thread::spawn(move || serve(stream));
        }
    });
    url
}

fn serve(stream: TcpStream) {
    stream.set_nodelay(true).unwrap();
    let mut ws = tungstenite::accept(stream).unwrap();
    while let Ok(msg) = ws.read() {
        if let Message::Text(t) = msg {
            let req: Value = serde_json::from_str(t.as_str()).unwrap();
            let reply = json!({
                "channel_id": "ch_2rk3MHEh27KE55yD1ZyeH8BMme81n3Qx2KeAbC7k7zDZPBnoRs",
                "id": req["id"],
                "jsonrpc": "2.0",
                "result": [
                    {"account": ALICE, "balance": 69999999999999u64},
                    {"account": BOB, "balance": 40000000000001u64}
                ],
                "version": 1
            });
            if ws.send(Message::text(reply.to_string())).is_err() {
                return;
            }
        }
    }
}

fn params() -> Value {
    json!({"accounts": [ALICE, BOB]})
}

fn bare(url: &str) -> WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>> {
    let (ws, _) = tungstenite::connect(url).unwrap();
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
        s.set_nodelay(true).unwrap();
    }
    ws
}

fn roundtrip(c: &mut Criterion) {
    let url = server();
    let mut group = c.benchmark_group("get.balances round trip");

    let mut ws = bare(&url);
    let mut id = 0u64;
    group.bench_function("bare tungstenite", |b| {
        b.iter(|| {
            id += 1;
            let frame = json!({"jsonrpc": "2.0", "id": id, "method": "channels.get.balances",
                "params": params()});
            ws.send(Message::text(frame.to_string())).unwrap();
            loop {
                if let Message::Text(t) = ws.read().unwrap() {
                    let v: Value = serde_json::from_str(t.as_str()).unwrap();
                    assert_eq!(v["id"], id);
                    break v;
                }
            }
        });
    });

    let client = Client::connect(&url, &ConnectionConfig::default()).unwrap();
    let p = params();
    group.bench_function("aesc client", |b| {
        b.iter(|| client.call("channels.get.balances", &p).unwrap());
    });

    // The added latency directly: each iteration is one client round trip minus one bare
    // round trip taken right before it, so load on the machine hits both alike.
    group.bench_function("added by the client (paired)", |b| {
        b.iter_custom(|iters| {
            let (mut bare_total, mut client_total) =
                (std::time::Duration::ZERO, std::time::Duration::ZERO);
            for _ in 0..iters {
                id += 1;
                let frame = json!({"jsonrpc": "2.0", "id": id, "method": "channels.get.balances",
                    "params": params()});
                let t0 = std::time::Instant::now();
                ws.send(Message::text(frame.to_string())).unwrap();
                loop {
                    if let Message::Text(t) = ws.read().unwrap() {
                        let v: Value = serde_json::from_str(t.as_str()).unwrap();
                        assert_eq!(v["id"], id);
                        break;
                    }
                }
                bare_total += t0.elapsed();
                let t1 = std::time::Instant::now();
                client.call("channels.get.balances", &p).unwrap();
                client_total += t1.elapsed();
            }
            // Criterion needs a positive time; a batch where the client was faster counts 1 ns.
            client_total.saturating_sub(bare_total).max(std::time::Duration::from_nanos(1))
        });
    });
    group.finish();
}

criterion_group!(benches, roundtrip);
criterion_main!(benches);
