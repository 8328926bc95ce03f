//! The lifecycle story: open, transfers both ways (one with meta updates), a message, the
//! balances as the node and as each client sees them, a leave and a reestablish, another
//! transfer, a mutual close, and the final balances.

use std::time::Duration;

use aesc_client::aesc_codec::tx::Tx;
use aesc_client::Event;

use super::steps::Steps;
use super::{close_both, first_payment, pay, show, BoxError, Setup};

/// Runs the story.
pub(super) fn run(setup: &Setup<'_>) -> Result<(), BoxError> {
    let mut steps = Steps::new(13);
    let (i, r) = (setup.initiator(), setup.responder());
    let (mut initiator, mut responder) = setup.open(&mut steps)?;
    let unit = first_payment(&mut steps, setup, &initiator, &responder)?;
    let back = &unit + &unit;
    steps.step(
        "responder pays the initiator",
        || pay(&responder, &initiator, &back, &[]),
        |round| format!("{back} aettos, round {round}"),
    )?;
    let note = "demo invoice 1";
    let meta = vec![note.to_owned()];
    steps.step(
        "initiator pays with a meta note",
        || pay(&initiator, &responder, &unit, &meta),
        |round| format!("{unit} aettos + {note:?}, round {round}"),
    )?;
    steps.step(
        "initiator sends a message",
        || {
            initiator.send_message(&r, "hello from the initiator")?;
            let m = responder
                .receive_message(Duration::from_secs(30))
                .ok_or("the message did not arrive")?;
            Ok(m.info)
        },
        |info| format!("responder got {info:?}"),
    )?;
    steps.step(
        "balances agree (node, both clients)",
        || super::stories::balances_agree(&initiator, &responder),
        |(bi, br)| format!("initiator {bi}, responder {br}"),
    )?;
    steps.step(
        "initiator leaves the channel",
        || {
            let state = initiator.leave()?;
            // The responder is told too, with the same state.
            let left = |e: &Event| matches!(e, Event::Left { .. });
            responder.events().wait_for(Duration::from_secs(30), left).ok_or("no leave")?;
            Ok(state)
        },
        |state| format!("state round {}, both told", round_of(state.innermost_tx())),
    )?;
    steps.step(
        "both reestablish",
        || {
            // The responder's node listens for the initiator's: start both, then wait.
            responder.start_reconnect()?;
            initiator.start_reconnect()?;
            responder.wait_open()?;
            initiator.wait_open()?;
            Ok(initiator.view())
        },
        |v| format!("new fsm {}, round {}", show(v.fsm_id), v.round),
    )?;
    steps.step(
        "responder pays after reestablishing",
        || pay(&responder, &initiator, &unit, &[]),
        |round| format!("{unit} aettos, round {round}"),
    )?;
    let close = steps.step(
        "mutual close (signed by both, on chain)",
        || close_both(&initiator, &responder),
        |tx| format!("{}", tx.hash()),
    )?;
    let c = steps.step(
        "final balances",
        || match close.innermost_tx() {
            Tx::ChannelCloseMutual(c) => Ok(c.clone()),
            _ => Err("the close is not a mutual close".into()),
        },
        |c| format!("fee {}", c.fee),
    )?;
    println!();
    println!("final balances after {:.2}s:", steps.elapsed());
    println!("  initiator {i}: {}", c.initiator_amount_final);
    println!("  responder {r}: {}", c.responder_amount_final);
    println!("  close fee: {}", c.fee);
    responder.disconnect();
    initiator.disconnect();
    Ok(())
}

fn round_of(tx: &Tx) -> u64 {
    match tx {
        Tx::ChannelOffChain(t) => t.round,
        Tx::ChannelDeposit(t) => t.round,
        Tx::ChannelWithdraw(t) => t.round,
        Tx::ChannelCreate(_) => 1,
        _ => 0,
    }
}
