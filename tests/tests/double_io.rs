//! The double's I/O under load: one client flooding frames does not starve the others, a
//! client that stops reading is dropped once its outgoing buffer is full, and many sockets
//! are served by the same few threads.

mod double_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aesc_testkit::double::probe::Probe;
use aesc_testkit::double::Role;
use double_common::*;
use serde_json::json;

#[test]
fn a_flooding_client_does_not_starve_the_others() {
    let node = spawn();
    let url = format!("{}?{}", node.url(), open_query("ak_x", "ak_y", Role::Responder, ""));
    let mut flooder = Probe::connect(&url, T).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flooding = Arc::clone(&stop);
    // Binary frames: read by the double, answered by nothing.
    let flood = std::thread::spawn(move || {
        let mut sent = 0u64;
        while !flooding.load(Ordering::Relaxed) && flooder.send_binary(vec![7; 512]).is_ok() {
            sent += 1;
        }
        sent
    });
    let mut o = open(&node);
    for n in 0..20 {
        let started = Instant::now();
        transfer(&mut o, if n % 2 == 0 { Role::Initiator } else { Role::Responder }, 1);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a transfer took {:?}",
            started.elapsed()
        );
    }
    stop.store(true, Ordering::Relaxed);
    let sent = flood.join().unwrap();
    assert!(sent > 100, "the flooder sent {sent} frames");
}

#[test]
fn a_client_that_does_not_read_is_dropped() {
    let node = spawn();
    let mut o = open(&node);
    let ra = o.r.ak();
    let info = "x".repeat(60_000);
    // The responder never reads: what the double holds for it grows until it is dropped.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut dropped = false;
    while !dropped && Instant::now() < deadline {
        for _ in 0..50 {
            o.i.call("channels.message", json!({"to": ra, "info": info}));
        }
        dropped = node.status().unwrap().connections < 2;
    }
    assert!(dropped, "the double still holds a client that does not read");
    // The initiator's socket is still served.
    o.i.call("channels.system", json!({"action": "ping"}));
    o.i.wait("channels.system.pong", None);
}

#[test]
fn many_sockets_share_two_threads() {
    let node = spawn();
    let url = format!("{}?{}", node.url(), open_query("ak_x", "ak_y", Role::Responder, ""));
    let probes: Vec<Probe> = (0..100).map(|_| Probe::connect(&url, T).unwrap()).collect();
    let deadline = Instant::now() + T;
    while node.status().unwrap().connections < probes.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(node.status().unwrap().connections, probes.len());
    if let Ok(tasks) = std::fs::read_dir("/proc/self/task") {
        // Other tests of this binary may run doubles of their own: two threads each at most.
        let doubles = tasks
            .flatten()
            .filter(|t| {
                std::fs::read_to_string(t.path().join("comm"))
                    .is_ok_and(|c| c.starts_with("node-double"))
            })
            .count();
        assert!(doubles <= 6, "{doubles} node-double threads for 100 sockets");
    }
}
