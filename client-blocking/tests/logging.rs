//! What the client tells the `log` facade: lifecycle steps at `info`, frames and reviews at
//! `debug`, refusals, reconnects, store failures and deadlines at `warn`, and never a secret
//! key, an FSM id or a signed transaction.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::sync::Mutex;
use std::time::Duration;

use aesc_client::{Channel, Deadlines, Error, Role};
use aesc_testkit::double::{Alteration, Fault, Role as NodeRole};
use common::*;
use log::{Level, LevelFilter, Log, Metadata, Record};

/// Every record of the process: level, target, message.
struct Capture(Mutex<Vec<(Level, String, String)>>);

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, r: &Record<'_>) {
        let entry = (r.level(), r.target().to_owned(), r.args().to_string());
        self.0.lock().unwrap().push(entry);
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

/// The records of the aesc crates so far, emptied.
fn take() -> Vec<(Level, String, String)> {
    let mut all = std::mem::take(&mut *CAPTURE.0.lock().unwrap());
    all.retain(|(_, target, _)| target.starts_with("aesc_"));
    all
}

/// Asserts that some record at `level` under `target` contains `text`.
fn has(records: &[(Level, String, String)], level: Level, target: &str, text: &str) {
    assert!(
        records.iter().any(|(l, t, m)| *l == level && t.starts_with(target) && m.contains(text)),
        "no {level} record of {target} with {text:?} in {records:#?}"
    );
}

#[test]
fn the_client_logs_its_lifecycle_frames_reviews_and_problems() {
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(LevelFilter::Trace);
    within(Duration::from_secs(120), || {
        let node = node();
        let dir = std::env::temp_dir().join(format!("aesc-logging-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = dir.join("initiator.json");
        // A store in a folder that does not exist: the first write fails, and so does the
        // connect that needed it.
        let broken = builder(&node, Role::Responder, 2, 1).store(dir.join("missing/r.json"));
        assert!(matches!(Channel::connect(broken.build().unwrap()), Err(Error::Store { .. })));
        let early = take();
        has(&early, Level::Warn, "aesc_client", "the state store failed");
        has(&early, Level::Info, "aesc_testkit::double", "listening on ws://127.0.0.1:");
        let mut p = open_with(
            builder(&node, Role::Initiator, 1, 2).store(&store),
            builder(&node, Role::Responder, 2, 1),
        );
        let opened = take();
        has(&opened, Level::Info, "aesc_client::channel", "opening a channel as initiator");
        has(&opened, Level::Info, "aesc_client::connection", "connecting to ws://127.0.0.1:");
        has(&opened, Level::Info, "aesc_client::connection", "connected to ws://127.0.0.1:");
        has(&opened, Level::Info, "aesc_client::session", "FSM up");
        has(&opened, Level::Info, "aesc_client::session", "channel open: ch_");
        has(&opened, Level::Debug, "aesc_client::frames", "recv channels.sign.initiator_sign");
        has(&opened, Level::Debug, "aesc_client::frames", "send channels.initiator_sign (id ");
        has(&opened, Level::Debug, "aesc_client::session", "initiator_sign: accepted, signing");
        has(&opened, Level::Debug, "aesc_client::store", "initiator.json: round 1 saved");
        // The double logs too.
        has(&opened, Level::Info, "aesc_testkit::double", "initiator connected");
        has(&opened, Level::Debug, "aesc_testkit::double::frames", "send channels.info open");

        // A transfer: both reviews, the co-signed state.
        p.initiator.transfer(&p.r(), 10u64).unwrap();
        wait_round(&p.responder, 2);
        let transfer = take();
        has(&transfer, Level::Debug, "aesc_client::session", "update: accepted, signing (round 2)");
        has(&transfer, Level::Debug, "aesc_client::session", "update_ack: accepted, signing");
        has(&transfer, Level::Debug, "aesc_client::session", "co-signed state of round 2");

        // An altered sign request is refused.
        let fault = Fault::on("channels.sign.update").role(NodeRole::Initiator);
        node.add_fault(fault.alter(Alteration::Amount));
        assert!(matches!(p.initiator.transfer(&p.r(), 10u64), Err(Error::Refused(_))));
        has(&take(), Level::Warn, "aesc_client::session", "sign request update: refused (");

        // A reconnect.
        p.initiator.disconnect();
        p.initiator.reconnect().unwrap();
        let again = take();
        has(&again, Level::Warn, "aesc_client::channel", "reconnecting to channel ch_");
        has(&again, Level::Info, "aesc_client::session", "re-attached to the running FSM");

        let closed = p.initiator.shutdown(Default::default()).unwrap();
        has(&take(), Level::Info, "aesc_client::session", "on chain: channel_closed");

        // Nothing secret, in any record of the whole run.
        let everything: Vec<String> =
            CAPTURE.0.lock().unwrap().iter().map(|r| r.2.clone()).collect();
        for i in [1u8, 2] {
            let (sk, seed) = (key(i).to_sk_string(), format!("{i:02x}").repeat(32));
            assert!(!everything.iter().any(|m| m.contains(sk.as_str()) || m.contains(&seed)));
        }
        let fsm = p.responder.fsm_id().unwrap().to_string();
        let tx = closed.to_api_string();
        for m in &everything {
            assert!(!m.contains(&fsm) && !m.contains("ba_"), "an FSM id in {m:?}");
            assert!(!m.contains(&tx) && !m.contains("tx_"), "a transaction in {m:?}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    });
    // A deadline: the sign request never comes.
    within(Duration::from_secs(60), || {
        let node = node();
        let short = |role, me, peer| {
            builder(&node, role, me, peer).deadlines(Deadlines::all(Duration::from_millis(1500)))
        };
        let p = open_with(short(Role::Initiator, 1, 2), short(Role::Responder, 2, 1));
        node.add_fault(Fault::on("channels.sign.update").drop_frame());
        let _ = take();
        assert!(p.initiator.transfer(&p.r(), 1u64).is_err());
        has(&take(), Level::Warn, "aesc_client::session", "deadline hit: ");
    });
}
