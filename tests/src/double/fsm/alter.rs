//! Altered sign requests for hostile-node tests: what the double sends instead of the agreed
//! transaction (and its `updates` list) when an [`Alteration`] fault is armed.
//!
//! Every alteration yields a transaction that differs from the agreed one; values that would
//! overflow wrap around rather than panic, since they come from the client.

use aesc_codec::hash::blake2b_256;
use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::tx::{ChannelDepositTx, ChannelOffChainTx, Update};
use aesc_codec::Uint;
use serde_json::Value;

use super::super::faults::Alteration;
use super::super::ledger::Ledger;
use super::super::txs::{Tx, TxExt};

/// What goes out in place of the agreed sign request.
#[derive(Debug, Clone)]
pub(crate) struct Altered {
    /// The transaction to sign.
    pub(crate) tx: Tx,
    /// The `updates` list shown beside it.
    pub(crate) updates: Value,
}

/// The sign request for `tx` (shown with `updates`) altered the way `how` says. `ledger` is
/// the agreed state after the update, for alterations of the committed state.
pub(crate) fn alter(tx: &Tx, updates: &Value, how: Alteration, ledger: Option<&Ledger>) -> Altered {
    let mut shown = updates.clone();
    let tx = match (tx, how) {
        (Tx::ChannelOffChain(x), _) => alter_offchain(x, &mut shown, how, ledger),
        _ => alter_onchain(tx, how, ledger),
    };
    Altered { tx, updates: shown }
}

/// The first transfer the `updates` list shows.
fn listed_transfer(updates: &Value) -> Option<(AccountId, AccountId, Uint)> {
    updates.as_array()?.iter().find_map(|u| match Update::from_json(u).ok()? {
        Update::Transfer { from, to, amount } => Some((from, to, amount)),
        _ => None,
    })
}

/// The agreed state with `amount` more moved from `from` to `to`; a hash that matches no
/// state when that is impossible.
fn moved(ledger: Option<&Ledger>, from: &AccountId, to: &AccountId, amount: &Uint) -> StateHash {
    let hash = ledger.and_then(|l| {
        let mut next = l.clone();
        next.transfer(from, to, amount, &Uint::zero()).ok()?;
        Some(next.state_hash())
    });
    StateHash(hash.unwrap_or([0xee; 32]))
}

/// The direction a skew of the committed state takes: the listed transfer's, or from the
/// first participant to the second.
fn direction(updates: &Value, ledger: Option<&Ledger>) -> Option<(AccountId, AccountId)> {
    if let Some((from, to, _)) = listed_transfer(updates) {
        return Some((from, to));
    }
    let keys = ledger?.accounts();
    Some((*keys.first()?, *keys.get(1)?))
}

/// The agreed state with one more token moved in [`direction`].
fn skewed(updates: &Value, ledger: Option<&Ledger>, fallback: &StateHash) -> StateHash {
    match direction(updates, ledger) {
        Some((from, to)) => moved(ledger, &from, &to, &Uint::from(1u64)),
        None => StateHash(blake2b_256(fallback.as_bytes())),
    }
}

