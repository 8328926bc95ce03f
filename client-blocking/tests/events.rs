//! Events a user can rely on: a typed event for every phase change and for reconnects,
//! messages that can be received without losing other events, and several consumers that each
//! get every event.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::time::Duration;

use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::{Event, Events, Phase};
use common::*;

const LIMIT: Duration = Duration::from_secs(60);

fn phases(events: &Events) -> Vec<(Phase, Phase)> {
    events
        .drain()
        .filter_map(|e| match e {
            Event::PhaseChanged { from, to } => Some((from, to)),
            _ => None,
        })
        .collect()
}

#[test]
fn every_phase_change_and_reconnect_is_an_event() {
    within(LIMIT, || {
        let node = node();
        let mut p = open(&node);
        let seen = phases(p.initiator.events());
        assert_eq!(seen, vec![(Phase::Connecting, Phase::Opening), (Phase::Opening, Phase::Open)]);
        p.initiator.leave().unwrap();
        assert!(p
            .initiator
            .events()
            .wait_for(Duration::from_secs(5), |e| matches!(
                e,
                Event::PhaseChanged { from: Phase::Open, to: Phase::Left }
            ))
            .is_some());
        p.responder.reconnect().unwrap();
        p.initiator.reconnect().unwrap();
        let reconnected = p.initiator.events().wait_for(Duration::from_secs(5), |e| {
            matches!(e, Event::Reconnected { same_fsm: false, fsm_id: Some(_) })
        });
        assert!(reconnected.is_some(), "a reestablish starts a new FSM");
        p.initiator.shutdown(TxOptions::default()).unwrap();
        let mut to = Vec::new();
        for e in p.initiator.events().drain() {
            if let Event::PhaseChanged { to: t, .. } = e {
                to.push(t);
            }
        }
        assert!(to.ends_with(&[Phase::Closing, Phase::Closed]), "{to:?}");
    });
}

#[test]
fn receiving_a_message_loses_no_other_event() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let _ = p.responder.events().drain().count();
        p.initiator.transfer(&p.r(), 5u64).unwrap();
        wait_round(&p.responder, 2);
        p.initiator.send_message(&p.r(), "hi").unwrap();
        assert_eq!(p.responder.receive_message(Duration::from_secs(5)).unwrap().info, "hi");
        let co_signed = p
            .responder
            .events()
            .drain()
            .filter(|e| matches!(e, Event::CoSigned { round: 2, .. }))
            .count();
        assert_eq!(co_signed, 1, "the state event is still there");
    });
}

#[test]
fn every_subscriber_gets_every_event() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let (a, b) = (p.initiator.subscribe(), p.initiator.subscribe());
        p.initiator.transfer(&p.r(), 5u64).unwrap();
        for s in [&a, &b, p.initiator.events()] {
            let n = s.drain().filter(|e| matches!(e, Event::CoSigned { round: 2, .. })).count();
            assert_eq!(n, 1);
        }
    });
}
