//! The socket drops at every step of open, update and close: the client reports a typed error
//! or recovers, and never waits past its deadlines.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::{Channel, ChannelConfigBuilder, Deadlines, Error, Phase, Role};
use aesc_testkit::double::{Fault, NodeDouble, Role as NodeRole};
use common::*;

const LIMIT: Duration = Duration::from_secs(300);
/// Every phase deadline in these tests.
const PHASE: Duration = Duration::from_millis(1500);
/// The longest any single call may take: the sum of the phases it can go through, plus slack.
const BOUND: Duration = Duration::from_secs(8);

fn short(b: ChannelConfigBuilder) -> ChannelConfigBuilder {
    // The FSM gives up on a lost acknowledgement after a second too, and rolls back.
    b.deadlines(Deadlines::all(PHASE)).param("timeout_accept", "1000")
}

/// Runs `f`, checks it returned within [`BOUND`] and that an error is one a caller can act
/// on.
fn bounded<T>(what: &str, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    let start = Instant::now();
    let r = f();
    assert!(start.elapsed() < BOUND, "{what} took {:?}", start.elapsed());
    if let Err(e) = &r {
        let typed = matches!(
            e.root(),
            Error::Timeout(_)
                | Error::Closed
                | Error::ClosedByNode { .. }
                | Error::WebSocket(_)
                | Error::FsmStopped { .. }
                | Error::Conflict { .. }
                | Error::Rejected(_)
                | Error::Rpc(_)
                | Error::Busy
                | Error::InvalidState { .. }
        );
        assert!(typed, "{what}: unexpected error {e:?}");
    }
    r
}

/// Runs `f` on the pair again if it met a conflict (rolled back) or a lost socket, after
/// giving each party the chance to notice and reconnect.
fn retry<T>(
    what: &str,
    p: &mut Pair,
    mut f: impl FnMut(&Channel) -> Result<T, Error>,
) -> Result<T, Error> {
    let mut last = bounded(what, || f(&p.initiator));
    for _ in 0..5 {
        match &last {
            Err(Error::Conflict { .. } | Error::Timeout(_)) => {}
            Err(e) if e.is_disconnect() => {}
            _ => return last,
        }
        std::thread::sleep(Duration::from_millis(100));
        recover(&mut p.initiator, what);
        recover(&mut p.responder, what);
        last = bounded(what, || f(&p.initiator));
    }
    last
}

