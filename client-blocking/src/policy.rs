//! What this client signs.
//!
//! Nothing is signed that the user did not ask for. Every `channels.sign.*` request is decoded
//! and checked first ([`Refusal`] lists what can fail): the transaction type matches the
//! request, the channel id, the round (previous + 1), the participants and the amounts match
//! what this client asked for or accepted, the state hash equals the client's own
//! computation, fees stay under the configured cap, and the bytes signed are exactly the
//! canonical encoding of what was checked.
//!
//! Requests that come from the other party's proposals (`update_ack`, `deposit_ack`,
//! `withdraw_ack`, `shutdown_sign_ack`, and the responder's `responder_sign`) are then put to
//! a [`SigningPolicy`]. The [`DefaultPolicy`] accepts only changes that do not reduce the
//! user's own balance (beyond the user's share of a mutual close fee, which is checked against
//! the node's rule and the fee cap), and so refuses changes whose result this client cannot
//! compute (the other party's contract updates: their state hash is the VM's word). A refusal
//! answers the node with an abort code and surfaces as [`crate::Error::Refused`] or
//! [`crate::Event::Refused`].

use std::fmt;

use aesc_codec::id::AccountId;
use aesc_codec::jsonrpc::SignTag;
use aesc_codec::tx::Update;
use aesc_codec::Uint;

/// The abort code sent when a sign request fails the checks (the node's "validation" code).
pub const ABORT_VALIDATION: u16 = 1;
/// The abort code the [`DefaultPolicy`] uses (the node's "abort" code).
pub const ABORT_POLICY: u16 = 4;

/// What the other party proposes, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The sign request.
    pub tag: SignTag,
    /// The change itself.
    pub change: Change,
    /// The round the change produces (none for a mutual close).
    pub round: Option<u64>,
    /// This client's account.
    pub me: AccountId,
    /// This client's balance before the change.
    pub own_before: Uint,
    /// This client's balance after the change, when the client can compute it (not for
    /// contract updates, whose effect only the VM knows).
    pub own_after: Option<Uint>,
    /// Whether the change could take tokens from this client (a transfer or withdrawal from
    /// it, a contract it creates or calls). Computed conservatively.
    pub may_reduce_own: bool,
    /// The part of the reduction that is this client's share of an on-chain fee.
    pub own_fee: Uint,
}

/// The kinds of change the other party can propose.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A new channel (the responder signing the initiator's create transaction).
    Open {
        /// Amount the initiator commits.
        initiator_amount: Uint,
        /// Amount the responder commits.
        responder_amount: Uint,
        /// Reserve.
        channel_reserve: Uint,
        /// Lock period.
        lock_period: u64,
    },
    /// Off-chain updates (transfers, contract calls, meta).
    Updates(Vec<Update>),
    /// A deposit by the other party.
    Deposit {
        /// Depositor.
        from: AccountId,
        /// Amount.
        amount: Uint,
    },
    /// A withdrawal by the other party.
    Withdraw {
        /// Withdrawer.
        to: AccountId,
        /// Amount.
        amount: Uint,
    },
    /// A mutual close.
    CloseMutual {
        /// What the initiator receives.
        initiator_final: Uint,
        /// What the responder receives.
        responder_final: Uint,
        /// The close fee.
        fee: Uint,
    },
}

/// A policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Sign.
    Accept,
    /// Do not sign; answer the node with this abort.
    Refuse(PolicyRefusal),
}

/// Why a policy refused, and the abort code to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRefusal {
    /// The abort code (1..=65535; 4 is "abort", ≥ 128 user-defined).
    pub code: u16,
    /// The reason.
    pub reason: PolicyReason,
}

/// Reasons a policy gives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyReason {
    /// The change reduces this client's balance.
    ReducesOwnBalance {
        /// Balance before.
        before: Uint,
        /// Balance after (none when not computable).
        after: Option<Uint>,
    },
    /// The resulting balances cannot be computed by this client (a contract update of the
    /// other party), so the state hash to be signed cannot be checked.
    Unverifiable,
    /// A reason of a user-supplied policy.
    User(String),
}

