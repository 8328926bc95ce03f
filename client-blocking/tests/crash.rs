//! Nothing lost, whenever the host dies: for each step of the lifecycle and each role, a process
//! owning one party of the channel is frozen at that step and killed with SIGKILL; the test
//! then resumes the channel from the state store in a new handle and finishes it at the right
//! balances.
//!
//! The process is this test binary run again with `AESC_CRASH_CHILD` set (see `child`); it
//! prints `UP` once connected and `READY` when it reaches the step, where it blocks (on its
//! I/O thread for steps inside an operation) until it is killed.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::aesc_codec::tx::Tx;
use aesc_client::trace::{Direction, TraceRecord, Tracer};
use aesc_client::{Channel, ChannelConfigBuilder, Error, Phase, Role, StateStore};
use aesc_testkit::double::NodeDouble;
use common::*;

const LIMIT: Duration = Duration::from_secs(120);
const CHILD: &str = "AESC_CRASH_CHILD";

/// Where the owning process dies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Connected (`fsm_up` seen and stored), nothing signed yet.
    FsmUp,
    /// Its signature on the create tx sent.
    CreateSigned,
    /// The channel open.
    Open,
    /// Its signature on its own transfer sent, the co-signed state not yet seen.
    UpdateSigned,
    /// Its signature on its deposit sent.
    DepositSigned,
    /// Its signature on the mutual close it asked for sent.
    CloseSigned,
    /// Its solo close on chain.
    ClosedSolo,
}

const STEPS: [Step; 7] = [
    Step::FsmUp,
    Step::CreateSigned,
    Step::Open,
    Step::UpdateSigned,
    Step::DepositSigned,
    Step::CloseSigned,
    Step::ClosedSolo,
];

impl Step {
    fn name(self) -> String {
        format!("{self:?}")
    }

    fn parse(s: &str) -> Step {
        *STEPS.iter().find(|st| st.name() == s).unwrap()
    }

    /// The reply frame after whose sending the I/O thread freezes.
    fn frozen_after(self, role: Role) -> Option<&'static str> {
        match (self, role) {
            (Step::CreateSigned, Role::Initiator) => Some("channels.initiator_sign"),
            (Step::CreateSigned, Role::Responder) => Some("channels.responder_sign"),
            (Step::UpdateSigned, _) => Some("channels.update"),
            (Step::DepositSigned, _) => Some("channels.deposit_tx"),
            (Step::CloseSigned, _) => Some("channels.shutdown_sign"),
            _ => None,
        }
    }
}

fn me_and_peer(role: Role) -> (u8, u8) {
    match role {
        Role::Initiator => (1, 2),
        Role::Responder => (2, 1),
    }
}

fn config(url: &str, role: Role, store: &Path) -> ChannelConfigBuilder {
    let (me, peer) = me_and_peer(role);
    builder_at(url, role, me, peer).store(store)
}

/// Freezes the I/O thread on the first socket event after `frame` was written.
#[derive(Debug)]
struct FreezeAfter {
    method: &'static str,
    armed: AtomicBool,
}

impl Tracer for FreezeAfter {
    fn record(&self, r: &TraceRecord<'_>) {
        if self.armed.load(Ordering::SeqCst) {
            freeze();
        }
        let sent = r.dir == Direction::Send
            && r.raw.is_some_and(|raw| raw.contains(&format!("\"method\":\"{}\"", self.method)));
        if sent {
            self.armed.store(true, Ordering::SeqCst);
        }
    }
}

