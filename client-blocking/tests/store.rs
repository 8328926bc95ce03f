//! Nothing lost: the process owning a channel is killed mid-lifecycle; a new one resumes from
//! the state store and finishes with a mutual close at the right balances.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::aesc_codec::tx::Tx;
use aesc_client::{Channel, ChannelStore, Error, Phase, Role, StateStore};
use common::*;

const LIMIT: Duration = Duration::from_secs(120);
const CHILD: &str = "AESC_STORE_CHILD_URL";
const CHILD_STORE: &str = "AESC_STORE_CHILD_FILE";

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aesc-store-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("channel.json")
}

/// The child: the initiator, keeping its state in the store, transferring until killed.
#[test]
#[ignore = "run as a child process by killed_owner_resumes_from_the_store"]
fn child_initiator() {
    let (Ok(url), Ok(store)) = (std::env::var(CHILD), std::env::var(CHILD_STORE)) else { return };
    let node_url = url;
    let cfg =
        aesc_client::ChannelConfig::builder(node_url, Role::Initiator, NETWORK.into(), key(1))
            .peer(key(2).public_key())
            .host("127.0.0.1")
            .port(3333)
            .initiator_amount(INITIATOR_AMOUNT)
            .responder_amount(RESPONDER_AMOUNT)
            .push_amount(PUSH)
            .channel_reserve(RESERVE)
            .lock_period(2)
            .store(store)
            .build()
            .unwrap();
    let ch = Channel::open(cfg).unwrap();
    let peer = key(2).public_key();
    loop {
        let round = ch.transfer(&peer, 1_000u64).unwrap();
        println!("ROUND {round}");
    }
}

#[test]
fn killed_owner_resumes_from_the_store() {
    within(LIMIT, || {
        let node = node();
        let store = temp_file("killed");
        let _ = std::fs::remove_file(&store);
        let responder =
            Channel::connect(builder(&node, Role::Responder, 2, 1).build().unwrap()).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["child_initiator", "--exact", "--ignored", "--nocapture", "--test-threads", "1"])
            .env(CHILD, node.url())
            .env(CHILD_STORE, &store)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        responder.wait_open().unwrap();
        // Let it run a few rounds, then kill it without warning, mid-transfer.
        let out = BufReader::new(child.stdout.take().unwrap());
        let mut seen = 0;
        for line in out.lines() {
            let line = line.unwrap();
            if let Some(r) = line.strip_prefix("ROUND ") {
                seen = r.trim().parse::<u64>().unwrap();
                if seen >= 6 {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(seen >= 6);

        // A new owner: the stored state is consistent (checked on load) and recent.
        let stored = StateStore::new(&store).load().unwrap().unwrap();
        assert!(stored.round >= seen, "stored round {} < {seen}", stored.round);
        let cfg = builder(&node, Role::Initiator, 1, 2).store(&store).build().unwrap();
        let initiator = Channel::resume(cfg).unwrap();
        assert_eq!(initiator.view().phase, Phase::Open);
        // It knows everything the other party knows, including a state co-signed just before
        // the kill.
        let round = responder.view().round;
        assert_eq!(initiator.view().round, round);
        assert_eq!(initiator.view().balances(), responder.view().balances());
        let transfers = round - 1;
        let (i, r) = initiator.view().balances().unwrap();
        assert_eq!(i.to_u64(), Some(INITIATOR_AMOUNT - PUSH - 1_000 * transfers));
        assert_eq!(r.to_u64(), Some(RESPONDER_AMOUNT + PUSH + 1_000 * transfers));

        // If the kill came while an update was in flight, the FSM still waits for it: the
        // first request after the restart meets it as a conflict (code 2) and rolls it back.
        let close = match initiator.shutdown(TxOptions::default()) {
            Err(Error::Conflict { code: 2, round: r, .. }) if r == round => {
                initiator.shutdown(TxOptions::default()).unwrap()
            }
            other => other.unwrap(),
        };
        let Tx::ChannelCloseMutual(c) = close.innermost_tx() else { panic!("{close:?}") };
        let fee = c.fee.to_u64().unwrap();
        assert_eq!(
            c.initiator_amount_final.to_u64(),
            Some(INITIATOR_AMOUNT - PUSH - 1_000 * transfers - fee.div_ceil(2))
        );
        assert_eq!(
            c.responder_amount_final.to_u64(),
            Some(RESPONDER_AMOUNT + PUSH + 1_000 * transfers - fee / 2)
        );
        let _ = std::fs::remove_dir_all(store.parent().unwrap());
    });
}

#[test]
fn store_round_trips_and_refuses_inconsistent_files() {
    within(LIMIT, || {
        let node = node();
        let store = temp_file("roundtrip");
        let p = open_with(
            builder(&node, Role::Initiator, 1, 2).store(&store),
            builder(&node, Role::Responder, 2, 1),
        );
        p.initiator.transfer(&p.r(), 5u64).unwrap();
        let loaded = StateStore::new(&store).load().unwrap().unwrap();
        let view = p.initiator.view();
        assert_eq!(loaded.round, 2);
        assert_eq!(loaded.channel_id, view.channel_id);
        assert_eq!(loaded.fsm_id, view.fsm_id);
        assert_eq!(loaded.latest, view.latest);
        assert_eq!(loaded.balances(), view.balances());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "the file holds the fsm id");
        }
        assert!(!store.with_extension("json.tmp").exists(), "no temporary file left");

        // A file whose balances do not match its state hash is refused.
        let text = std::fs::read_to_string(&store).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["round"] = 9.into();
        std::fs::write(&store, v.to_string()).unwrap();
        assert!(matches!(StateStore::new(&store).load(), Err(Error::StoreFormat { .. })));
        std::fs::write(&store, "{").unwrap();
        assert!(matches!(StateStore::new(&store).load(), Err(Error::StoreFormat { .. })));
        std::fs::remove_file(&store).unwrap();
        assert!(StateStore::new(&store).load().unwrap().is_none());
        let _ = std::fs::remove_dir_all(store.parent().unwrap());
    });
}

