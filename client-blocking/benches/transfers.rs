//! Off-chain transfers per second, end to end: every transfer requested, checked (state
//! hash recomputed), signed, co-signed and recorded.
//!
//! Two setups: two clients against the node double in this process, and one client against a
//! scripted node that co-signs at once (the client's own cost, without the double's polling).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

mod fastnode;

use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::{Channel, ChannelConfig, Role};
use aesc_testkit::double::{self, Config};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const AMOUNT: u128 = 1_000_000_000_000_000_000;

fn config(url: &str, role: Role, me: &SecretKey, peer: &SecretKey) -> ChannelConfig {
    ChannelConfig::builder(url, role, NetworkId::new("ae_dev"), me.clone())
        .peer(peer.public_key())
        .host("127.0.0.1")
        .port(3333)
        .initiator_amount(AMOUNT)
        .responder_amount(AMOUNT)
        .channel_reserve(1u64)
        .lock_period(10)
        .build()
        .unwrap()
}

fn transfers(c: &mut Criterion) {
    let (ik, rk) = (SecretKey::from_seed(&[1; 32]), SecretKey::from_seed(&[2; 32]));
    let to = rk.public_key();
    let mut group = c.benchmark_group("transfers");
    group.throughput(Throughput::Elements(1));

    let fast = fastnode::spawn(NetworkId::new("ae_dev"), ik.clone(), rk.clone(), AMOUNT.into());
    let alone = Channel::open(config(&fast, Role::Initiator, &ik, &rk)).unwrap();
    group.bench_function("one client, scripted node co-signing at once", |b| {
        b.iter(|| alone.transfer(&to, 1u64).unwrap());
    });
    drop(alone);

    let node = double::spawn(
        Config::new()
            .with_network_id("ae_dev")
            .with_minimum_depth(1)
            .with_block_interval(Duration::from_millis(20)),
    )
    .unwrap();
    let responder = Channel::connect(config(&node.url(), Role::Responder, &rk, &ik)).unwrap();
    let initiator = Channel::connect(config(&node.url(), Role::Initiator, &ik, &rk)).unwrap();
    initiator.wait_open().unwrap();
    responder.wait_open().unwrap();
    group.sample_size(30);
    group.bench_function("two clients, node double", |b| {
        b.iter(|| initiator.transfer(&to, 1u64).unwrap());
    });
    group.finish();
}

criterion_group!(benches, transfers);
criterion_main!(benches);
