//! The stories of the recorded sessions the project started from: open with messages and
//! balances; a party that drops and whose reconnects with a missing or wrong FSM id are
//! refused before its own is accepted; a solo close whose settles are aborted by both parties.

use std::time::Duration;

use aesc_client::aesc_codec::id::FsmId;
use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::aesc_codec::Uint;
use aesc_client::{Channel, Error, Event, Role};

use super::steps::Steps;
use super::{close_both, first_payment, pay, show, BoxError, Setup};

/// Abort code both parties answer the settle's sign request with (as in the recording).
const ABORT_CODE: u16 = 42;

/// The node's balances of both participants equal each client's view; returns them.
pub(super) fn balances_agree(
    initiator: &Channel,
    responder: &Channel,
) -> Result<(Uint, Uint), BoxError> {
    let (i, r) = (initiator.config().account(), responder.config().account());
    let node = initiator.balances(&[i, r])?;
    let (vi, vr) = (initiator.view(), responder.view());
    for b in &node {
        if vi.balance(&b.account) != Some(&b.balance) || vr.balance(&b.account) != Some(&b.balance)
        {
            return Err(format!("{} differs: node {}", b.account, b.balance).into());
        }
    }
    vi.balances().ok_or_else(|| "no balances".into())
}

fn mutual_close(steps: &mut Steps, closer: &Channel, other: &Channel) -> Result<(), BoxError> {
    steps.step(
        "mutual close (signed by both, on chain)",
        || close_both(closer, other),
        |tx| format!("{}", tx.hash()),
    )?;
    Ok(())
}

/// Open, a message each way, balances as the node and both clients see them, mutual close.
pub(super) fn open_messages(setup: &Setup<'_>) -> Result<(), BoxError> {
    let mut steps = Steps::new(7);
    let (i, r) = (setup.initiator(), setup.responder());
    let (initiator, responder) = setup.open(&mut steps)?;
    let say = |from: &Channel, to: &Channel, text: &str| -> Result<String, BoxError> {
        from.send_message(&to.config().account(), text)?;
        let m = to.receive_message(Duration::from_secs(30)).ok_or("the message did not arrive")?;
        if m.info != text || m.from != from.config().account() {
            return Err(format!("got {:?} from {}", m.info, m.from).into());
        }
        Ok(m.info)
    };
    steps.step(
        "initiator sends a message",
        || say(&initiator, &responder, "Hello"),
        |m| format!("responder got {m:?}"),
    )?;
    steps.step(
        "responder answers",
        || say(&responder, &initiator, "Hi there"),
        |m| format!("initiator got {m:?}"),
    )?;
    steps.step(
        "balances agree (node, both clients)",
        || balances_agree(&initiator, &responder),
        |(bi, br)| format!("{i} {bi}, {r} {br}"),
    )?;
    mutual_close(&mut steps, &initiator, &responder)
}

