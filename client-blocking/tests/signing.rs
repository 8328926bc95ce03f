//! Nothing is signed that was not asked for: every alteration the node double can make to a
//! sign request is refused, and the policy guards the other party's proposals.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use aesc_client::aesc_codec::jsonrpc::{SignTag, TxOptions};
use aesc_client::policy::{AcceptAll, PolicyReason, Refusal};
use aesc_client::{Channel, Error, Event, Role};
use aesc_testkit::double::{Alteration, Fault, NodeDouble, Observation, Role as NodeRole};
use common::*;

const LIMIT: Duration = Duration::from_secs(120);

const ALL: [Alteration; 6] = Alteration::ALL;
/// The fee and nonce a test asks for, so that the client can hold the node to them.
fn pinned() -> TxOptions {
    TxOptions { fee: Some(30_000_000_000_000u64.into()), gas_price: None, nonce: Some(7) }
}

fn node_role(r: Role) -> NodeRole {
    match r {
        Role::Initiator => NodeRole::Initiator,
        Role::Responder => NodeRole::Responder,
    }
}

/// The refusing client signed nothing altered and reported the refusal (the opening
/// signatures cannot be aborted, so the double records no abort for them).
fn assert_not_signed(node: &NodeDouble, refuser: &Channel, what: &str) {
    std::thread::sleep(Duration::from_millis(200));
    let obs = node.observations();
    assert!(
        !obs.iter().any(|o| matches!(o, Observation::SignedAlteredTx { .. })),
        "{what}: an altered transaction was signed: {obs:?}"
    );
    let refused =
        refuser.events().wait_for(Duration::from_secs(5), |e| matches!(e, Event::Refused { .. }));
    assert!(refused.is_some(), "{what}: no Refused event");
}

/// The refusing client answered with an abort and signed nothing altered.
fn assert_refused(node: &NodeDouble, refuser: &Channel, what: &str) {
    let role = node_role(refuser.config().role());
    // The abort reaches the double a moment after the client gave up.
    let mut obs = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while std::time::Instant::now() < deadline
        && !obs.iter().any(|o| matches!(o, Observation::RefusedAlteredTx { .. }))
    {
        obs.extend(node.observations());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        !obs.iter().any(|o| matches!(o, Observation::SignedAlteredTx { .. })),
        "{what}: an altered transaction was signed: {obs:?}"
    );
    assert!(
        obs.iter()
            .any(|o| matches!(o, Observation::RefusedAlteredTx { role: r, .. } if *r == role)),
        "{what}: no refusal observed: {obs:?}"
    );
    let refused =
        refuser.events().wait_for(Duration::from_secs(5), |e| matches!(e, Event::Refused { .. }));
    assert!(refused.is_some(), "{what}: no Refused event");
}

fn alter(node: &NodeDouble, method: &str, role: Role, how: Alteration) {
    node.add_fault(Fault::on(method).role(node_role(role)).alter(how));
}

#[test]
fn altered_updates_are_never_signed() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        for how in ALL {
            let what = format!("update {how:?}");
            alter(&node, "channels.sign.update", Role::Initiator, how);
            let r = p.initiator.transfer(&p.r(), 10u64);
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.initiator, &what);
            assert_eq!(p.initiator.view().round, 1, "{what}: round moved");
        }
        for how in ALL {
            let what = format!("update_ack {how:?}");
            alter(&node, "channels.sign.update_ack", Role::Responder, how);
            let r = p.initiator.transfer(&p.r(), 10u64);
            assert!(matches!(r, Err(Error::Conflict { .. })), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);
            assert_eq!(p.responder.view().round, 1, "{what}: round moved");
        }
        // Afterwards the channel works normally.
        assert_eq!(p.initiator.transfer(&p.r(), 10u64).unwrap(), 2);
    });
}