/// Reconnects `ch` if its socket is gone, a few times.
fn recover(ch: &mut Channel, what: &str) -> bool {
    for _ in 0..3 {
        if ch.is_connected() && ch.view().phase == Phase::Open {
            return true;
        }
        if bounded(what, || ch.reconnect()).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn node_role(r: Role) -> NodeRole {
    if r == Role::Initiator {
        NodeRole::Initiator
    } else {
        NodeRole::Responder
    }
}

/// The frames of an opening, by the client they go to.
fn open_frames() -> Vec<(Role, Fault)> {
    let mut v = Vec::new();
    for role in [Role::Initiator, Role::Responder] {
        for event in ["fsm_up", "own_funding_locked", "funding_locked", "open"] {
            v.push((role, Fault::on_info(event)));
        }
        v.push((role, Fault::on("channels.update")));
        v.push((role, Fault::on("channels.on_chain_tx")));
    }
    v.push((Role::Initiator, Fault::on_info("channel_accept")));
    v.push((Role::Initiator, Fault::on("channels.sign.initiator_sign")));
    v.push((Role::Initiator, Fault::on_info("funding_signed")));
    v.push((Role::Responder, Fault::on_info("channel_open")));
    v.push((Role::Responder, Fault::on_info("funding_created")));
    v.push((Role::Responder, Fault::on("channels.sign.responder_sign")));
    v.push((Role::Initiator, Fault::on("result")));
    v.push((Role::Responder, Fault::on("result")));
    v
}

fn armed(node: &NodeDouble, role: Role, fault: &Fault, after: bool) -> String {
    let f = fault.clone().role(node_role(role));
    let f = if after { f.close_after() } else { f.close_before() };
    let what = format!("{role:?} {:?} {}", f.matcher, if after { "after" } else { "before" });
    node.add_fault(f);
    what
}

#[test]
fn disconnect_at_every_step_of_the_opening() {
    within(LIMIT, || {
        for (role, fault) in open_frames() {
            for after in [false, true] {
                let node = node();
                let what = armed(&node, role, &fault, after);
                let r = bounded(&what, || {
                    Channel::connect(short(builder(&node, Role::Responder, 2, 1)).build().unwrap())
                });
                let i = bounded(&what, || {
                    Channel::connect(short(builder(&node, Role::Initiator, 1, 2)).build().unwrap())
                });
                let (Ok(mut r), Ok(mut i)) = (r, i) else { continue };
                let ri = bounded(&what, || i.wait_open());
                let rr = bounded(&what, || r.wait_open());
                if ri.is_ok() && rr.is_ok() {
                    continue;
                }
                // Whoever lost the socket reconnects; once both are open the channel works.
                if recover(&mut r, &what) && recover(&mut i, &what) {
                    let t = bounded(&what, || i.transfer(&r.config().account(), 1u64));
                    assert!(
                        matches!(t, Ok(2)),
                        "{what}: the recovered channel does not work: {t:?} {:?} {:?}",
                        i.view().phase,
                        r.view().phase
                    );
                }
            }
        }
    });
}

#[test]
fn disconnect_at_every_step_of_an_update() {
    within(LIMIT, || {
        let frames = [
            (Role::Initiator, Fault::on("channels.sign.update")),
            (Role::Initiator, Fault::on("result")),
            (Role::Responder, Fault::on_info("update")),
            (Role::Responder, Fault::on("channels.sign.update_ack")),
            (Role::Responder, Fault::on("result")),
            (Role::Initiator, Fault::on("channels.update")),
            (Role::Responder, Fault::on("channels.update")),
        ];
        for (role, fault) in frames {
            for after in [false, true] {
                let node = node();
                let mut p = open_with(
                    short(builder(&node, Role::Initiator, 1, 2)),
                    short(builder(&node, Role::Responder, 2, 1)),
                );
                let what = armed(&node, role, &fault, after);
                let r = p.r();
                let first = bounded(&what, || p.initiator.transfer(&r, 10u64));
                assert!(recover(&mut p.initiator, &what), "{what}: initiator cannot reconnect");
                assert!(recover(&mut p.responder, &what), "{what}: responder cannot reconnect");
                // Both sides agree on the state, whatever happened to the first transfer. A
                // sign request lost with the socket is still pending at the FSM: the next
                // request meets it as a conflict, which rolls it back.
                let next = retry(&what, &mut p, |c| c.transfer(&r, 1u64))
                    .unwrap_or_else(|e| panic!("{what}: after recovery ({first:?}): {e:?}"));
                wait_round(&p.responder, next);
                assert_eq!(p.initiator.view().balances(), p.responder.view().balances(), "{what}");
                let expected = if first.is_ok() { 3 } else { next };
                assert_eq!(next, expected, "{what}: first transfer {first:?}");
            }
        }
    });
}

#[test]
fn disconnect_at_every_step_of_a_mutual_close() {
    within(LIMIT, || {
        let frames = [
            (Role::Initiator, Fault::on("channels.sign.shutdown_sign")),
            (Role::Responder, Fault::on_info("shutdown")),
            (Role::Responder, Fault::on("channels.sign.shutdown_sign_ack")),
            (Role::Initiator, Fault::on_chain("close_mutual")),
            (Role::Responder, Fault::on_chain("close_mutual")),
            (Role::Initiator, Fault::on_info("closing")),
            (Role::Initiator, Fault::on_chain("channel_closed")),
            (Role::Initiator, Fault::on_info("closed_confirmed")),
            (Role::Responder, Fault::on_info("closed_confirmed")),
        ];
        for (role, fault) in frames {
            for after in [false, true] {
                let node = node();
                let mut p = open_with(
                    short(builder(&node, Role::Initiator, 1, 2)),
                    short(builder(&node, Role::Responder, 2, 1)),
                );
                let what = armed(&node, role, &fault, after);
                let r = bounded(&what, || p.initiator.shutdown(TxOptions::default()));
                if r.is_ok() {
                    continue;
                }
                // Either the channel closed anyway (the close was already signed), or it is
                // still open and a second attempt after reconnecting closes it.
                if p.initiator.view().phase == Phase::Closed {
                    continue;
                }
                if recover(&mut p.initiator, &what) && recover(&mut p.responder, &what) {
                    let again = retry(&what, &mut p, |c| c.shutdown(TxOptions::default()));
                    // A client that re-attached while its FSM was already closing missed
                    // `close_mutual`: its second shutdown is refused, and the rest of the close
                    // (`channel_closed` in the next block) reaches it shortly after.
                    let waited = Instant::now();
                    while again.is_err()
                        && p.initiator.view().phase == Phase::Open
                        && waited.elapsed() < PHASE
                    {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    assert!(
                        again.is_ok() || p.initiator.view().phase != Phase::Open,
                        "{what}: {again:?}"
                    );
                }
            }
        }
    });
}