/// `role` drops its connection; reconnects without an FSM id (2000), with a malformed one and
/// with a well-formed wrong one (1016) are refused; its own is accepted and the FSM is the
/// same; a transfer; mutual close.
pub(super) fn reconnect(setup: &Setup<'_>, role: Role) -> Result<(), BoxError> {
    let mut steps = Steps::new(11);
    let (mut initiator, mut responder) = setup.open(&mut steps)?;
    let unit = first_payment(&mut steps, setup, &initiator, &responder)?;
    let (who, ch, other) = match role {
        Role::Initiator => ("initiator", &mut initiator, &responder),
        Role::Responder => ("responder", &mut responder, &initiator),
    };
    let fsm_before = ch.fsm_id();
    steps.step(
        &format!("{who} drops its connection"),
        || {
            ch.disconnect();
            Ok(ch.is_connected())
        },
        |up| format!("connected: {up}"),
    )?;
    let refused = |ch: &mut Channel, fsm: Option<&str>, code: i64| -> Result<String, BoxError> {
        match ch.reconnect_with_fsm_id(fsm) {
            Err(e @ Error::Rejected(_)) if e.data_codes().contains(&code) => Ok(e.to_string()),
            Err(e) => Err(format!("expected a refusal with {code}, got: {e}").into()),
            Ok(()) => Err(format!("expected a refusal with {code}, the node accepted").into()),
        }
    };
    steps.step(
        &format!("{who} reconnects without an fsm id"),
        || refused(ch, None, 2000),
        |e| format!("refused: {}", after_colon(e)),
    )?;
    steps.step(
        &format!("{who} reconnects with a malformed fsm id"),
        || refused(ch, Some("Invalid"), 1016),
        |e| format!("refused: {}", after_colon(e)),
    )?;
    let stranger = FsmId([7; 32]).to_string();
    steps.step(
        &format!("{who} reconnects with another fsm id"),
        || refused(ch, Some(&stranger), 1016),
        |e| format!("refused: {}", after_colon(e)),
    )?;
    steps.step(
        &format!("{who} reconnects with its fsm id"),
        || {
            ch.reconnect()?;
            if ch.fsm_id() != fsm_before {
                return Err(format!("a new FSM {}", show(ch.fsm_id())).into());
            }
            Ok(ch.view())
        },
        |v| format!("same fsm, {:?}, round {}", v.phase, v.round),
    )?;
    steps.step(
        &format!("{who} pays after reconnecting"),
        || pay(ch, other, &unit, &[]),
        |round| format!("{unit} aettos, round {round}"),
    )?;
    mutual_close(&mut steps, ch, other)
}

/// The initiator closes solo; each party asks to settle and aborts the signing with code 42;
/// both stop their FSMs.
pub(super) fn abort_settle(setup: &Setup<'_>) -> Result<(), BoxError> {
    let mut steps = Steps::new(9);
    let (initiator, responder) = setup.open(&mut steps)?;
    first_payment(&mut steps, setup, &initiator, &responder)?;
    steps.step(
        "initiator closes solo (signed, on chain)",
        || Ok(initiator.close_solo(TxOptions::default())?),
        |tx| format!("{}, {:?}", tx.hash(), initiator.view().phase),
    )?;
    steps.step(
        "responder sees the channel closing",
        || {
            let closing = |e: &Event| e.info() == Some("closing");
            responder
                .events()
                .wait_for(Duration::from_secs(setup.args.timeout), closing)
                .ok_or("no closing")?;
            Ok(responder.view().phase)
        },
        |phase| format!("{phase:?}"),
    )?;
    let settle_aborted = |ch: &Channel| -> Result<u16, BoxError> {
        ch.abort_next_sign_request(ABORT_CODE)?;
        match ch.settle(TxOptions::default()) {
            Err(Error::Aborted { code }) => Ok(code),
            Err(e) => Err(e.into()),
            Ok(tx) => Err(format!("settled with {}", tx.hash()).into()),
        }
    };
    for (who, ch) in [("initiator", &initiator), ("responder", &responder)] {
        steps.step(
            &format!("{who} settles, aborts the signing with {ABORT_CODE}"),
            || settle_aborted(ch),
            |code| format!("aborted with {code}; node: aborted_update"),
        )?;
    }
    steps.step(
        "both stop their FSMs (ok, died, socket closed)",
        || {
            for ch in [&initiator, &responder] {
                ch.stop()?;
            }
            for ch in [&initiator, &responder] {
                let end = Duration::from_secs(setup.args.timeout);
                ch.events().wait_for(end, |e| e.info() == Some("died")).ok_or("no died")?;
                ch.events()
                    .wait_for(end, |e| matches!(e, Event::Disconnected { .. }))
                    .ok_or("the node kept the socket open")?;
            }
            Ok(initiator.view().phase)
        },
        |phase| format!("channel {phase:?} on chain"),
    )?;
    Ok(())
}

/// The part of an error message after its first `": "`.
fn after_colon(s: &str) -> &str {
    s.split_once(": ").map_or(s, |(_, rest)| rest)
}