#[test]
fn altered_deposits_and_withdrawals_are_never_signed() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        for how in ALL {
            let what = format!("deposit_tx {how:?}");
            alter(&node, "channels.sign.deposit_tx", Role::Initiator, how);
            let r = p.initiator.deposit(100u64, TxOptions::default());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.initiator, &what);

            let what = format!("deposit_ack {how:?}");
            alter(&node, "channels.sign.deposit_ack", Role::Responder, how);
            let r = p.initiator.deposit(100u64, TxOptions::default());
            assert!(matches!(r, Err(Error::Conflict { .. })), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);

            let what = format!("withdraw_tx {how:?}");
            alter(&node, "channels.sign.withdraw_tx", Role::Responder, how);
            let r = p.responder.withdraw(100u64, TxOptions::default());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);

            let what = format!("withdraw_ack {how:?}");
            alter(&node, "channels.sign.withdraw_ack", Role::Initiator, how);
            let r = p.responder.withdraw(100u64, TxOptions::default());
            assert!(matches!(r, Err(Error::Conflict { .. })), "{what}: {r:?}");
            assert_refused(&node, &p.initiator, &what);
        }
        assert_eq!(p.initiator.deposit(100u64, TxOptions::default()).unwrap(), 2);
    });
}

#[test]
fn altered_mutual_closes_are_never_signed() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        for how in ALL {
            let what = format!("shutdown_sign {how:?}");
            alter(&node, "channels.sign.shutdown_sign", Role::Initiator, how);
            let r = p.initiator.shutdown(pinned());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.initiator, &what);
        }
        // The acknowledger cannot know the closer's nonce (which costs it nothing): every
        // other alteration is refused.
        for how in ALL.into_iter().filter(|h| *h != Alteration::Round) {
            let what = format!("shutdown_sign_ack {how:?}");
            alter(&node, "channels.sign.shutdown_sign_ack", Role::Responder, how);
            let r = p.initiator.shutdown(pinned());
            assert!(r.is_err(), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);
        }
        p.initiator.shutdown(pinned()).unwrap();
    });
}

#[test]
fn altered_solo_transactions_are_never_signed() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        p.initiator.transfer(&p.r(), 10u64).unwrap();
        for how in ALL {
            let what = format!("snapshot_solo_tx {how:?}");
            alter(&node, "channels.sign.snapshot_solo_tx", Role::Initiator, how);
            let r = p.initiator.snapshot_solo(pinned());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.initiator, &what);
        }
        for how in ALL {
            let what = format!("close_solo_sign {how:?}");
            alter(&node, "channels.sign.close_solo_sign", Role::Responder, how);
            let r = p.responder.close_solo(pinned());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);
        }
        p.responder.close_solo(pinned()).unwrap();
        node.mine_blocks(5);
        for how in ALL {
            let what = format!("settle_sign {how:?}");
            alter(&node, "channels.sign.settle_sign", Role::Responder, how);
            let r = p.responder.settle(pinned());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);
        }
        p.responder.settle(pinned()).unwrap();
    });
}

#[test]
fn altered_slashes_are_never_signed() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        p.initiator.transfer(&p.r(), 10u64).unwrap();
        p.initiator.transfer(&p.r(), 10u64).unwrap();
        node.inject_stale_close_solo(None, NodeRole::Initiator, Some(2));
        std::thread::sleep(Duration::from_millis(300));
        for how in ALL {
            let what = format!("slash_tx {how:?}");
            alter(&node, "channels.sign.slash_tx", Role::Responder, how);
            let r = p.responder.slash(pinned());
            assert!(matches!(r, Err(Error::Refused(_))), "{what}: {r:?}");
            assert_refused(&node, &p.responder, &what);
        }
        p.responder.slash(pinned()).unwrap();
    });
}

