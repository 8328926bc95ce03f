//! The client's own view of its channel: who, which round, which balances, which co-signed
//! state. The client checks every sign request against this view, never against what the node
//! says.

use aesc_codec::id::{AccountId, ChannelId, FsmId, StateHash};
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{SignedTx, Tx};
use aesc_codec::Uint;

use crate::params::Role;

/// Where the channel stands, as far as this client knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Connecting, before `fsm_up`.
    Connecting,
    /// The FSM is up; the channel is being opened or reestablished.
    Opening,
    /// Usable.
    Open,
    /// Left (`channels.leave`): the FSM is gone, the channel can be reestablished.
    Left,
    /// A mutual or solo close is in progress. It stays so when the FSM stops (the channel is
    /// still closing on chain): reestablish to settle or slash.
    Closing,
    /// Closed on chain.
    Closed,
    /// The FSM stopped for another reason (`died`, timeout, fatal error).
    Stopped,
}

impl Phase {
    /// The phase's name: `connecting`, `opening`, `open`, `left`, `closing`, `closed` or
    /// `stopped`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Phase::Connecting => "connecting",
            Phase::Opening => "opening",
            Phase::Open => "open",
            Phase::Left => "left",
            Phase::Closing => "closing",
            Phase::Closed => "closed",
            Phase::Stopped => "stopped",
        }
    }

    /// The phase of a name [`Phase::as_str`] gives.
    pub fn from_name(name: &str) -> Option<Phase> {
        Some(match name {
            "connecting" => Phase::Connecting,
            "opening" => Phase::Opening,
            "open" => Phase::Open,
            "left" => Phase::Left,
            "closing" => Phase::Closing,
            "closed" => Phase::Closed,
            "stopped" => Phase::Stopped,
            _ => return None,
        })
    }
}

/// A snapshot of the client's view of the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelView {
    /// This client's role.
    pub role: Role,
    /// This client's account.
    pub me: AccountId,
    /// The initiator.
    pub initiator: AccountId,
    /// The responder.
    pub responder: AccountId,
    /// The channel id, once the create transaction is known.
    pub channel_id: Option<ChannelId>,
    /// The FSM id at the node (a secret: it lets a client take the channel over).
    pub fsm_id: Option<FsmId>,
    /// The round of the latest co-signed state (0 before the channel exists).
    pub round: u64,
    /// The channel reserve.
    pub channel_reserve: Uint,
    /// The off-chain state of the latest co-signed round, when known. It is unknown for a
    /// moment after a contract update, until the node's trees have been fetched and checked
    /// against the co-signed state hash.
    pub state: Option<OffChainState>,
    /// The latest co-signed state transaction.
    pub latest: Option<SignedTx>,
    /// Where the channel stands.
    pub phase: Phase,
}

impl ChannelView {
    /// A view of a channel not opened yet.
    pub fn new(role: Role, me: AccountId, peer: AccountId) -> Self {
        let (initiator, responder) = match role {
            Role::Initiator => (me, peer),
            Role::Responder => (peer, me),
        };
        ChannelView {
            role,
            me,
            initiator,
            responder,
            channel_id: None,
            fsm_id: None,
            round: 0,
            channel_reserve: Uint::zero(),
            state: None,
            latest: None,
            phase: Phase::Connecting,
        }
    }

    /// The other party.
    pub fn peer(&self) -> AccountId {
        match self.role {
            Role::Initiator => self.responder,
            Role::Responder => self.initiator,
        }
    }

    /// The balance of `account` in the latest co-signed state.
    pub fn balance(&self, account: &AccountId) -> Option<&Uint> {
        self.state.as_ref()?.balance(account)
    }

    /// This client's balance.
    pub fn own_balance(&self) -> Option<&Uint> {
        self.balance(&self.me)
    }

    /// `(initiator, responder)` balances.
    pub fn balances(&self) -> Option<(Uint, Uint)> {
        Some((self.balance(&self.initiator)?.clone(), self.balance(&self.responder)?.clone()))
    }

    /// The state hash of the latest co-signed state, from the client's own state.
    pub fn state_hash(&self) -> Option<StateHash> {
        self.state.as_ref().map(OffChainState::state_hash)
    }

    /// Whether the latest co-signed state is an off-chain transaction (rather than a create,
    /// deposit, withdraw or force-progress transaction that is itself on chain).
    pub fn latest_is_offchain(&self) -> bool {
        matches!(self.latest.as_ref().map(SignedTx::innermost_tx), Some(Tx::ChannelOffChain(_)))
    }

    /// Whether the state holds contracts (the client then cannot compute the hash of a state
    /// a contract call produces).
    pub fn has_contracts(&self) -> bool {
        self.state.as_ref().is_some_and(|s| !s.contracts().is_empty())
    }
}

/// Round and state hash of a co-signed state transaction.
pub(crate) fn round_and_hash(tx: &Tx) -> Option<(u64, StateHash)> {
    match tx {
        Tx::ChannelOffChain(t) => Some((t.round, t.state_hash)),
        Tx::ChannelCreate(t) => Some((1, t.state_hash)),
        Tx::ChannelDeposit(t) => Some((t.round, t.state_hash)),
        Tx::ChannelWithdraw(t) => Some((t.round, t.state_hash)),
        Tx::ChannelForceProgress(t) => Some((t.round, t.state_hash)),
        Tx::ChannelSetDelegates(t) => Some((t.round, t.state_hash)),
        _ => None,
    }
}
