//! The review of one sign request: a pure function from the request, the client's view of
//! the channel, the stage of the user's operation and the signing policy to a [`Verdict`]:
//! sign these exact bytes, or refuse for this reason with this abort code. No I/O, no session
//! state: everything it reads is in [`Review`].
//!
//! - `offchain`: the create transaction and off-chain updates (own and the other party's);
//! - `onchain`: deposits, withdrawals, closes, slash, settle, snapshot, force progress;
//! - `refusal`: why a request is refused, and the abort code it is answered with.

use aesc_codec::crypto::{AccountVerifier, NetworkId};
use aesc_codec::jsonrpc::{SignRequest, SignTag, TxOptions};
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{SignedTx, Tx};
use aesc_codec::Uint;

use crate::checks;
use crate::policy::{Decision, Proposal, SigningPolicy};
use crate::session::OpKind;
use crate::view::ChannelView;

mod offchain;
mod onchain;
#[cfg(test)]
mod recorded_tests;
mod refusal;
#[cfg(test)]
mod tests;

pub use refusal::Refusal;

/// What the client is doing when a sign request comes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stage<'a> {
    /// No operation of the user's: only the other party's proposals can be signed.
    Idle,
    /// The user's operation `kind`; `signed` is the transaction already signed for it.
    Own {
        /// The operation.
        kind: &'a OpKind,
        /// What this client signed for it so far.
        signed: Option<&'a SignedTx>,
    },
}

/// Everything a review reads.
#[derive(Debug)]
pub(crate) struct Review<'a> {
    /// The client's own view of the channel.
    pub(crate) view: &'a ChannelView,
    /// The network the signatures are for.
    pub(crate) network: &'a NetworkId,
    /// The other party's key, decoded once.
    pub(crate) peer: &'a AccountVerifier,
    /// The policy for the other party's proposals.
    pub(crate) policy: &'a dyn SigningPolicy,
    /// The largest fee signed.
    pub(crate) fee_cap: &'a Uint,
    /// What the user is doing.
    pub(crate) stage: Stage<'a>,
    /// The latest co-signed state is on chain (this client's snapshot of it was).
    pub(crate) latest_on_chain: bool,
    /// Set once the other party's signatures on the request were verified.
    pub(crate) peer_verified: std::cell::Cell<bool>,
}

/// A request that may be signed: the transaction, and the state it leads to.
#[derive(Debug)]
pub(crate) struct Plan {
    /// The exact transaction to sign.
    pub(crate) tx: SignedTx,
    /// For states: the round and (when computable) the balances it leads to.
    pub(crate) next: Next,
}

/// The round and (when computable) the state a signed transaction leads to.
pub(crate) type Next = Option<(u64, Option<OffChainState>)>;

/// The outcome of a review.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// Sign these exact bytes.
    Sign(Box<Plan>),
    /// Answer the request with `abort_code`, for `refusal`.
    Refuse {
        /// Why.
        refusal: Refusal,
        /// The code of the abort.
        abort_code: u16,
    },
}

/// Whether a sign request of `tag` belongs to the user's own operation (rather than being a
/// proposal of the other party).
pub(crate) fn for_own_op(tag: SignTag) -> bool {
    !checks::is_ack(tag) || tag == SignTag::ResponderSign
}

/// The fee and nonce the user asked for, when they did.
fn options(opts: &TxOptions, fee: &Uint, nonce: u64) -> Result<(), Refusal> {
    if let Some(f) = &opts.fee {
        checks::amount("fee", f, fee)?;
    }
    if let Some(n) = opts.nonce {
        checks::value("nonce", n, nonce)?;
    }
    Ok(())
}

