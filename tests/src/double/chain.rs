//! The simulated chain: block height advancing with time, a mempool, account nonces and
//! balances, and the on-chain channel objects the FSMs watch.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aesc_codec::id::{AccountId, ChannelId};
use aesc_codec::Uint;

use super::clock::later;
use super::txs::SignedTx;

/// What including a transaction does to the channel on chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Effect {
    /// The channel is created with these amounts.
    Create {
        initiator: AccountId,
        responder: AccountId,
        initiator_amount: Uint,
        responder_amount: Uint,
        lock_period: u64,
        round: u64,
        state_hash: [u8; 32],
    },
    /// A deposit, withdrawal or snapshot records a new co-signed state (`delta`: amount moved
    /// in (`true`) or out of the channel).
    State { round: u64, state_hash: [u8; 32], delta: Option<(bool, Uint)> },
    /// A solo close or slash puts the channel in the closing state with these final amounts.
    SoloClose { round: u64, state_hash: [u8; 32], initiator_amount: Uint, responder_amount: Uint },
    /// A mutual close or a settlement closes the channel.
    Closed,
}

/// A transaction waiting for a block.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub hash: [u8; 32],
    pub signed: SignedTx,
    pub channel: ChannelId,
    pub payer: AccountId,
    pub fee: Uint,
    pub effect: Effect,
    /// Not included before this height (a settle waits for the lock period to end).
    pub not_before: u64,
}

/// A transaction that went into a block.
#[derive(Debug, Clone)]
pub(crate) struct Included {
    pub hash: [u8; 32],
    pub signed: SignedTx,
    pub channel: ChannelId,
    pub effect: Effect,
    pub height: u64,
}

/// The channel object as the chain knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OnChainChannel {
    pub initiator: AccountId,
    pub responder: AccountId,
    pub initiator_amount: Uint,
    pub responder_amount: Uint,
    pub lock_period: u64,
    pub round: u64,
    pub solo_round: u64,
    pub state_hash: [u8; 32],
    /// 0 while active; the height from which a settle is valid while closing.
    pub locked_until: u64,
    pub closed: bool,
}

#[derive(Debug, Clone, Default)]
struct Account {
    balance: Uint,
    nonce: u64,
}

/// The simulated chain.
#[derive(Debug)]
pub(crate) struct Chain {
    height: u64,
    interval: Duration,
    next_block: Instant,
    accounts: HashMap<AccountId, Account>,
    auto_fund: Option<Uint>,
    mempool: Vec<Pending>,
    included: HashMap<[u8; 32], u64>,
    channels: HashMap<ChannelId, OnChainChannel>,
}

impl Chain {
    /// A chain at height 1 whose next block comes one interval after `now`.
    pub(crate) fn new(
        now: Instant,
        interval: Duration,
        accounts: &[(AccountId, Uint)],
        auto_fund: Option<Uint>,
    ) -> Self {
        let interval = interval.max(Duration::from_millis(1));
        Chain {
            height: 1,
            interval,
            next_block: later(now, interval),
            accounts: accounts
                .iter()
                .map(|(a, b)| (*a, Account { balance: b.clone(), nonce: 0 }))
                .collect(),
            auto_fund,
            mempool: Vec::new(),
            included: HashMap::new(),
            channels: HashMap::new(),
        }
    }

    /// The top height.
    pub(crate) fn height(&self) -> u64 {
        self.height
    }

    /// Whether `account` exists (auto-funded accounts exist once they are valid keys).
    pub(crate) fn has_account(&mut self, account: &AccountId) -> bool {
        if self.accounts.contains_key(account) {
            return true;
        }
        match &self.auto_fund {
            Some(balance) if is_usable_key(account) => {
                self.accounts.insert(*account, Account { balance: balance.clone(), nonce: 0 });
                true
            }
            _ => false,
        }
    }

    /// The on-chain balance of `account`.
    #[cfg(test)]
    pub(crate) fn balance(&self, account: &AccountId) -> Option<Uint> {
        self.accounts.get(account).map(|a| a.balance.clone())
    }

    /// The nonce the next transaction of `account` must carry (pending ones counted).
    pub(crate) fn next_nonce(&self, account: &AccountId) -> u64 {
        let base = self.accounts.get(account).map_or(0, |a| a.nonce);
        let pending = self.mempool.iter().filter(|p| &p.payer == account).count() as u64;
        base.saturating_add(pending).saturating_add(1)
    }

    /// The channel object, if the channel exists on chain.
    pub(crate) fn channel(&self, id: &ChannelId) -> Option<&OnChainChannel> {
        self.channels.get(id)
    }

    /// The height a transaction was included at.
    pub(crate) fn inclusion_height(&self, hash: &[u8; 32]) -> Option<u64> {
        self.included.get(hash).copied()
    }

    /// Whether a transaction is waiting in the mempool.
    pub(crate) fn in_mempool(&self, hash: &[u8; 32]) -> bool {
        self.mempool.iter().any(|p| &p.hash == hash)
    }

    /// Adds a transaction to the mempool (a second push of the same hash is ignored).
    pub(crate) fn push(&mut self, tx: Pending) {
        if self.in_mempool(&tx.hash) || self.included.contains_key(&tx.hash) {
            return;
        }
        self.mempool.push(tx);
    }

    /// The time the next block is due.
    pub(crate) fn next_block_at(&self) -> Instant {
        self.next_block
    }