fn alter_offchain(
    x: &ChannelOffChainTx,
    shown: &mut Value,
    how: Alteration,
    ledger: Option<&Ledger>,
) -> Tx {
    let mut x = x.clone();
    match how {
        Alteration::ChannelId => x.channel_id = other_channel(&x.channel_id),
        Alteration::Round => x.round = x.round.wrapping_add(1),
        // The committed state moves one token more than the list shows.
        Alteration::Amount => x.state_hash = skewed(shown, ledger, &x.state_hash),
        // The committed state has the transfer going the other way.
        Alteration::Recipient => {
            x.state_hash = match listed_transfer(shown) {
                Some((from, to, amount)) => moved(ledger, &to, &from, &(&amount + &amount)),
                None => StateHash(blake2b_256(x.state_hash.as_bytes())),
            };
        }
        // One more transfer, both in the list and in the committed state.
        Alteration::ExtraUpdate => {
            if let (Some((from, to)), Some(list)) = (direction(shown, ledger), shown.as_array_mut())
            {
                let one = Uint::from(1u64);
                list.push(Update::Transfer { from, to, amount: one.clone() }.to_json());
                x.state_hash = moved(ledger, &from, &to, &one);
            } else {
                x.state_hash = StateHash(blake2b_256(x.state_hash.as_bytes()));
            }
        }
        Alteration::WrongType => {
            return Tx::ChannelDeposit(ChannelDepositTx {
                channel_id: x.channel_id,
                from_id: AccountId(*x.channel_id.as_bytes()),
                amount: Uint::from(1u64),
                ttl: 0,
                fee: Uint::zero(),
                state_hash: x.state_hash,
                round: x.round,
                nonce: 1,
            });
        }
    }
    Tx::ChannelOffChain(x)
}

fn alter_onchain(tx: &Tx, how: Alteration, ledger: Option<&Ledger>) -> Tx {
    let one = Uint::from(1u64);
    let none = Value::Null;
    let mut t = tx.clone();
    match (&mut t, how) {
        (Tx::ChannelDeposit(x), how) => match how {
            Alteration::ChannelId => x.channel_id = other_channel(&x.channel_id),
            Alteration::Round => x.round = x.round.wrapping_add(1),
            Alteration::Amount => x.amount = &x.amount + &one,
            Alteration::Recipient => x.from_id = other_account(&x.from_id),
            Alteration::ExtraUpdate => x.state_hash = skewed(&none, ledger, &x.state_hash),
            Alteration::WrongType => {
                return offchain_instead(&x.channel_id, x.round, &x.state_hash)
            }
        },
        (Tx::ChannelWithdraw(x), how) => match how {
            Alteration::ChannelId => x.channel_id = other_channel(&x.channel_id),
            Alteration::Round => x.round = x.round.wrapping_add(1),
            Alteration::Amount => x.amount = &x.amount + &one,
            Alteration::Recipient => x.to_id = other_account(&x.to_id),
            Alteration::ExtraUpdate => x.state_hash = skewed(&none, ledger, &x.state_hash),
            Alteration::WrongType => {
                return offchain_instead(&x.channel_id, x.round, &x.state_hash)
            }
        },
        (Tx::ChannelCloseMutual(x), how) => match how {
            Alteration::ChannelId => x.channel_id = other_channel(&x.channel_id),
            Alteration::Round => x.nonce = x.nonce.wrapping_add(1),
            Alteration::Amount | Alteration::ExtraUpdate => {
                x.initiator_amount_final = &x.initiator_amount_final + &one;
            }
            Alteration::Recipient => x.from_id = other_account(&x.from_id),
            Alteration::WrongType => {
                return offchain_instead(&x.channel_id, 1, &StateHash([0; 32]))
            }
        },
        (Tx::ChannelSettle(x), how) => match how {
            Alteration::ChannelId => x.channel_id = other_channel(&x.channel_id),
            Alteration::Round => x.nonce = x.nonce.wrapping_add(1),
            Alteration::Amount | Alteration::ExtraUpdate => {
                x.initiator_amount_final = &x.initiator_amount_final + &one;
            }
            Alteration::Recipient => x.from_id = other_account(&x.from_id),
            Alteration::WrongType => {
                return offchain_instead(&x.channel_id, 1, &StateHash([0; 32]))
            }
        },
        (Tx::ChannelCreate(x), how) => match how {
            Alteration::Amount => x.initiator_amount = &x.initiator_amount + &one,
            Alteration::Recipient => x.responder_id = other_account(&x.responder_id),
            Alteration::ChannelId => x.nonce = x.nonce.wrapping_add(1),
            Alteration::Round => x.lock_period = x.lock_period.wrapping_add(1),
            Alteration::ExtraUpdate => {
                x.state_hash = StateHash(blake2b_256(x.state_hash.as_bytes()))
            }
            Alteration::WrongType => return offchain_instead(&x.channel_id(), 1, &x.state_hash),
        },
        (other, how) => return alter_solo(other, how),
    }
    t
}

