//! Why a sign request is refused, and the abort code the node is answered with.

use std::fmt;

use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::jsonrpc::SignTag;
use aesc_codec::tx::TxKind;
use aesc_codec::Uint;

use crate::policy::{PolicyRefusal, ABORT_VALIDATION};

/// Why the client refused to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// A sign request for something this client did not ask for.
    Unrequested {
        /// The request's tag.
        tag: SignTag,
    },
    /// A second, different transaction for an operation whose transaction this client has
    /// already signed.
    AlreadySigned {
        /// The request's tag.
        tag: SignTag,
    },
    /// The transaction does not decode.
    Malformed,
    /// The transaction's encoding is not canonical (re-encoding gives other bytes).
    NonCanonical,
    /// The transaction type does not match the request.
    WrongType {
        /// What the request needs.
        expected: TxKind,
        /// What came.
        found: TxKind,
    },
    /// Another channel.
    ChannelId {
        /// This channel.
        expected: ChannelId,
        /// What the tx names.
        found: ChannelId,
    },
    /// Not the next round.
    Round {
        /// Previous round + 1.
        expected: u64,
        /// What the tx says.
        found: u64,
    },
    /// A participant field names the wrong account.
    Account {
        /// The field.
        field: &'static str,
        /// The account expected.
        expected: AccountId,
        /// The account found.
        found: AccountId,
    },
    /// An amount differs from what was asked for or accepted.
    Amount {
        /// The field.
        field: &'static str,
        /// Expected value.
        expected: Uint,
        /// Found value.
        found: Uint,
    },
    /// A number field differs from what was asked for.
    Value {
        /// The field.
        field: &'static str,
        /// Expected value.
        expected: u64,
        /// Found value.
        found: u64,
    },
    /// The `updates` of the request differ from what was asked for.
    Updates,
    /// The state hash is not the client's own computation.
    StateHash {
        /// The client's computation.
        expected: StateHash,
        /// What the tx commits to.
        found: StateHash,
    },
    /// The updates cannot be applied to the client's view (unknown account, balance below
    /// the reserve, …).
    Inapplicable,
    /// The fee is above the cap.
    Fee {
        /// The fee asked for.
        fee: Uint,
        /// The cap.
        cap: Uint,
    },
    /// The other party's signature is missing or does not verify.
    PeerSignature,
    /// The client does not know the channel's state well enough to check the request.
    UnknownState,
    /// The payload or proof of a solo transaction is not the client's latest state.
    Payload,
    /// The signing policy refused.
    Policy(PolicyRefusal),
}

impl Refusal {
    /// The abort code for this refusal.
    pub fn abort_code(&self) -> u16 {
        match self {
            Refusal::Policy(p) => p.code,
            _ => ABORT_VALIDATION,
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unrequested { tag } => write!(f, "{} was not asked for", tag.as_str()),
            Refusal::AlreadySigned { tag } => {
                write!(f, "{} asks for a second transaction for one operation", tag.as_str())
            }
            Refusal::Malformed => f.write_str("the transaction does not decode"),
            Refusal::NonCanonical => f.write_str("the transaction encoding is not canonical"),
            Refusal::WrongType { expected, found } => {
                write!(f, "expected a {}, got a {}", expected.name(), found.name())
            }
            Refusal::ChannelId { expected, found } => {
                write!(f, "channel {found} instead of {expected}")
            }
            Refusal::Round { expected, found } => write!(f, "round {found} instead of {expected}"),
            Refusal::Account { field, expected, found } => {
                write!(f, "{field} is {found}, expected {expected}")
            }
            Refusal::Amount { field, expected, found } => {
                write!(f, "{field} is {found}, expected {expected}")
            }
            Refusal::Value { field, expected, found } => {
                write!(f, "{field} is {found}, expected {expected}")
            }
            Refusal::Updates => f.write_str("the updates differ from the ones asked for"),
            Refusal::StateHash { expected, found } => {
                write!(f, "state hash {found}, computed {expected}")
            }
            Refusal::Inapplicable => f.write_str("the updates do not apply to the current state"),
            Refusal::Fee { fee, cap } => write!(f, "fee {fee} above the cap {cap}"),
            Refusal::PeerSignature => f.write_str("the other party's signature does not verify"),
            Refusal::UnknownState => f.write_str("the channel state is not known"),
            Refusal::Payload => f.write_str("the payload is not the latest co-signed state"),
            Refusal::Policy(p) => write!(f, "policy: {}", p.reason),
        }
    }
}
