//! Resident memory of idle channels in one process.
//!
//! Run the node double in another process, then this against it:
//!
//! ```text
//! aesc-node-double --listen 127.0.0.1:0 --minimum-depth 1 --block-interval-ms 20
//! cargo run --release -p aesc-client --example idle_memory -- ws://127.0.0.1:PORT/channel 100
//! cargo run --release -p aesc-client --example idle_memory -- ws://127.0.0.1:PORT/channel 1000 shared
//! ```
//!
//! Each channel has both parties in this process (two handles and two sockets); each party has
//! an I/O thread of its own, or with `shared` every party runs on one shared [`Reactor`].
//! Linux only (reads `/proc/self/status`).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]

use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::{Channel, ChannelConfig, Reactor, Role};

fn status(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn rss_kib() -> u64 {
    status("VmRSS:")
}

fn config(
    url: &str,
    role: Role,
    me: &SecretKey,
    peer: &SecretKey,
    reactor: Option<&Reactor>,
) -> ChannelConfig {
    let b = ChannelConfig::builder(url, role, NetworkId::new("ae_dev"), me.clone());
    let b = match reactor {
        Some(r) => b.reactor(r),
        None => b,
    };
    b.peer(peer.public_key())
        .host("127.0.0.1")
        .port(3333)
        .initiator_amount(1_000_000_000_000_000u64)
        .responder_amount(1_000_000_000_000_000u64)
        .channel_reserve(1u64)
        .lock_period(10)
        .build()
        .unwrap()
}

fn open(url: &str, n: u32, reactor: Option<&Reactor>) -> (Channel, Channel) {
    let mut i = [0u8; 32];
    let mut r = [0u8; 32];
    i[..4].copy_from_slice(&n.to_be_bytes());
    r[..4].copy_from_slice(&n.to_be_bytes());
    i[31] = 1;
    r[31] = 2;
    let (ik, rk) = (SecretKey::from_seed(&i), SecretKey::from_seed(&r));
    let responder = Channel::connect(config(url, Role::Responder, &rk, &ik, reactor)).unwrap();
    let initiator = Channel::connect(config(url, Role::Initiator, &ik, &rk, reactor)).unwrap();
    initiator.wait_open().unwrap();
    responder.wait_open().unwrap();
    initiator.transfer(&rk.public_key(), 1u64).unwrap();
    (initiator, responder)
}

fn settle() -> u64 {
    std::thread::sleep(Duration::from_secs(2));
    rss_kib()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let url = args.next().expect("usage: idle_memory NODE_URL [CHANNELS]");
    let total: u32 = args.next().map_or(100, |n| n.parse().unwrap());
    let reactor = (args.next().as_deref() == Some("shared")).then(|| Reactor::new().unwrap());
    let base = settle();
    let mut channels = vec![open(&url, 0, reactor.as_ref())];
    let one = settle();
    for n in 1..total {
        channels.push(open(&url, n, reactor.as_ref()));
    }
    let all = settle();
    println!("baseline            {base:>8} KiB");
    println!("1 channel           {one:>8} KiB  (+{} KiB)", one.saturating_sub(base));
    println!("{total} channels        {all:>8} KiB  (+{} KiB)", all.saturating_sub(base));
    let per = all.saturating_sub(one) / u64::from(total.saturating_sub(1).max(1));
    println!("per further channel {per:>8} KiB  ({} KiB per party)", per / 2);
    println!("threads             {:>8}", status("Threads:"));
    drop(channels);
}