impl fmt::Display for PolicyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyReason::ReducesOwnBalance { before, after: Some(after) } => {
                write!(f, "own balance would go from {before} to {after}")
            }
            PolicyReason::ReducesOwnBalance { before, after: None } => {
                write!(f, "the change could reduce the own balance of {before}")
            }
            PolicyReason::Unverifiable => f.write_str(
                "the resulting balances cannot be computed, so the state hash is unchecked",
            ),
            PolicyReason::User(s) => f.write_str(s),
        }
    }
}

/// Decides whether to co-sign the other party's proposals. Implementations must be cheap: they
/// run on the I/O thread.
pub trait SigningPolicy: Send + Sync + fmt::Debug {
    /// Reviews one proposal that already passed every check.
    fn review(&self, proposal: &Proposal) -> Decision;
}

/// Accepts a proposal only when it provably does not reduce this client's own balance, apart
/// from its share of a mutual-close fee (itself checked against the fee cap and the node's split
/// rule).
///
/// A proposal whose resulting balance this client cannot compute (the other party creating or
/// calling a contract: the state hash it commits to is whatever the VM, or a lying node, says)
/// is refused with [`PolicyReason::Unverifiable`]: signing it would sign a state hash nobody
/// checked. A user who runs contracts with a trusted node accepts those with a policy of its
/// own (see [`Proposal::may_reduce_own`]) or with [`AcceptAll`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultPolicy;

impl SigningPolicy for DefaultPolicy {
    fn review(&self, p: &Proposal) -> Decision {
        let reason = match &p.own_after {
            Some(after) if (after + &p.own_fee) < p.own_before => PolicyReason::ReducesOwnBalance {
                before: p.own_before.clone(),
                after: Some(after.clone()),
            },
            Some(_) => return Decision::Accept,
            None if p.may_reduce_own => {
                PolicyReason::ReducesOwnBalance { before: p.own_before.clone(), after: None }
            }
            None => PolicyReason::Unverifiable,
        };
        Decision::Refuse(PolicyRefusal { code: ABORT_POLICY, reason })
    }
}

/// Accepts every proposal that passes the checks (tests, or a user who reviews elsewhere).
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl SigningPolicy for AcceptAll {
    fn review(&self, _p: &Proposal) -> Decision {
        Decision::Accept
    }
}

pub use crate::review::Refusal;

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(before: u64, after: Option<u64>, may_reduce: bool, fee: u64) -> Proposal {
        Proposal {
            tag: SignTag::UpdateAck,
            change: Change::Updates(Vec::new()),
            round: Some(2),
            me: AccountId([1; 32]),
            own_before: before.into(),
            own_after: after.map(Uint::from),
            may_reduce_own: may_reduce,
            own_fee: fee.into(),
        }
    }

    #[test]
    fn default_policy_protects_the_own_balance() {
        let p = DefaultPolicy;
        assert_eq!(p.review(&proposal(10, Some(11), false, 0)), Decision::Accept);
        assert_eq!(p.review(&proposal(10, Some(10), true, 0)), Decision::Accept);
        assert!(matches!(p.review(&proposal(10, Some(9), true, 0)), Decision::Refuse(r)
            if r.code == ABORT_POLICY));
        // A close that takes exactly the own fee share is fine.
        assert_eq!(p.review(&proposal(10, Some(7), true, 3)), Decision::Accept);
        assert!(matches!(p.review(&proposal(10, Some(6), true, 3)), Decision::Refuse(_)));
        // Unknown effect: never signed, whatever the updates look like.
        assert!(matches!(p.review(&proposal(10, None, false, 0)), Decision::Refuse(r)
            if r.reason == PolicyReason::Unverifiable));
        assert!(matches!(p.review(&proposal(10, None, true, 0)), Decision::Refuse(r)
            if matches!(r.reason, PolicyReason::ReducesOwnBalance { after: None, .. })));
        assert_eq!(AcceptAll.review(&proposal(10, None, false, 0)), Decision::Accept);
    }
}