#[test]
fn altered_create_transactions_are_never_signed() {
    within(LIMIT, || {
        for (role, method) in [
            (Role::Initiator, "channels.sign.initiator_sign"),
            (Role::Responder, "channels.sign.responder_sign"),
        ] {
            for how in ALL {
                let what = format!("{method} {how:?}");
                let node = node();
                alter(&node, method, role, how);
                // The nonce is pinned so that a changed nonce (another channel id) shows.
                let r = Channel::connect(
                    builder(&node, Role::Responder, 2, 1).param("nonce", "1").build().unwrap(),
                )
                .unwrap();
                let i = Channel::connect(
                    builder(&node, Role::Initiator, 1, 2).param("nonce", "1").build().unwrap(),
                )
                .unwrap();
                let refuser = if role == Role::Initiator { &i } else { &r };
                let result = refuser.wait_open();
                assert!(matches!(result, Err(Error::Refused(_))), "{what}: {result:?}");
                assert_not_signed(&node, refuser, &what);
            }
        }
    });
}

#[test]
fn default_policy_refuses_a_transfer_out_of_the_own_balance() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        // The initiator asks for the responder's tokens.
        let r = p.initiator.transfer_with_meta(&p.r(), &p.i(), 10u64, &[]);
        assert!(matches!(r, Err(Error::Conflict { code: 4, .. })), "{r:?}");
        let refused = p.responder.events().wait_for(Duration::from_secs(5), |e| {
            matches!(e, Event::Refused { tag: SignTag::UpdateAck, refusal: Refusal::Policy(p) }
                if matches!(p.reason, PolicyReason::ReducesOwnBalance { .. }))
        });
        assert!(refused.is_some());
        assert_eq!(p.responder.view().round, 1);
        // A gift is fine.
        assert_eq!(p.initiator.transfer(&p.r(), 10u64).unwrap(), 2);
    });
}

#[test]
fn a_replaced_policy_decides() {
    within(LIMIT, || {
        let node = node();
        let p = open_with(
            builder(&node, Role::Initiator, 1, 2),
            builder(&node, Role::Responder, 2, 1).policy(Arc::new(AcceptAll)),
        );
        let round = p.initiator.transfer_with_meta(&p.r(), &p.i(), 10u64, &[]).unwrap();
        assert_eq!(round, 2);
        wait_round(&p.responder, 2);
        assert_eq!(
            p.responder.view().balance(&p.r()).and_then(|b| b.to_u64()),
            Some(RESPONDER_AMOUNT + PUSH - 10)
        );
    });
}

#[test]
fn fees_above_the_cap_are_refused() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let r = p.initiator.deposit(
            10u64,
            TxOptions { fee: Some(2_000_000_000_000_000u64.into()), ..TxOptions::default() },
        );
        match r {
            Err(Error::Refused(r)) if matches!(*r, Refusal::Fee { .. }) => {}
            other => panic!("{other:?}"),
        }
        // An open whose create fee is above the cap never gets signed either.
        let node2 = common::node();
        let r =
            Channel::connect(builder(&node2, Role::Responder, 2, 1).fee_cap(1u64).build().unwrap())
                .unwrap();
        let i =
            Channel::connect(builder(&node2, Role::Initiator, 1, 2).fee_cap(1u64).build().unwrap())
                .unwrap();
        let r2 = i.wait_open();
        assert!(
            matches!(&r2, Err(Error::Refused(r)) if matches!(**r, Refusal::Fee { .. })),
            "{r2:?}"
        );
        drop(r);
    });
}

#[test]
fn an_abort_answered_just_before_a_disconnect_still_reaches_the_node() {
    within(LIMIT, || {
        let node = node();
        let mut p = open(&node);
        for _ in 0..5 {
            alter(&node, "channels.sign.update", Role::Initiator, Alteration::Amount);
            let r = p.initiator.transfer(&p.r(), 10u64);
            assert!(matches!(r, Err(Error::Refused(_))), "{r:?}");
            // The abort was queued when the transfer returned; closing now must not lose it,
            // or the node keeps waiting for this client's signature.
            p.initiator.disconnect();
            p.initiator.reconnect().unwrap();
            let round = p.initiator.view().round;
            assert_eq!(p.initiator.transfer(&p.r(), 1u64).unwrap(), round + 1);
        }
    });
}
