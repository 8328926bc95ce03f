//! End-to-end operations of two clients against the node double, in both roles.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::time::Duration;

use aesc_client::aesc_codec::jsonrpc::{NodeEvent, OnChainInfo, TxOptions};
use aesc_client::aesc_codec::tx::Tx;
use aesc_client::{Channel, ConnectionConfig, Deadlines, Error, Event, Phase, Role};
use aesc_testkit::double::Role as NodeRole;
use common::*;

const LIMIT: Duration = Duration::from_secs(60);

fn amount(ch: &Channel, who: &aesc_client::aesc_codec::id::AccountId) -> u64 {
    ch.view().balance(who).and_then(|b| b.to_u64()).unwrap()
}

#[test]
fn open_gives_both_parties_the_same_initial_state() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let (vi, vr) = (p.initiator.view(), p.responder.view());
        for v in [&vi, &vr] {
            assert_eq!(v.phase, Phase::Open);
            assert_eq!(v.round, 1);
            assert_eq!(
                v.balances().unwrap(),
                ((INITIATOR_AMOUNT - PUSH).into(), (RESPONDER_AMOUNT + PUSH).into())
            );
            assert!(v.fsm_id.is_some());
        }
        assert_eq!(vi.channel_id, vr.channel_id);
        assert!(matches!(vi.latest.as_ref().map(|t| t.innermost_tx()), Some(Tx::ChannelCreate(_))));
        assert_ne!(vi.fsm_id, vr.fsm_id);
    });
}

#[test]
fn transfers_both_ways_with_meta() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let (i, r) = (p.i(), p.r());
        assert_eq!(p.initiator.transfer(&r, 100u64).unwrap(), 2);
        assert_eq!(p.responder.transfer(&i, 40u64).unwrap(), 3);
        let meta = vec!["invoice 7".to_owned(), "thanks".to_owned()];
        assert_eq!(p.responder.transfer_with_meta(&r, &i, 5u64, &meta).unwrap(), 4);
        for ch in [&p.initiator, &p.responder] {
            wait_round(ch, 4);
            assert_eq!(ch.view().round, 4);
            assert_eq!(amount(ch, &i), INITIATOR_AMOUNT - PUSH - 100 + 45);
            assert_eq!(amount(ch, &r), RESPONDER_AMOUNT + PUSH + 100 - 45);
        }
        // The acknowledger saw each proposal accepted and recorded.
        let accepted = p
            .responder
            .events()
            .drain()
            .filter(|e| matches!(e, Event::Accepted { round: Some(2), .. }))
            .count();
        assert_eq!(accepted, 1);
    });
}

#[test]
fn node_balances_offchain_state_and_poi_match_the_view() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        p.initiator.transfer(&p.r(), 7u64).unwrap();
        wait_round(&p.responder, 2);
        for ch in [&p.initiator, &p.responder] {
            let b = ch.balances(&[p.i(), p.r()]).unwrap();
            let v = ch.view();
            for entry in &b {
                assert_eq!(Some(&entry.balance), v.balance(&entry.account));
            }
            let st = ch.offchain_state().unwrap();
            let signed = st.signed_tx.expect("a signed state");
            assert_eq!(signed.as_str(), v.latest.unwrap().to_api_string());
            let poi = ch.poi(&[p.i(), p.r()], &[]).unwrap();
            assert_eq!(Some(poi.root_hash()), v.state.map(|s| s.state_hash()));
        }
    });
}

#[test]
fn messages_travel_both_ways() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        p.initiator.send_message(&p.r(), "hello").unwrap();
        let m = p.responder.receive_message(Duration::from_secs(5)).unwrap();
        assert_eq!((m.from, m.to, m.info.as_str()), (p.i(), p.r(), "hello"));
        p.responder.send_message(&p.i(), "hello back").unwrap();
        let m = p.initiator.receive_message(Duration::from_secs(5)).unwrap();
        assert_eq!(m.info, "hello back");
        assert!(p.initiator.receive_message(Duration::from_millis(100)).is_none());
    });
}

#[test]
fn deposits_and_withdrawals_by_either_party() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let (i, r) = (p.i(), p.r());
        assert_eq!(p.initiator.deposit(1_000u64, TxOptions::default()).unwrap(), 2);
        assert_eq!(p.responder.deposit(500u64, TxOptions::default()).unwrap(), 3);
        assert_eq!(p.initiator.withdraw(300u64, TxOptions::default()).unwrap(), 4);
        assert_eq!(p.responder.withdraw(200u64, TxOptions::default()).unwrap(), 5);
        for ch in [&p.initiator, &p.responder] {
            wait_round(ch, 5);
            let v = ch.view();
            assert_eq!(v.round, 5);
            assert!(matches!(
                v.latest.as_ref().map(|t| t.innermost_tx()),
                Some(Tx::ChannelWithdraw(_))
            ));
            assert_eq!(amount(ch, &i), INITIATOR_AMOUNT - PUSH + 700);
            assert_eq!(amount(ch, &r), RESPONDER_AMOUNT + PUSH + 300);
        }
    });
}