    /// Mines every block due at `now`; returns, per new block, its height and what it included.
    pub(crate) fn advance(&mut self, now: Instant) -> Vec<(u64, Vec<Included>)> {
        let mut blocks = Vec::new();
        // Bounded: a stalled clock cannot make this loop long (at most 1000 blocks per call).
        while now >= self.next_block && blocks.len() < 1000 {
            self.next_block = later(self.next_block, self.interval);
            blocks.push(self.mine());
        }
        if now >= self.next_block {
            self.next_block = later(now, self.interval);
        }
        blocks
    }

    /// Mines one block at once.
    pub(crate) fn mine(&mut self) -> (u64, Vec<Included>) {
        self.height = self.height.saturating_add(1);
        let height = self.height;
        let (ready, waiting): (Vec<Pending>, Vec<Pending>) =
            std::mem::take(&mut self.mempool).into_iter().partition(|p| p.not_before <= height);
        self.mempool = waiting;
        let mut out = Vec::new();
        for p in ready {
            self.apply(&p, height);
            self.included.insert(p.hash, height);
            out.push(Included {
                hash: p.hash,
                signed: p.signed,
                channel: p.channel,
                effect: p.effect,
                height,
            });
        }
        (height, out)
    }

    fn apply(&mut self, p: &Pending, height: u64) {
        if let Some(acc) = self.accounts.get_mut(&p.payer) {
            acc.nonce = acc.nonce.saturating_add(1);
            acc.balance = acc.balance.checked_sub(&p.fee).unwrap_or_default();
        }
        match &p.effect {
            Effect::Create {
                initiator,
                responder,
                initiator_amount,
                responder_amount,
                lock_period,
                round,
                state_hash,
            } => {
                self.debit(initiator, initiator_amount);
                self.debit(responder, responder_amount);
                self.channels.insert(
                    p.channel,
                    OnChainChannel {
                        initiator: *initiator,
                        responder: *responder,
                        initiator_amount: initiator_amount.clone(),
                        responder_amount: responder_amount.clone(),
                        lock_period: *lock_period,
                        round: *round,
                        solo_round: 0,
                        state_hash: *state_hash,
                        locked_until: 0,
                        closed: false,
                    },
                );
            }
            Effect::State { round, state_hash, delta } => {
                if let Some((into, amount)) = delta {
                    if *into {
                        self.debit(&p.payer, amount);
                    } else {
                        self.credit(&p.payer, amount);
                    }
                }
                if let Some(ch) = self.channels.get_mut(&p.channel) {
                    ch.round = *round;
                    ch.state_hash = *state_hash;
                }
            }
            Effect::SoloClose { round, state_hash, initiator_amount, responder_amount } => {
                if let Some(ch) = self.channels.get_mut(&p.channel) {
                    ch.round = *round;
                    ch.solo_round = *round;
                    ch.state_hash = *state_hash;
                    ch.initiator_amount = initiator_amount.clone();
                    ch.responder_amount = responder_amount.clone();
                    ch.locked_until = height.saturating_add(ch.lock_period);
                }
            }
            Effect::Closed => {
                if let Some(ch) = self.channels.get_mut(&p.channel) {
                    ch.closed = true;
                }
            }
        }
    }

    fn debit(&mut self, account: &AccountId, amount: &Uint) {
        if let Some(acc) = self.accounts.get_mut(account) {
            acc.balance = acc.balance.checked_sub(amount).unwrap_or_default();
        }
    }

    fn credit(&mut self, account: &AccountId, amount: &Uint) {
        if let Some(acc) = self.accounts.get_mut(account) {
            acc.balance = &acc.balance + amount;
        }
    }
}

/// A public key the chain would accept as an account: a valid Ed25519 point that is not of
/// small order (the all-zero key of the node's "participant not found" test is one of those).
fn is_usable_key(account: &AccountId) -> bool {
    match ed25519_dalek::VerifyingKey::from_bytes(account.as_bytes()) {
        Ok(key) => !key.is_weak(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(hash: u8, payer: AccountId, not_before: u64) -> Pending {
        Pending {
            hash: [hash; 32],
            signed: SignedTx::unsigned(aesc_codec::tx::ChannelOffChainTx {
                channel_id: ChannelId([9; 32]),
                round: 1,
                updates: None,
                state_hash: aesc_codec::id::StateHash([0; 32]),
            }),
            channel: ChannelId([9; 32]),
            payer,
            fee: Uint::from(1u64),
            effect: Effect::Closed,
            not_before,
        }
    }

    #[test]
    fn blocks_come_with_time_and_include_the_mempool() {
        let t0 = Instant::now();
        let a = AccountId([7; 32]);
        let mut chain = Chain::new(t0, Duration::from_millis(10), &[(a, Uint::from(100u64))], None);
        assert_eq!(chain.next_nonce(&a), 1);
        chain.push(pending(1, a, 0));
        chain.push(pending(2, a, 4));
        assert_eq!(chain.next_nonce(&a), 3);
        assert!(chain.advance(t0).is_empty());
        let blocks = chain.advance(t0 + Duration::from_millis(25));
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].0, 2);
        assert_eq!(blocks[0].1.len(), 1);
        assert_eq!(chain.inclusion_height(&[1; 32]), Some(2));
        assert!(chain.in_mempool(&[2; 32]));
        let (h, inc) = chain.mine();
        assert_eq!((h, inc.len()), (4, 1));
        assert_eq!(chain.balance(&a), Some(Uint::from(98u64)));
        assert_eq!(chain.next_nonce(&a), 3);
    }

    #[test]
    fn weak_keys_are_not_accounts() {
        let mut chain =
            Chain::new(Instant::now(), Duration::from_secs(1), &[], Some(Uint::from(5u64)));
        assert!(!chain.has_account(&AccountId([0; 32])));
        let real: AccountId =
            "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C".parse().unwrap();
        assert!(chain.has_account(&real));
    }
}
