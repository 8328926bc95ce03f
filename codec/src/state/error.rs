//! Errors of proofs, PoIs, state trees and off-chain updates.

use core::fmt;

use crate::id::AccountId;
use crate::rlp::DecodeError;
use crate::Uint;

/// Why a Merkle-Patricia proof could not answer a lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProofError {
    /// A proof node does not hash to the key it is stored under.
    HashMismatch {
        /// The key the node is stored under.
        key: [u8; 32],
        /// `blake2b(rlp(node))`.
        actual: [u8; 32],
    },
    /// The path to the key needs a node that the proof does not contain.
    MissingNode {
        /// The hash of the missing node.
        hash: [u8; 32],
    },
    /// A node reached on the path (or embedded in one) is not a valid MPT node.
    BadNode {
        /// Why.
        error: DecodeError,
    },
    /// The walk took more steps than a valid tree allows for the key's length.
    TraversalLimit {
        /// The step limit.
        limit: usize,
    },
}

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProofError::HashMismatch { key, actual } => {
                write!(f, "proof node stored under {} hashes to {}", HexFmt(key), HexFmt(actual))
            }
            ProofError::MissingNode { hash } => {
                write!(f, "proof lacks node {} on the path", HexFmt(hash))
            }
            ProofError::BadNode { error } => write!(f, "malformed proof node: {error}"),
            ProofError::TraversalLimit { limit } => {
                write!(f, "proof walk exceeded {limit} steps")
            }
        }
    }
}

impl std::error::Error for ProofError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProofError::BadNode { error } => Some(error),
            _ => None,
        }
    }
}

/// Why a value could not be read from, or put into, a proof of inclusion.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PoiError {
    /// The proof itself is bad.
    Proof(ProofError),
    /// The value found under the key is not a valid object.
    Value {
        /// The key.
        key: Vec<u8>,
        /// Why the value does not decode.
        error: DecodeError,
    },
    /// A key asked to be proven is not in the state (the node refuses such PoIs too).
    NotPresent {
        /// The key.
        key: Vec<u8>,
    },
}

impl From<ProofError> for PoiError {
    fn from(e: ProofError) -> Self {
        PoiError::Proof(e)
    }
}

impl fmt::Display for PoiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoiError::Proof(e) => write!(f, "bad proof: {e}"),
            PoiError::Value { key, error } => {
                write!(f, "value under key {} does not decode: {error}", HexFmt(key))
            }
            PoiError::NotPresent { key } => write!(f, "key {} is not in the state", HexFmt(key)),
        }
    }
}

impl std::error::Error for PoiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PoiError::Proof(e) => Some(e),
            PoiError::Value { error, .. } => Some(error),
            PoiError::NotPresent { .. } => None,
        }
    }
}

/// Why state trees cannot be an off-chain channel state.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TreesError {
    /// A subtree that is always empty in a channel (channels, ns, oracles) has entries.
    UnexpectedSubtree {
        /// The subtree name.
        name: &'static str,
    },
    /// An accounts-tree key is not a 32-byte public key.
    BadAccountKey {
        /// The key.
        key: Vec<u8>,
    },
    /// An accounts-tree value is not an account.
    BadAccount {
        /// The account key.
        account: AccountId,
        /// Why the value does not decode.
        error: DecodeError,
    },
}

impl fmt::Display for TreesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TreesError::UnexpectedSubtree { name } => {
                write!(f, "the {name} subtree of a channel state must be empty")
            }
            TreesError::BadAccountKey { key } => {
                write!(f, "accounts-tree key {} is not 32 bytes", HexFmt(key))
            }
            TreesError::BadAccount { account, error } => {
                write!(f, "account {account} does not decode: {error}")
            }
        }
    }
}

impl std::error::Error for TreesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TreesError::BadAccount { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Why an off-chain update cannot be applied to a state. Each variant names the node's rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplyError {
    /// The account is not a channel participant (not in the state, or a contract).
    NotParticipant {
        /// The account.
        account: AccountId,
    },
    /// A transfer names the same account as sender and recipient.
    SameAccount {
        /// The account.
        account: AccountId,
    },
    /// The payer's balance would drop below the channel reserve (`insufficient_balance`).
    InsufficientBalance {
        /// The payer.
        account: AccountId,
        /// Its balance before the update.
        balance: Uint,
        /// The amount to pay.
        amount: Uint,
        /// The channel reserve.
        reserve: Uint,
    },
    /// The initial push amount exceeds the initiator's amount.
    PushExceedsAmount {
        /// The initiator's amount.
        initiator_amount: Uint,
        /// The push amount.
        push_amount: Uint,
    },
    /// The initiator and responder of a new channel are the same account.
    SameParticipants {
        /// The account.
        account: AccountId,
    },
    /// This kind of update is not applied by the off-chain state (contract updates run in a VM).
    Unsupported {
        /// The update kind.
        update: &'static str,
    },
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::NotParticipant { account } => {
                write!(f, "{account} is not a channel participant")
            }
            ApplyError::SameAccount { account } => {
                write!(f, "transfer from {account} to itself")
            }
            ApplyError::InsufficientBalance { account, balance, amount, reserve } => write!(
                f,
                "insufficient balance: {account} has {balance}, paying {amount} leaves less \
                 than the channel reserve {reserve}"
            ),
            ApplyError::PushExceedsAmount { initiator_amount, push_amount } => write!(
                f,
                "push amount {push_amount} exceeds the initiator amount {initiator_amount}"
            ),
            ApplyError::SameParticipants { account } => {
                write!(f, "initiator and responder are both {account}")
            }
            ApplyError::Unsupported { update } => {
                write!(f, "{update} updates are not applied to the off-chain state here")
            }
        }
    }
}

impl std::error::Error for ApplyError {}

/// Displays bytes as lowercase hex.
pub(crate) struct HexFmt<'a>(pub(crate) &'a [u8]);

impl fmt::Display for HexFmt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}