fn close_pays_out(by_initiator: bool) {
    let node = node();
    let p = open(&node);
    p.initiator.transfer(&p.r(), 1_000u64).unwrap();
    let (closer, other) =
        if by_initiator { (&p.initiator, &p.responder) } else { (&p.responder, &p.initiator) };
    let tx = closer.shutdown(TxOptions::default()).unwrap();
    let Tx::ChannelCloseMutual(c) = tx.innermost_tx() else { panic!("not a close: {tx:?}") };
    // The transaction as posted: both signatures, so its hash is the one on chain.
    assert_eq!(tx.innermost().signatures.len(), 2);
    let fee = c.fee.to_u64().unwrap();
    let fi = c.initiator_amount_final.to_u64().unwrap();
    let fr = c.responder_amount_final.to_u64().unwrap();
    assert_eq!(fi + fr + fee, INITIATOR_AMOUNT + RESPONDER_AMOUNT);
    assert_eq!(fi, INITIATOR_AMOUNT - PUSH - 1_000 - fee.div_ceil(2));
    assert_eq!(fr, RESPONDER_AMOUNT + PUSH + 1_000 - fee / 2);
    assert_eq!(closer.view().phase, Phase::Closed);
    // The other party co-signed and saw the close.
    let seen = other.events().wait_for(Duration::from_secs(10), |e| {
        matches!(e, Event::Node(NodeEvent::OnChainTx(t)) if t.info == OnChainInfo::ChannelClosed)
    });
    assert!(seen.is_some());
}

#[test]
fn mutual_close_by_the_initiator() {
    within(LIMIT, || close_pays_out(true));
}

#[test]
fn mutual_close_by_the_responder() {
    within(LIMIT, || close_pays_out(false));
}

fn solo_close_and_settle(role: Role) {
    let node = node();
    let p = open(&node);
    p.initiator.transfer(&p.r(), 10u64).unwrap();
    let ch = if role == Role::Initiator { &p.initiator } else { &p.responder };
    let tx = ch.close_solo(TxOptions::default()).unwrap();
    let Tx::ChannelCloseSolo(c) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(c.from_id, ch.config().account());
    assert_eq!(ch.view().phase, Phase::Closing);
    node.mine_blocks(5);
    let tx = ch.settle(TxOptions::default()).unwrap();
    let Tx::ChannelSettle(s) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(s.initiator_amount_final.to_u64(), Some(INITIATOR_AMOUNT - PUSH - 10));
    assert_eq!(s.responder_amount_final.to_u64(), Some(RESPONDER_AMOUNT + PUSH + 10));
    assert_eq!(ch.view().phase, Phase::Closed);
}

#[test]
fn solo_close_and_settle_by_the_initiator() {
    within(LIMIT, || solo_close_and_settle(Role::Initiator));
}

#[test]
fn solo_close_and_settle_by_the_responder() {
    within(LIMIT, || solo_close_and_settle(Role::Responder));
}

fn stale_solo_close_is_slashed(slasher: Role) {
    let node = node();
    let p = open(&node);
    p.initiator.transfer(&p.r(), 10u64).unwrap();
    p.initiator.transfer(&p.r(), 10u64).unwrap();
    let (ch, cheater) = if slasher == Role::Responder {
        (&p.responder, NodeRole::Initiator)
    } else {
        (&p.initiator, NodeRole::Responder)
    };
    wait_round(ch, 3);
    node.inject_stale_close_solo(None, cheater, Some(2));
    let can_slash = ch.events().wait_for(
        Duration::from_secs(10),
        |e| matches!(e, Event::Node(NodeEvent::OnChainTx(t)) if t.info == OnChainInfo::CanSlash),
    );
    assert!(can_slash.is_some(), "the honest party is told it can slash");
    let tx = ch.slash(TxOptions::default()).unwrap();
    let Tx::ChannelSlash(s) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(s.from_id, ch.config().account());
    let payload = s.payload.signed_tx().unwrap();
    assert_eq!(Some(payload.innermost_tx()), ch.view().latest.as_ref().map(|t| t.innermost_tx()));
}

#[test]
fn stale_solo_close_is_slashed_by_the_responder() {
    within(LIMIT, || stale_solo_close_is_slashed(Role::Responder));
}

