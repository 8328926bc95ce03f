//! Many channels on one shared reactor: one I/O thread and one descriptor per party, fair to
//! every connection when one floods, a panicking callback ends its own channel only, and the
//! thread ends once its handles and connections are gone.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;
mod support;

use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use aesc_client::aesc_codec::crypto::NetworkId;
use aesc_client::aesc_codec::id::{AccountId, Signature};
use aesc_client::{Channel, Client, ConnectionConfig, Error, Reactor, Role, Signer, SignerError};
use common::*;
use serde_json::json;
use support::within;
use tungstenite::Message;

const LIMIT: Duration = Duration::from_secs(60);

/// Threads of this process whose name starts with `prefix` (Linux; `None` elsewhere).
fn threads_named(prefix: &str) -> Option<usize> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    Some(
        tasks
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("comm")).ok())
            .filter(|name| name.starts_with(prefix))
            .count(),
    )
}

/// Open file descriptors of this process (Linux; `None` elsewhere).
fn open_fds() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

/// A channel between parties `2k + 10` and `2k + 11`, both on `reactor`.
fn open_on(node: &aesc_testkit::double::NodeDouble, reactor: &Reactor, k: u8) -> Pair {
    let (i, r) = (10 + 2 * k, 11 + 2 * k);
    let port = 4000 + u16::from(k);
    open_with(
        builder(node, Role::Initiator, i, r).port(port).reactor(reactor),
        builder(node, Role::Responder, r, i).port(port).reactor(reactor),
    )
}

/// Connects (without waiting for the open) a pair on `reactor` whose initiator signs with
/// `signer`: (initiator, responder).
fn connect_with_signer(
    node: &aesc_testkit::double::NodeDouble,
    reactor: &Reactor,
    (i, r, port): (u8, u8, u16),
    signer: std::sync::Arc<dyn Signer>,
) -> (Channel, Channel) {
    let responder = Channel::connect(
        builder(node, Role::Responder, r, i).port(port).reactor(reactor).build().unwrap(),
    )
    .unwrap();
    let initiator = Channel::connect(
        builder(node, Role::Initiator, i, r)
            .port(port)
            .signer(signer)
            .reactor(reactor)
            .build()
            .unwrap(),
    )
    .unwrap();
    (initiator, responder)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn twenty_channels_share_one_io_thread_and_a_descriptor_per_party() {
    within(LIMIT, || {
        let node = node();
        let reactor = Reactor::named("reactor-twenty").unwrap();
        let fds_before = open_fds();
        let pairs: Vec<Pair> = (0..20).map(|k| open_on(&node, &reactor, k)).collect();
        assert_eq!(reactor.connections(), 40);
        assert_eq!(threads_named("reactor-twenty").unwrap_or(1), 1);
        assert_eq!(threads_named("aesc-io").unwrap_or(0), 0, "no thread of its own per party");
        if let (Some(before), Some(after)) = (fds_before, open_fds()) {
            // Each party: its socket here, and the double's end of it (in this process too).
            assert!(after - before <= 40 * 2, "{} descriptors for 40 parties", after - before);
        }
        for p in &pairs {
            p.initiator.transfer(&p.r(), 5u64).unwrap();
            p.responder.transfer(&p.i(), 3u64).unwrap();
        }
        for p in &pairs {
            let r = p.responder.view();
            assert_eq!(r.round, 3, "create, then two transfers");
        }
        drop(pairs);
        wait_until("every connection ended", || reactor.connections() == 0);
        assert_eq!(threads_named("reactor-twenty").unwrap_or(1), 1, "the handle keeps it");
        drop(reactor);
        wait_until("the thread ended", || threads_named("reactor-twenty").unwrap_or(0) == 0);
    });
}

/// A node that sends a frame as fast as it can for `limit`.
fn flooder(limit: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://127.0.0.1:{}/channel", listener.local_addr().unwrap().port());
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        let frame = json!({"jsonrpc": "2.0", "version": 1, "method": "channels.info",
                           "params": {"channel_id": null, "data": {"event": "update"}}})
        .to_string();
        let start = Instant::now();
        while start.elapsed() < limit {
            if ws.send(Message::text(frame.clone())).is_err() {
                break;
            }
        }
    });
    url
}

