//! Two clients against the node double.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::aesc_codec::id::AccountId;
use aesc_client::{Channel, ChannelConfig, ChannelConfigBuilder, Deadlines, Role};
use aesc_testkit::double::{self, Config, NodeDouble};

pub const NETWORK: &str = "ae_dev";
pub const INITIATOR_AMOUNT: u64 = 70_000_000_000_000;
pub const RESPONDER_AMOUNT: u64 = 40_000_000_000_000;
pub const PUSH: u64 = 1;
pub const RESERVE: u64 = 2;

pub fn key(seed: u8) -> SecretKey {
    SecretKey::from_seed(&[seed; 32])
}

pub fn node() -> NodeDouble {
    node_with(Config::new())
}

pub fn node_with(config: Config) -> NodeDouble {
    double::spawn(
        config
            .with_network_id(NETWORK)
            .with_minimum_depth(1)
            .with_block_interval(Duration::from_millis(20)),
    )
    .unwrap()
}

/// A configuration for one party, with short deadlines.
pub fn builder(node: &NodeDouble, role: Role, me: u8, peer: u8) -> ChannelConfigBuilder {
    builder_at(&node.url(), role, me, peer)
}

/// [`builder`] for the node double at `url` (in another process).
pub fn builder_at(url: &str, role: Role, me: u8, peer: u8) -> ChannelConfigBuilder {
    ChannelConfig::builder(url, role, NetworkId::new(NETWORK), key(me))
        .peer(key(peer).public_key())
        .host("127.0.0.1")
        .port(3333)
        .initiator_amount(INITIATOR_AMOUNT)
        .responder_amount(RESPONDER_AMOUNT)
        .push_amount(PUSH)
        .channel_reserve(RESERVE)
        .lock_period(2)
        .deadlines(Deadlines::all(Duration::from_secs(10)))
}

pub struct Pair {
    pub initiator: Channel,
    pub responder: Channel,
}

impl Pair {
    pub fn i(&self) -> AccountId {
        self.initiator.config().account()
    }
    pub fn r(&self) -> AccountId {
        self.responder.config().account()
    }
}

/// Opens a channel between parties 1 (initiator) and 2 (responder).
pub fn open(node: &NodeDouble) -> Pair {
    open_with(builder(node, Role::Initiator, 1, 2), builder(node, Role::Responder, 2, 1))
}

pub fn open_with(i: ChannelConfigBuilder, r: ChannelConfigBuilder) -> Pair {
    let responder = Channel::connect(r.build().unwrap()).unwrap();
    let initiator = Channel::connect(i.build().unwrap()).unwrap();
    initiator.wait_open().unwrap();
    responder.wait_open().unwrap();
    Pair { initiator, responder }
}

/// Runs `f` on a thread and fails the test if it takes longer than `limit`.
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("test body panicked"),
    }
}

/// Waits until `ch` has recorded `round` (the acknowledger records a state a moment after the
/// starter's operation returns).
pub fn wait_round(ch: &Channel, round: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ch.view().round < round {
        assert!(std::time::Instant::now() < deadline, "round {round} never recorded");
        thread::sleep(Duration::from_millis(2));
    }
}