#[test]
fn every_co_signed_update_is_on_disk_before_the_operation_returns() {
    within(LIMIT, || {
        let node = node();
        let (si, sr) = (temp_file("every-i"), temp_file("every-r"));
        let p = open_with(
            builder(&node, Role::Initiator, 1, 2).store(&si),
            builder(&node, Role::Responder, 2, 1).store(&sr),
        );
        let start = Instant::now();
        for n in 2..12u64 {
            let round = p.initiator.transfer(&p.r(), 1u64).unwrap();
            assert_eq!(round, n);
            assert_eq!(StateStore::new(&si).load().unwrap().unwrap().round, n);
        }
        wait_round(&p.responder, 11);
        assert_eq!(StateStore::new(&sr).load().unwrap().unwrap().round, 11);
        assert!(start.elapsed() < Duration::from_secs(30));
        for f in [si, sr] {
            let _ = std::fs::remove_dir_all(f.parent().unwrap());
        }
    });
}

#[test]
fn a_second_owner_of_a_store_is_refused() {
    within(LIMIT, || {
        let node = node();
        let store = temp_file("locked");
        let p = open_with(
            builder(&node, Role::Initiator, 1, 2).store(&store),
            builder(&node, Role::Responder, 2, 1),
        );
        // Another handle (in another process it is the same lock) cannot take it over…
        let cfg = builder(&node, Role::Initiator, 1, 2).store(&store).build().unwrap();
        match Channel::resume(cfg.clone()) {
            Err(Error::StoreLocked { path }) => assert!(path.ends_with("channel.json")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(StateStore::open(&store), Err(Error::StoreLocked { .. })));
        // …until the owner is gone.
        p.initiator.transfer(&p.r(), 1u64).unwrap();
        drop(p.initiator);
        let ch = Channel::resume(cfg).unwrap();
        assert_eq!(ch.view().round, 2);
        let _ = std::fs::remove_dir_all(store.parent().unwrap());
    });
}

/// A store that fails every write once told to.
#[derive(Debug, Default)]
struct FailingStore {
    failing: std::sync::atomic::AtomicBool,
    saved: std::sync::Mutex<Option<aesc_client::StoredChannel>>,
}

impl aesc_client::ChannelStore for FailingStore {
    fn save(&self, record: &aesc_client::StoredChannel) -> Result<(), Error> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Store {
                path: "db".into(),
                source: std::sync::Arc::new(std::io::Error::other("disk full")),
            });
        }
        *self.saved.lock().unwrap() = Some(record.clone());
        Ok(())
    }

    fn load(&self) -> Result<Option<aesc_client::StoredChannel>, Error> {
        Ok(self.saved.lock().unwrap().clone())
    }
}

#[test]
fn a_failed_store_write_fails_the_operation_and_nothing_is_signed() {
    within(LIMIT, || {
        let node = node();
        let store = std::sync::Arc::new(FailingStore::default());
        let p = open_with(
            builder(&node, Role::Initiator, 1, 2).store_with(store.clone()),
            builder(&node, Role::Responder, 2, 1),
        );
        assert_eq!(store.load().unwrap().unwrap().view.round, 1, "the open is stored");
        store.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        let r = p.initiator.transfer(&p.r(), 5u64);
        assert!(matches!(r, Err(Error::Store { .. })), "{r:?}");
        // The node never got the signature: the other party still has round 1.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(p.responder.view().round, 1);
        assert_eq!(p.initiator.view().round, 1);
        // With the store back, the channel goes on.
        store.failing.store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(p.initiator.transfer(&p.r(), 5u64).unwrap(), 2);
        assert_eq!(store.load().unwrap().unwrap().view.round, 2);
    });
}

#[test]
fn a_store_that_cannot_be_written_fails_the_connect() {
    within(LIMIT, || {
        let node = node();
        let store = std::sync::Arc::new(FailingStore::default());
        store.failing.store(true, std::sync::atomic::Ordering::SeqCst);
        let _responder =
            Channel::connect(builder(&node, Role::Responder, 2, 1).build().unwrap()).unwrap();
        let cfg = builder(&node, Role::Initiator, 1, 2).store_with(store).build().unwrap();
        let r = Channel::connect(cfg);
        assert!(matches!(r, Err(Error::Store { .. })), "{r:?}");
    });
}