#[test]
fn a_flooding_connection_does_not_hold_up_the_others_on_its_reactor() {
    within(LIMIT, || {
        let node = node();
        let reactor = Reactor::named("reactor-flood").unwrap();
        let pair = open_on(&node, &reactor, 60);
        let cfg = ConnectionConfig::default()
            .max_frames_per_second(None)
            .event_capacity(16)
            .reactor(&reactor);
        let flood = Client::connect(&flooder(Duration::from_secs(8)), &cfg).unwrap();
        wait_until("the flood reached the client", || flood.events().dropped() > 1000);
        let mut slowest = Duration::ZERO;
        for n in 0..20u64 {
            let t = Instant::now();
            let (from, to) =
                if n % 2 == 0 { (&pair.initiator, pair.r()) } else { (&pair.responder, pair.i()) };
            from.transfer(&to, 1u64).unwrap();
            slowest = slowest.max(t.elapsed());
        }
        assert!(flood.is_connected(), "the flood still runs");
        assert!(slowest < Duration::from_secs(1), "slowest transfer {slowest:?}");
        flood.close();
    });
}

/// A signer whose code panics.
#[derive(Debug)]
struct Panicking(AccountId);

impl Signer for Panicking {
    fn public_key(&self) -> AccountId {
        self.0
    }

    fn sign(&self, _: &NetworkId, _: &[u8]) -> Result<Signature, SignerError> {
        panic!("a signer bug")
    }
}

#[test]
fn a_panicking_signer_ends_its_own_channel_only() {
    within(LIMIT, || {
        let node = node();
        let reactor = Reactor::named("reactor-panic").unwrap();
        let healthy = open_on(&node, &reactor, 70);
        let (i, r) = (90u8, 91u8);
        let panicking = std::sync::Arc::new(Panicking(key(i).public_key()));
        let (initiator, responder) = connect_with_signer(&node, &reactor, (i, r, 4100), panicking);
        let e = initiator.wait_open().unwrap_err();
        assert!(matches!(&e, Error::Disconnected(c) if matches!(**c, Error::Panicked(_))), "{e:?}");
        drop((initiator, responder));
        healthy.initiator.transfer(&healthy.r(), 7u64).unwrap();
        healthy.responder.transfer(&healthy.i(), 2u64).unwrap();
        assert_eq!(threads_named("reactor-panic").unwrap_or(1), 1);
    });
}

/// A signer that, on its first signature, drops a channel handle it holds: on the reactor's
/// own thread.
#[derive(Debug)]
struct DroppingSigner {
    key: aesc_client::aesc_codec::crypto::SecretKey,
    held: std::sync::Mutex<Option<Channel>>,
}

impl Signer for DroppingSigner {
    fn public_key(&self) -> AccountId {
        self.key.public_key()
    }

    fn sign(&self, network: &NetworkId, tx: &[u8]) -> Result<Signature, SignerError> {
        drop(self.held.lock().unwrap().take());
        Signer::sign(&self.key, network, tx)
    }
}

#[test]
fn a_handle_dropped_by_a_callback_on_the_reactor_thread_does_not_stop_it() {
    within(LIMIT, || {
        let node = node();
        let reactor = Reactor::named("reactor-drop").unwrap();
        let other = open_on(&node, &reactor, 80);
        let (i, r) = (100u8, 101u8);
        let signer = std::sync::Arc::new(DroppingSigner {
            key: key(i),
            held: std::sync::Mutex::new(Some(other.responder)),
        });
        let (initiator, responder) =
            connect_with_signer(&node, &reactor, (i, r, 4300), signer.clone());
        initiator.wait_open().unwrap();
        responder.wait_open().unwrap();
        assert!(signer.held.lock().unwrap().is_none(), "the handle was dropped in the signer");
        initiator.transfer(&key(r).public_key(), 1u64).unwrap();
        // The dropped handle's connection closed; its peer's goes on (and this pair's two).
        wait_until("the dropped party's connection ended", || reactor.connections() == 3);
        assert!(other.initiator.is_connected());
    });
}
