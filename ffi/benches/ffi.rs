//! The cost of the C interface over the Rust API.
//!
//! * decode: the co-signed off-chain transaction of a recorded session, string in and JSON
//!   text out, through `aesc_decode` (+ `aesc_string_free`) against the Rust decode and JSON
//!   rendering the CLI uses (`objects::decode` + `serde_json::to_string`), interleaved as
//!   the transfers are;
//! * transfer: one off-chain transfer, requested, checked, signed and co-signed, through
//!   `aesc_channel_transfer` against `Channel::transfer`, each client against its own instance
//!   of the scripted node of the client's benches (it co-signs at once), the two paths
//!   interleaved so that load from elsewhere weighs on both alike.
//!
//! Figures are in `ffi/BENCHMARKS.md`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs, dead_code)]

#[path = "../../client-blocking/benches/fastnode/mod.rs"]
mod fastnode;
#[path = "../../cli/src/objects.rs"]
mod objects;

use std::ffi::{c_char, CStr, CString};
use std::time::{Duration, Instant};

use aesc::{
    aesc_channel, aesc_channel_free, aesc_channel_open, aesc_channel_transfer, aesc_config,
    aesc_config_free, aesc_config_new, aesc_decode, aesc_result, aesc_string_free,
};
use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::{Channel, ChannelConfig, Role};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};

const AMOUNT: u128 = 1_000_000_000_000_000_000;

/// The first co-signed off-chain transaction of the recorded vectors.
fn co_signed_offchain_tx() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/recorded_vectors.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["txs"].as_array().unwrap())
        .find(|t| {
            t["type"] == "ChannelOffChainTx" && t["signatures"].as_array().unwrap().len() == 2
        })
        .map(|t| t["tx"].as_str().unwrap().to_owned())
        .unwrap()
}

fn decode(c: &mut Criterion) {
    let tx = co_signed_offchain_tx();
    let c_tx = CString::new(tx.clone()).unwrap();
    let mut group = c.benchmark_group("decode co-signed off-chain tx");
    group.throughput(Throughput::Elements(1));
    let via_rust = || {
        let json = serde_json::to_string(&objects::decode(black_box(&tx)).unwrap()).unwrap();
        json.len() as u64
    };
    let via_c = || {
        let mut out: *mut c_char = std::ptr::null_mut();
        assert_eq!(aesc_decode(black_box(c_tx.as_ptr()), &mut out), aesc_result::Ok);
        // SAFETY: a string of the library, read before it is freed.
        let len = unsafe { CStr::from_ptr(out) }.to_bytes().len();
        aesc_string_free(out);
        len as u64
    };
    group.bench_function("Rust: objects::decode + serde_json::to_string", |b| {
        b.iter_custom(|iters| paired(iters, via_rust, via_c));
    });
    group.bench_function("C: aesc_decode + aesc_string_free", |b| {
        b.iter_custom(|iters| paired(iters, via_c, via_rust));
    });
    group.finish();
}

fn rust_config(url: &str, me: &SecretKey, peer: &SecretKey) -> ChannelConfig {
    ChannelConfig::builder(url, Role::Initiator, NetworkId::new("ae_dev"), me.clone())
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

/// The same configuration as [`rust_config`], as the C interface takes it.
fn c_channel(url: &str, me: &SecretKey, peer: &SecretKey) -> (*mut aesc_config, *mut aesc_channel) {
    let json = serde_json::json!({
        "url": url, "role": "initiator", "network_id": "ae_dev",
        "secret_key": me.to_sk_string().as_str(), "peer": peer.public_key().to_string(),
        "host": "127.0.0.1", "port": 3333,
        "initiator_amount": AMOUNT.to_string(), "responder_amount": AMOUNT.to_string(),
        "channel_reserve": "1", "lock_period": 10,
    });
    let json = CString::new(json.to_string()).unwrap();
    let mut config = std::ptr::null_mut();
    assert_eq!(
        aesc_config_new(json.as_ptr(), None, std::ptr::null_mut(), &mut config),
        aesc_result::Ok
    );
    let mut channel = std::ptr::null_mut();
    assert_eq!(aesc_channel_open(config, &mut channel), aesc_result::Ok);
    (config, channel)
}

fn transfer(c: &mut Criterion) {
    let (ik, rk) = (SecretKey::from_seed(&[1; 32]), SecretKey::from_seed(&[2; 32]));
    let to = rk.public_key();
    let mut group = c.benchmark_group("transfer, scripted node co-signing at once");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(20));

    // Both clients are open at once, each against its own scripted node, and every iteration
    // makes one transfer through each path, timing only the one measured: a machine shared
    // with other work slows both paths alike.
    let url = fastnode::spawn(NetworkId::new("ae_dev"), ik.clone(), rk.clone(), AMOUNT.into());
    let rust = Channel::open(rust_config(&url, &ik, &rk)).unwrap();
    let url = fastnode::spawn(NetworkId::new("ae_dev"), ik.clone(), rk.clone(), AMOUNT.into());
    let (config, channel) = c_channel(&url, &ik, &rk);
    let c_to = CString::new(to.to_string()).unwrap();
    let one = CString::new("1").unwrap();
    let via_rust = || rust.transfer(&to, 1u64).unwrap();
    let via_c = || {
        let mut round = 0u64;
        let r = aesc_channel_transfer(channel, c_to.as_ptr(), one.as_ptr(), &mut round);
        assert_eq!(r, aesc_result::Ok);
        round
    };
    group.bench_function("Rust: Channel::transfer", |b| {
        b.iter_custom(|iters| paired(iters, via_rust, via_c));
    });
    group.bench_function("C: aesc_channel_transfer", |b| {
        b.iter_custom(|iters| paired(iters, via_c, via_rust));
    });
    aesc_channel_free(channel);
    aesc_config_free(config);
    drop(rust);
    group.finish();
}

/// Runs `measured` and `other` in turn `iters` times; the time of `measured` alone.
fn paired(iters: u64, measured: impl Fn() -> u64, other: impl Fn() -> u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        black_box(measured());
        total += start.elapsed();
        black_box(other());
    }
    total
}

criterion_group!(benches, decode, transfer);
criterion_main!(benches);