fn freeze() -> ! {
    println!("READY");
    let _ = std::io::stdout().flush();
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

/// The owning process (run by `spawn_child`).
#[test]
fn child() {
    let Ok(spec) = std::env::var(CHILD) else { return };
    let mut parts = spec.split('|');
    let (url, role, step, store) = (
        parts.next().unwrap().to_owned(),
        if parts.next().unwrap() == "initiator" { Role::Initiator } else { Role::Responder },
        Step::parse(parts.next().unwrap()),
        PathBuf::from(parts.next().unwrap()),
    );
    let mut b = config(&url, role, &store);
    if let Some(method) = step.frozen_after(role) {
        b = b.trace(Arc::new(FreezeAfter { method, armed: AtomicBool::new(false) }));
    }
    let ch = Channel::connect(b.build().unwrap()).unwrap();
    println!("UP");
    let _ = std::io::stdout().flush();
    if step == Step::FsmUp {
        freeze();
    }
    ch.wait_open().unwrap();
    if step == Step::Open {
        freeze();
    }
    let peer = key(me_and_peer(role).1).public_key();
    let _ = match step {
        Step::UpdateSigned => ch.transfer(&peer, 100u64).map(|_| ()),
        Step::DepositSigned => ch.deposit(1_000u64, TxOptions::default()).map(|_| ()),
        Step::CloseSigned => ch.shutdown(TxOptions::default()).map(|_| ()),
        Step::ClosedSolo => {
            ch.close_solo(TxOptions::default()).unwrap();
            freeze();
        }
        _ => Ok(()),
    };
    // Steps inside an operation froze the I/O thread; the operation never returns.
    std::thread::sleep(Duration::from_secs(600));
}

fn spawn_child(node: &NodeDouble, role: Role, step: Step, store: &Path) -> Child {
    let spec = format!("{}|{}|{}|{}", node.url(), role.as_str(), step.name(), store.display());
    Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD, spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Reads the child's lines until `want`.
fn wait_line(lines: &mut impl Iterator<Item = std::io::Result<String>>, want: &str) {
    for line in lines.by_ref() {
        // libtest may print the test's name on the same line first.
        if line.unwrap().trim().ends_with(want) {
            return;
        }
    }
    panic!("the child ended before {want}");
}

fn temp_store(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aesc-crash-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("channel.json")
}

/// Kills the owner of `role` at `step`, resumes it, and finishes the channel.
fn crash_and_resume(role: Role, step: Step) {
    let node = node();
    let store = temp_store(&format!("{}-{}", role.as_str(), step.name()));
    let other_role = if role == Role::Initiator { Role::Responder } else { Role::Initiator };
    let (o_me, o_peer) = me_and_peer(other_role);
    let other_cfg = builder(&node, other_role, o_me, o_peer).build().unwrap();

    // The responder's node listens for the initiator's: the responder connects first.
    let (mut child, other, mut lines) = if role == Role::Initiator {
        let other = Channel::connect(other_cfg).unwrap();
        let mut child = spawn_child(&node, role, step, &store);
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        (child, other, lines)
    } else {
        let mut child = spawn_child(&node, role, step, &store);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        wait_line(&mut lines, "UP");
        (child, Channel::connect(other_cfg).unwrap(), lines)
    };
    if step != Step::FsmUp {
        other.wait_open().unwrap();
    }
    wait_line(&mut lines, "READY");
    child.kill().unwrap();
    child.wait().unwrap();

    let stored = StateStore::new(&store).load_record().unwrap().expect("a stored channel");
    assert!(stored.view.fsm_id.is_some(), "{step:?}: the fsm id is stored");
    let cfg = config(&node.url(), role, &store).build().unwrap();
    if step == Step::FsmUp {
        // Nothing was signed: the FSM did not outlive its client, and resume says why.
        let e = Channel::resume(cfg).unwrap_err();
        assert!(matches!(e, Error::InvalidState { operation: "resume", .. }), "{e}");
        return;
    }
    assert!(stored.view.channel_id.is_some(), "{step:?}: the channel id is stored");
    if step == Step::CloseSigned {
        // The other party co-signed and posted the close; the FSMs are gone. Resume says
        // so and hands back the close this party signed, which is the one on chain.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while other.view().phase != Phase::Closed {
            assert!(std::time::Instant::now() < deadline, "the other party never saw the close");
            std::thread::sleep(Duration::from_millis(5));
        }
        let e = Channel::resume(cfg).unwrap_err();
        let Error::GoneAfterClose { close, .. } = &e else { panic!("{e}") };
        let Tx::ChannelCloseMutual(c) = close.innermost_tx() else { panic!("{close:?}") };
        let fee = c.fee.to_u64().unwrap();
        assert_eq!(
            c.initiator_amount_final.to_u64(),
            Some(INITIATOR_AMOUNT - PUSH - fee.div_ceil(2))
        );
        assert_eq!(c.responder_amount_final.to_u64(), Some(RESPONDER_AMOUNT + PUSH - fee / 2));
        assert_eq!(other.view().phase, Phase::Closed, "the other party saw the close on chain");
        return;
    }
    let me = Channel::resume(cfg).unwrap();
    let i_amount = INITIATOR_AMOUNT - PUSH;
    let r_amount = RESPONDER_AMOUNT + PUSH;
    // What the killed party paid before it died (its signed transfer went through).
    let (paid, deposited) = match step {
        Step::UpdateSigned => (100, 0),
        Step::DepositSigned => (0, 1_000),
        _ => (0, 0),
    };
    let (i_expect, r_expect) = match role {
        Role::Initiator => (i_amount - paid + deposited, r_amount + paid),
        Role::Responder => (i_amount + paid, r_amount - paid + deposited),
    };
    match step {
        Step::ClosedSolo => {
            assert_eq!(me.view().phase, Phase::Closing);
            node.mine_blocks(5);
            let tx = me.settle(TxOptions::default()).unwrap();
            let Tx::ChannelSettle(s) = tx.innermost_tx() else { panic!("{tx:?}") };
            assert_eq!(s.initiator_amount_final.to_u64(), Some(i_expect));
            assert_eq!(s.responder_amount_final.to_u64(), Some(r_expect));
        }
        _ => {
            // A signed update or deposit went through: round 2 on both sides.
            let round =
                if matches!(step, Step::UpdateSigned | Step::DepositSigned) { 2 } else { 1 };
            wait_for_round(&me, &other, round);
            assert_eq!(me.view().balances(), other.view().balances(), "{role:?} {step:?}");
            let (i, r) = me.view().balances().unwrap();
            assert_eq!((i.to_u64(), r.to_u64()), (Some(i_expect), Some(r_expect)));
            let close = me.shutdown(TxOptions::default()).unwrap();
            let Tx::ChannelCloseMutual(c) = close.innermost_tx() else { panic!("{close:?}") };
            let fee = c.fee.to_u64().unwrap();
            assert_eq!(c.initiator_amount_final.to_u64(), Some(i_expect - fee.div_ceil(2)));
            assert_eq!(c.responder_amount_final.to_u64(), Some(r_expect - fee / 2));
        }
    }
    let _ = std::fs::remove_dir_all(store.parent().unwrap());
}

/// Waits until both parties are at `round` with the balances known.
fn wait_for_round(a: &Channel, b: &Channel, round: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while a.view().round != round || b.view().round != round || a.view().balances().is_none() {
        assert!(std::time::Instant::now() < deadline, "{} vs {}", a.view().round, b.view().round);
        std::thread::sleep(Duration::from_millis(5));
    }
}

macro_rules! crash_tests {
    ($($name:ident: $role:expr, $step:expr;)*) => {$(
        #[test]
        fn $name() {
            within(LIMIT, || crash_and_resume($role, $step));
        }
    )*};
}

crash_tests! {
    initiator_killed_after_fsm_up: Role::Initiator, Step::FsmUp;
    responder_killed_after_fsm_up: Role::Responder, Step::FsmUp;
    initiator_killed_after_signing_the_create_tx: Role::Initiator, Step::CreateSigned;
    responder_killed_after_signing_the_create_tx: Role::Responder, Step::CreateSigned;
    initiator_killed_when_open: Role::Initiator, Step::Open;
    responder_killed_when_open: Role::Responder, Step::Open;
    initiator_killed_between_signing_an_update_and_the_co_signed_state: Role::Initiator, Step::UpdateSigned;
    responder_killed_between_signing_an_update_and_the_co_signed_state: Role::Responder, Step::UpdateSigned;
    initiator_killed_after_signing_a_deposit: Role::Initiator, Step::DepositSigned;
    responder_killed_after_signing_a_deposit: Role::Responder, Step::DepositSigned;
    initiator_killed_after_signing_a_mutual_close: Role::Initiator, Step::CloseSigned;
    responder_killed_after_signing_a_mutual_close: Role::Responder, Step::CloseSigned;
    initiator_killed_after_close_solo: Role::Initiator, Step::ClosedSolo;
    responder_killed_after_close_solo: Role::Responder, Step::ClosedSolo;
}
