//! The user's operations as the session tracks them: what was asked, what it produced, and
//! what the node sent meanwhile.

use std::time::Instant;

use aesc_codec::id::FsmId;
use aesc_codec::jsonrpc::TxOptions;
use aesc_codec::tx::{SignedTx, Update};
use aesc_codec::Uint;
use crossbeam_channel::Sender;
use serde_json::Value;

use crate::channel_config::OpenTerms;
use crate::error::{Error, Timeout};

/// What a finished operation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The channel is open.
    Opened,
    /// Re-attached to the running FSM (same FSM id).
    Reconnected,
    /// A stopped FSM was restarted (new FSM id) and the channel is open again.
    Reestablished,
    /// A new co-signed state of this round was recorded.
    Round(u64),
    /// The channel is closed on chain by this transaction.
    Closed(Box<SignedTx>),
    /// This transaction was posted on chain.
    OnChain(Box<SignedTx>),
    /// The channel was left with this state.
    Left(Box<SignedTx>),
}

/// The user's operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// Open a new channel with these terms.
    Open(OpenTerms),
    /// Reconnect to the FSM `known`, or reestablish it.
    Reattach {
        /// The FSM id the client knows.
        known: FsmId,
    },
    /// An off-chain update made of these updates.
    Update(Vec<Update>),
    /// Deposit.
    Deposit(Uint, TxOptions),
    /// Withdraw.
    Withdraw(Uint, TxOptions),
    /// Mutual close.
    Shutdown(TxOptions),
    /// Solo close.
    CloseSolo(TxOptions),
    /// Slash.
    Slash(TxOptions),
    /// Settle.
    Settle(TxOptions),
    /// Snapshot.
    Snapshot(TxOptions),
    /// Force progress with this call.
    ForceProgress(Update),
    /// Leave.
    Leave,
}

/// An operation to start.
#[derive(Debug)]
pub(crate) struct Begin {
    pub(crate) kind: OpKind,
    /// The request that starts it (method and params).
    pub(crate) request: Option<(&'static str, Value)>,
    pub(crate) done: Sender<Result<Outcome, Error>>,
}

/// Commands from the channel handle.
#[derive(Debug)]
pub(crate) enum SessionCommand {
    /// Start an operation.
    Begin(Box<Begin>),
    /// The caller stopped waiting for the current operation.
    Abandon,
    /// Answer the next sign request of the user's own operation with this abort code.
    AbortNext(u16),
}

#[derive(Debug)]
pub(super) struct Op {
    pub(super) kind: OpKind,
    pub(super) phase: Timeout,
    pub(super) deadline: Instant,
    pub(super) done: Sender<Result<Outcome, Error>>,
    pub(super) seen_open: bool,
    pub(super) seen_closed: bool,
    /// This client signed the transaction of this operation.
    pub(super) signed_own: bool,
    pub(super) awaiting_fetch: bool,
    /// The outcome to report once the state is synced with the node after a reattach.
    pub(super) resync: Option<Outcome>,
    /// This client aborted the operation's sign request with this code; the node's
    /// `aborted_update` ends the operation.
    pub(super) aborting: Option<u16>,
    /// When the current phase started.
    pub(super) phase_started: Instant,
    /// What the node sent during the operation, for the error that a deadline produces.
    pub(super) seen: Seen,
}

/// The last few things the node sent during an operation, in order.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(super) items: std::collections::VecDeque<String>,
    pub(super) dropped: usize,
}

impl Seen {
    const KEEP: usize = 10;

    pub(super) fn push(&mut self, what: String) {
        if self.items.len() == Self::KEEP {
            self.items.pop_front();
            self.dropped += 1;
        }
        self.items.push_back(what);
    }

    /// The items as one line, or `nothing from the node`.
    pub(super) fn describe(&self) -> String {
        if self.items.is_empty() {
            return "nothing from the node".to_owned();
        }
        let list: Vec<&str> = self.items.iter().map(String::as_str).collect();
        let more = if self.dropped > 0 { "…, " } else { "" };
        format!("seen {more}{}", list.join(", "))
    }
}