impl Review<'_> {
    /// The verdict on `req`.
    pub(crate) fn verdict(&self, req: &SignRequest) -> Verdict {
        match self.check(req) {
            Ok(plan) => Verdict::Sign(Box::new(plan)),
            Err(refusal) => {
                let abort_code = refusal.abort_code();
                Verdict::Refuse { refusal, abort_code }
            }
        }
    }

    /// The user's operation, if any.
    fn op(&self) -> Option<&OpKind> {
        match self.stage {
            Stage::Idle => None,
            Stage::Own { kind, .. } => Some(kind),
        }
    }

    /// Checks a sign request against the view, the stage and the policy: the plan says which
    /// exact bytes to sign, the refusal why not.
    pub(crate) fn check(&self, req: &SignRequest) -> Result<Plan, Refusal> {
        let tag = req.tag;
        let bytes = req.signed_tx.to_bytes().map_err(|_| Refusal::Malformed)?;
        let tx = checks::decode(&bytes, tag)?;
        let op = self.op();
        let next = match (tag, &tx.tx) {
            (SignTag::InitiatorSign | SignTag::ResponderSign, Tx::ChannelCreate(c)) => {
                self.review_create(tag, c, &tx)?
            }
            (SignTag::Update, Tx::ChannelOffChain(o)) => match op {
                Some(OpKind::Update(expected)) => self.review_own_update(o, expected, req)?,
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::UpdateAck, Tx::ChannelOffChain(o)) => self.review_peer_update(o, req, &tx)?,
            (SignTag::DepositTx, Tx::ChannelDeposit(d)) => match op {
                Some(OpKind::Deposit(amount, opts)) => {
                    options(opts, &d.fee, d.nonce)?;
                    self.review_deposit(d, &self.view.me, Some(amount), &tx, tag)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::DepositAck, Tx::ChannelDeposit(d)) => {
                self.review_deposit(d, &self.view.peer(), None, &tx, tag)?
            }
            (SignTag::WithdrawTx, Tx::ChannelWithdraw(w)) => match op {
                Some(OpKind::Withdraw(amount, opts)) => {
                    options(opts, &w.fee, w.nonce)?;
                    self.review_withdraw(w, &self.view.me, Some(amount), &tx, tag)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::WithdrawAck, Tx::ChannelWithdraw(w)) => {
                self.review_withdraw(w, &self.view.peer(), None, &tx, tag)?
            }
            (SignTag::ShutdownSign, Tx::ChannelCloseMutual(c)) => match op {
                Some(OpKind::Shutdown(opts)) => {
                    options(opts, &c.fee, c.nonce)?;
                    self.review_close(c, &self.view.me, &tx, tag)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::ShutdownSignAck, Tx::ChannelCloseMutual(c)) => {
                self.review_close(c, &self.view.peer(), &tx, tag)?
            }
            (SignTag::CloseSoloSign, Tx::ChannelCloseSolo(c)) => match op {
                Some(OpKind::CloseSolo(opts)) => {
                    options(opts, &c.fee, c.nonce)?;
                    self.review_close_solo(c)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::SlashTx, Tx::ChannelSlash(s)) => match op {
                Some(OpKind::Slash(opts)) => {
                    options(opts, &s.fee, s.nonce)?;
                    self.review_slash(s)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::SettleSign, Tx::ChannelSettle(s)) => match op {
                Some(OpKind::Settle(opts)) => {
                    options(opts, &s.fee, s.nonce)?;
                    self.review_settle(s)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::SnapshotSoloTx, Tx::ChannelSnapshotSolo(s)) => match op {
                Some(OpKind::Snapshot(opts)) => {
                    options(opts, &s.fee, s.nonce)?;
                    self.review_snapshot(s)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::ForceProgressTx, Tx::ChannelForceProgress(f)) => match op {
                Some(OpKind::ForceProgress(call)) => self.review_force_progress(f, call)?,
                _ => return Err(Refusal::Unrequested { tag }),
            },
            // `checks::decode` already matched the kind to the tag.
            _ => return Err(Refusal::Malformed),
        };
        // One operation, one transaction: a repeat of the one signed (a node resending after
        // a reconnect) is signed again, any other is not.
        if let Stage::Own { signed: Some(prev), .. } = self.stage {
            if for_own_op(tag) && !checks::same_inner(prev, &tx) {
                return Err(Refusal::AlreadySigned { tag });
            }
        }
        Ok(Plan { tx, next })
    }

    pub(super) fn state(&self) -> Result<&OffChainState, Refusal> {
        self.view.state.as_ref().ok_or(Refusal::UnknownState)
    }

    pub(super) fn channel_id_check(
        &self,
        found: &aesc_codec::id::ChannelId,
    ) -> Result<(), Refusal> {
        let expected = self.view.channel_id.ok_or(Refusal::UnknownState)?;
        checks::channel(&expected, found)
    }

    pub(super) fn peer_signed(&self, tx: &SignedTx) -> Result<(), Refusal> {
        // The other party signs first: the request carries its signature only (each
        // verified once).
        if !checks::signed_by_peer(tx, self.network, self.peer, &[], &[]) {
            return Err(Refusal::PeerSignature);
        }
        self.peer_verified.set(true);
        Ok(())
    }

    pub(super) fn decide(&self, proposal: Proposal) -> Result<(), Refusal> {
        match self.policy.review(&proposal) {
            Decision::Accept => Ok(()),
            Decision::Refuse(r) => Err(Refusal::Policy(r)),
        }
    }
}