/// Solo txs (close solo, slash, snapshot): no round or amount of their own.
fn alter_solo(tx: &Tx, how: Alteration) -> Tx {
    let mut t = tx.clone();
    let (channel, from) = match &mut t {
        Tx::ChannelCloseSolo(x) => (&mut x.channel_id, &mut x.from_id),
        Tx::ChannelSlash(x) => (&mut x.channel_id, &mut x.from_id),
        Tx::ChannelSnapshotSolo(x) => (&mut x.channel_id, &mut x.from_id),
        _ => return t,
    };
    match how {
        Alteration::ChannelId => *channel = other_channel(channel),
        Alteration::WrongType => return offchain_instead(channel, 1, &StateHash([0; 32])),
        Alteration::Recipient => *from = other_account(from),
        Alteration::Round | Alteration::Amount | Alteration::ExtraUpdate => {
            let nonce = t.nonce().wrapping_add(1);
            t.set_nonce(nonce);
            let fee = &t.fee() + &Uint::from(1u64);
            t.set_fee(fee);
        }
    }
    t
}

fn other_channel(c: &ChannelId) -> ChannelId {
    ChannelId(blake2b_256(c.as_bytes()))
}

fn other_account(a: &AccountId) -> AccountId {
    AccountId(blake2b_256(a.as_bytes()))
}

fn offchain_instead(channel: &ChannelId, round: u64, state_hash: &StateHash) -> Tx {
    Tx::ChannelOffChain(ChannelOffChainTx {
        channel_id: *channel,
        round,
        updates: None,
        state_hash: *state_hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (AccountId, AccountId) {
        (AccountId([1; 32]), AccountId([2; 32]))
    }

    /// The agreed state after a transfer of 10 from the first to the second participant.
    fn agreed() -> Ledger {
        let (a, b) = ids();
        let mut l =
            Ledger::initial(a, &Uint::from(100u64), b, &Uint::from(100u64), &Uint::zero()).unwrap();
        l.transfer(&a, &b, &Uint::from(10u64), &Uint::zero()).unwrap();
        l
    }

    #[test]
    fn each_offchain_alteration_is_a_distinct_lie() {
        let (a, b) = ids();
        let ledger = agreed();
        let updates =
            serde_json::json!([
                Update::Transfer { from: a, to: b, amount: Uint::from(10u64) }.to_json()
            ]);
        let tx = Tx::ChannelOffChain(ChannelOffChainTx {
            channel_id: ChannelId([3; 32]),
            round: u64::MAX,
            updates: None,
            state_hash: StateHash(ledger.state_hash()),
        });
        let all = Alteration::ALL;
        let out: Vec<Altered> =
            all.iter().map(|h| alter(&tx, &updates, *h, Some(&ledger))).collect();
        // Each differs from the agreed request and from the others (the amount and the extra
        // update commit to the same state; only the second lists the transfer that leads to it).
        for (i, x) in out.iter().enumerate() {
            assert_ne!(x.tx, tx, "{:?}", all[i]);
            for (j, y) in out.iter().enumerate().skip(i + 1) {
                assert!(x.tx != y.tx || x.updates != y.updates, "{:?} {:?}", all[i], all[j]);
            }
        }
        // Only the extra update shows in the list, and the state it commits to matches it.
        assert_eq!(out[4].updates.as_array().map(Vec::len), Some(2));
        assert!(out.iter().enumerate().all(|(i, x)| i == 4 || x.updates == updates));
        let mut reversed = agreed();
        reversed.transfer(&b, &a, &Uint::from(20u64), &Uint::zero()).unwrap();
        let Tx::ChannelOffChain(r) = &out[1].tx else { panic!() };
        assert_eq!(r.state_hash, StateHash(reversed.state_hash()));
    }
}