#[test]
fn stale_solo_close_is_slashed_by_the_initiator() {
    within(LIMIT, || stale_solo_close_is_slashed(Role::Initiator));
}

fn snapshot_of_the_latest_state(role: Role) {
    within(LIMIT, move || {
        let node = node();
        let p = open(&node);
        let p = if role == Role::Responder {
            Pair { initiator: p.responder, responder: p.initiator }
        } else {
            p
        };
        // Only an off-chain state can be snapshot.
        let r = p.initiator.snapshot_solo(TxOptions::default());
        assert!(matches!(r, Err(Error::Rpc(_))), "{r:?}");
        p.responder.transfer(&p.i(), 3u64).unwrap();
        wait_round(&p.initiator, 2);
        let tx = p.initiator.snapshot_solo(TxOptions::default()).unwrap();
        let Tx::ChannelSnapshotSolo(s) = tx.innermost_tx() else { panic!("{tx:?}") };
        assert_eq!(
            s.payload.signed_tx().map(|t| t.innermost_tx()),
            p.initiator.view().latest.as_ref().map(|t| t.innermost_tx())
        );
        assert_eq!(p.initiator.view().phase, Phase::Open);
        // The channel stays usable.
        p.initiator.transfer(&p.r(), 1u64).unwrap();
    });
}

#[test]
fn snapshot_by_the_initiator() {
    snapshot_of_the_latest_state(Role::Initiator);
}

#[test]
fn snapshot_by_the_responder() {
    snapshot_of_the_latest_state(Role::Responder);
}

fn leave_and_reestablish_both_parties(leaver: Role) {
    within(LIMIT, move || {
        let node = node();
        let mut p = open(&node);
        let responder_first = leaver == Role::Initiator;
        if leaver == Role::Responder {
            p = Pair { initiator: p.responder, responder: p.initiator };
        }
        p.initiator.transfer(&p.r(), 55u64).unwrap();
        let before = p.initiator.view();
        let other_before = p.responder.view();
        let state = p.initiator.leave().unwrap();
        assert_eq!(Some(state.innermost_tx()), before.latest.as_ref().map(|t| t.innermost_tx()));
        assert_eq!(p.initiator.view().phase, Phase::Left);
        let left = p
            .responder
            .events()
            .wait_for(Duration::from_secs(5), |e| matches!(e, Event::Left { .. }));
        assert!(left.is_some());
        // Reestablish: the responder first, then the initiator.
        if responder_first {
            p.responder.reconnect().unwrap();
            p.initiator.reconnect().unwrap();
        } else {
            p.initiator.reconnect().unwrap();
            p.responder.reconnect().unwrap();
        }
        for ch in [&p.initiator, &p.responder] {
            let v = ch.view();
            assert_eq!(v.phase, Phase::Open);
            assert_eq!(v.round, before.round);
        }
        // The initiator's FSM stopped and was reestablished with a new id; the responder's kept
        // running (`keep_running` defaults to true) and was re-attached.
        for (ch, was) in [(&p.initiator, &before), (&p.responder, &other_before)] {
            if ch.config().role() == Role::Initiator {
                assert_ne!(ch.view().fsm_id, was.fsm_id, "a new FSM after a leave");
            } else {
                assert_eq!(ch.view().fsm_id, was.fsm_id, "the responder's FSM kept running");
            }
        }
        assert_eq!(p.initiator.transfer(&p.r(), 5u64).unwrap(), before.round + 1);
        p.responder.shutdown(TxOptions::default()).unwrap();
    });
}

#[test]
fn leave_by_the_initiator_and_reestablish() {
    leave_and_reestablish_both_parties(Role::Initiator);
}

#[test]
fn leave_by_the_responder_and_reestablish() {
    leave_and_reestablish_both_parties(Role::Responder);
}

fn reconnect_keeps_the_fsm(role: Role) {
    let node = node();
    let mut p = open(&node);
    p.initiator.transfer(&p.r(), 1u64).unwrap();
    wait_round(&p.responder, 2);
    let (ch, other) = match role {
        Role::Initiator => (&mut p.initiator, &p.responder),
        Role::Responder => (&mut p.responder, &p.initiator),
    };
    let peer = other.config().account();
    let fsm = ch.fsm_id();
    ch.disconnect();
    assert!(!ch.is_connected());
    let r = ch.transfer(&peer, 1u64);
    assert!(matches!(r, Err(Error::Disconnected(_))), "{r:?}");
    ch.reconnect().unwrap();
    assert_eq!(ch.fsm_id(), fsm, "the same FSM is re-attached");
    assert_eq!(ch.transfer(&peer, 1u64).unwrap(), 3);
}

#[test]
fn reconnect_after_a_dropped_socket_keeps_the_fsm() {
    within(LIMIT, || reconnect_keeps_the_fsm(Role::Initiator));
}

#[test]
fn the_responder_reconnects_after_a_dropped_socket() {
    within(LIMIT, || reconnect_keeps_the_fsm(Role::Responder));
}

#[test]
fn resume_from_a_saved_view_in_a_new_handle() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        p.responder.transfer(&p.i(), 9u64).unwrap();
        let cfg = p.responder.config().clone();
        let view = p.responder.view();
        drop(p.responder);
        let responder = Channel::reestablish(cfg, view).unwrap();
        assert_eq!(responder.view().round, 2);
        assert_eq!(p.initiator.transfer(&responder.config().account(), 1u64).unwrap(), 3);
        wait_round(&responder, 3);
    });
}

fn ping_and_stop_by(role: Role) {
    let node = node();
    let p = open(&node);
    p.initiator.ping().unwrap();
    p.responder.ping().unwrap();
    let ch = if role == Role::Initiator { &p.initiator } else { &p.responder };
    ch.stop().unwrap();
    let died = ch.events().wait_for(Duration::from_secs(5), |e| e.info() == Some("died"));
    assert!(died.is_some());
    assert_eq!(ch.view().phase, Phase::Stopped);
}

#[test]
fn ping_and_stop() {
    within(LIMIT, || ping_and_stop_by(Role::Initiator));
}

#[test]
fn ping_and_stop_by_the_responder() {
    within(LIMIT, || ping_and_stop_by(Role::Responder));
}

#[test]
fn contract_requests_fail_typed_where_the_node_does_not_run_contracts() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let r = p.initiator.create_contract(b"code", b"init", 8, 3, 10u64, &[]);
        assert!(matches!(r, Err(Error::Rpc(_))), "{r:?}");
        let ct = aesc_client::aesc_codec::id::ContractId([7; 32]);
        assert!(matches!(p.initiator.get_contract(&ct), Err(Error::Rpc(_))));
        assert!(matches!(p.initiator.dry_run(&ct, 3, 0u64, b"call"), Err(Error::Rpc(_))));
        assert!(matches!(
            p.initiator.call_contract(&ct, 3, 0u64, b"call", &[]),
            Err(Error::Rpc(_))
        ));
        // Nothing was left pending: the channel still works.
        assert_eq!(p.initiator.transfer(&p.r(), 1u64).unwrap(), 2);
    });
}

#[test]
fn operations_in_the_wrong_phase_fail_without_asking_the_node() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let r = p.initiator.settle(TxOptions::default());
        assert!(matches!(r, Err(Error::InvalidState { .. })), "{r:?}");
        let r = p.initiator.slash(TxOptions::default());
        assert!(matches!(r, Err(Error::InvalidState { .. })), "{r:?}");
    });
}

#[test]
fn node_rejections_are_typed() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        // More than the initiator has.
        let r = p.initiator.transfer(&p.r(), INITIATOR_AMOUNT);
        match r {
            Err(Error::Rpc(e)) => assert_eq!(e.data.first().map(|d| d.code.code()), Some(1001)),
            other => panic!("{other:?}"),
        }
        assert_eq!(p.initiator.view().round, 1);
        assert_eq!(p.initiator.transfer(&p.r(), 1u64).unwrap(), 2);
    });
}

#[test]
fn aborting_the_connection_fails_an_operation_waiting_on_another_thread() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        // The sign request never arrives: the transfer would wait for its deadline.
        node.add_fault(aesc_testkit::double::Fault::on("channels.sign.update").drop_frame());
        let initiator = std::sync::Arc::new(p.initiator);
        let r = p.responder.config().account();
        let worker = {
            let ch = initiator.clone();
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                (ch.transfer(&r, 1u64), start.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(200));
        initiator.abort_connection();
        let (result, took) = worker.join().unwrap();
        assert!(matches!(result, Err(Error::Disconnected(_))), "{result:?}");
        assert!(took < Duration::from_secs(3), "took {took:?}");
    });
}

/// Opens a pair whose FSMs stop an open channel after 1.5 s without traffic.
fn open_idle_limited(node: &aesc_testkit::double::NodeDouble, keepalive: Option<Duration>) -> Pair {
    let b = |role, me, peer| {
        builder(node, role, me, peer).param("timeout_idle", "1500").fsm_keepalive(keepalive)
    };
    open_with(b(Role::Initiator, 1, 2), b(Role::Responder, 2, 1))
}

#[test]
fn an_idle_open_channel_is_kept_alive() {
    within(LIMIT, || {
        let node = node();
        let p = open_idle_limited(&node, Some(Duration::from_millis(500)));
        std::thread::sleep(Duration::from_secs(4));
        assert_eq!(p.initiator.view().phase, Phase::Open);
        assert_eq!(p.responder.view().phase, Phase::Open);
        assert_eq!(p.initiator.transfer(&p.r(), 1u64).unwrap(), 2);
    });
}

#[test]
fn without_keepalive_the_idle_fsm_stops() {
    within(LIMIT, || {
        let node = node();
        let p = open_idle_limited(&node, None);
        let died =
            p.initiator.events().wait_for(Duration::from_secs(6), |e| e.info() == Some("died"));
        assert!(died.is_some(), "the double's idle timer did not fire");
    });
}

#[test]
fn a_closing_channel_reestablishes_into_closing_and_settles() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        p.initiator.transfer(&p.r(), 10u64).unwrap();
        p.initiator.close_solo(TxOptions::default()).unwrap();
        p.initiator.stop().unwrap();
        let died =
            p.initiator.events().wait_for(Duration::from_secs(5), |e| e.info() == Some("died"));
        assert!(died.is_some());
        let (cfg, view) = (p.initiator.config().clone(), p.initiator.view());
        assert_eq!(view.phase, Phase::Closing);
        drop(p.initiator);
        let ch = Channel::reestablish(cfg, view).unwrap();
        assert_eq!(ch.view().phase, Phase::Closing);
        node.mine_blocks(5);
        let tx = ch.settle(TxOptions::default()).unwrap();
        let Tx::ChannelSettle(s) = tx.innermost_tx() else { panic!("{tx:?}") };
        assert_eq!(s.initiator_amount_final.to_u64(), Some(INITIATOR_AMOUNT - PUSH - 10));
    });
}

#[test]
fn unbounded_deadlines_do_not_overflow() {
    within(LIMIT, || {
        let node = node();
        let forever = ConnectionConfig::default()
            .ping_interval(Some(Duration::MAX))
            .call_timeout(Duration::MAX);
        let b = |role, me, peer| {
            builder(&node, role, me, peer)
                .deadlines(Deadlines::all(Duration::MAX))
                .connection(forever.clone())
        };
        let p = open_with(b(Role::Initiator, 1, 2), b(Role::Responder, 2, 1));
        assert_eq!(p.initiator.transfer(&p.r(), 1u64).unwrap(), 2);
        let seen =
            p.responder.events().wait_for(Duration::MAX, |e| matches!(e, Event::CoSigned { .. }));
        assert!(seen.is_some());
    });
}

#[test]
fn assumed_minimum_depth_opens_without_waiting_for_blocks() {
    within(LIMIT, || {
        // Blocks only on demand, and a depth of 10: the channel opens because both parties
        // assume the depth once the create tx is included.
        let node = aesc_testkit::double::spawn(
            aesc_testkit::double::Config::new()
                .with_network_id(NETWORK)
                .with_minimum_depth(10)
                .with_block_interval(Duration::from_secs(600)),
        )
        .unwrap();
        let responder = Channel::connect(builder(&node, Role::Responder, 2, 1).build().unwrap());
        let initiator = Channel::connect(builder(&node, Role::Initiator, 1, 2).build().unwrap());
        let (initiator, responder) = (initiator.unwrap(), responder.unwrap());
        let pushed = initiator.events().wait_for(Duration::from_secs(10), |e| {
            matches!(e, Event::Node(NodeEvent::OnChainTx(t)) if t.info == OnChainInfo::FundingSigned)
        });
        assert!(pushed.is_some());
        node.mine_blocks(1);
        for ch in [&initiator, &responder] {
            let included = ch.events().wait_for(Duration::from_secs(10), |e| {
                matches!(e, Event::Node(NodeEvent::OnChainTx(t)) if t.info == OnChainInfo::ChannelChanged)
            });
            let Some(Event::Node(NodeEvent::OnChainTx(t))) = included else {
                panic!("{included:?}")
            };
            let tx = aesc_client::aesc_codec::tx::SignedTx::from_api_str(t.tx.as_str()).unwrap();
            let r = ch.assume_minimum_depth(&tx.hash());
            assert!(r.is_ok(), "{:?} {:?} {r:?}", ch.config().role(), ch.view().phase);
        }
        initiator.wait_open().unwrap();
        responder.wait_open().unwrap();
        assert_eq!(initiator.transfer(&responder.config().account(), 1u64).unwrap(), 2);
    });
}
