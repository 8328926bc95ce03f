//! What the two FSMs of a channel keep: the [`Channel`] with its phase, its latest co-signed
//! state and each participant's [`Side`]; the operation a side started ([`Op`]); and the
//! [`Ctx`] an FSM step may touch. Plain values: the behaviour is in the sibling modules, each an
//! `impl Channel` for one part of the protocol.

use std::time::{Duration, Instant};

use aesc_codec::crypto::NetworkId;
use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::Uint;
use serde_json::Value;

use super::super::chain::Chain;
use super::super::ids::{ConnId, Role};
use super::super::ledger::Ledger;
use super::super::outbox::Outbox;
use super::super::query::{OpenParams, Reports, SideOptions};
use super::super::txs::{SignedTx, Tx};

/// Settings of the node the FSMs need.
#[derive(Debug, Clone)]
pub(crate) struct NodeSettings {
    pub network_id: NetworkId,
    pub minimum_depth: Option<u64>,
    pub min_gas_price: Uint,
    pub peer_latency: Duration,
}

/// A source of fresh fsm ids (deterministic per seed, so tests can be reproduced).
#[derive(Debug, Clone)]
pub(crate) struct IdSource {
    seed: [u8; 32],
    counter: u64,
}

impl IdSource {
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        IdSource { seed, counter: 0 }
    }

    /// 32 fresh bytes.
    pub(crate) fn next(&mut self) -> [u8; 32] {
        self.counter = self.counter.wrapping_add(1);
        aesc_codec::hash::blake2b_256_parts(&[&self.seed, &self.counter.to_be_bytes()])
    }
}

/// What an FSM step may touch.
pub(crate) struct Ctx<'a> {
    pub now: Instant,
    pub settings: &'a NodeSettings,
    pub chain: &'a mut Chain,
    pub out: &'a mut Outbox,
    pub ids: &'a mut IdSource,
}

/// One participant's FSM.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub role: Role,
    /// Whether a client ever joined on this side.
    pub present: bool,
    /// Whether the FSM is running.
    pub running: bool,
    pub account: Option<AccountId>,
    pub fsm_id: FsmId,
    pub conn: Option<ConnId>,
    pub opts: Option<SideOptions>,
    pub open: Option<OpenParams>,
    /// The client has signed the create tx (it may disconnect from then on).
    pub signed_create: bool,
    /// The running timer: what it guards and when it fires.
    pub timer: Option<(Timer, Instant)>,
    /// Min-depth progress of the transaction the channel waits for.
    pub own_locked: bool,
    pub peer_locked: bool,
    /// The FSM stops at this time (its peer stopped and it has not noticed yet).
    pub dying_at: Option<Instant>,
    /// The FSM was started by a reestablish that has not completed yet.
    pub fresh: bool,
    /// The FSM was started by a reestablish (as a node's does, an initiator's such FSM
    /// reports no `closed_confirmed` and does not stop after a mutual close).
    pub reestablished: bool,
    /// A client re-attached to this FSM while the channel waited to be reestablished; it is
    /// sent the state once the channel is open again (a node 7.2.2 does so; a client whose
    /// socket stayed connected is not).
    pub reattached: bool,
}

impl Side {
    pub(super) fn absent(role: Role) -> Self {
        Side {
            role,
            present: false,
            running: false,
            account: None,
            fsm_id: FsmId([0; 32]),
            conn: None,
            opts: None,
            open: None,
            signed_create: false,
            timer: None,
            own_locked: false,
            peer_locked: false,
            dying_at: None,
            fresh: false,
            reestablished: false,
            reattached: false,
        }
    }

    pub(super) fn reports(&self) -> Reports {
        self.opts.as_ref().map(|o| o.reports).unwrap_or_default()
    }
}

/// The FSM timers (protocol §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    Accept,
    FundingCreate,
    FundingSign,
    FundingLock,
    Idle,
    Sign,
    AwaitingOpen,
}

/// Where the channel is in its life.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// One client connected to open; waiting for the other.
    AwaitingPeer,
    /// `channels.sign.initiator_sign` sent.
    AwaitingInitiatorSig { tx: Tx, sent: SignedTx },
    /// The initiator signed; `channels.sign.responder_sign` sent.
    AwaitingResponderSig { tx: Tx, sent: SignedTx },
    /// The create tx was pushed; waiting for inclusion and minimum depth.
    AwaitingLocked { hash: [u8; 32], included: Option<u64> },
    /// Open for updates.
    Open,
    /// A solo close or slash is on chain; waiting for the lock period.
    Closing,
    /// A mutual close or a settlement was pushed; the channel closes when it is confirmed.
    Finalizing { fee: Uint, included: Option<u64> },
    /// Both clients left; the channel waits to be reestablished.
    Left,
    /// Closed on chain or abandoned; both FSMs stopped.
    Closed,
}

/// The latest co-signed state.
#[derive(Debug, Clone)]
pub(crate) struct Latest {
    pub signed: SignedTx,
    pub ledger: Ledger,
    pub round: u64,
    pub state_hash: [u8; 32],
    /// Whether the tx of this state is an off-chain update (snapshots need one).
    pub offchain: bool,
    /// Whether this state is known on chain (create, deposit, withdraw, snapshot).
    pub on_chain: bool,
}

/// Both FSMs of one channel.
#[derive(Debug)]
pub(crate) struct Channel {
    pub id: Option<ChannelId>,
    pub port: Option<u64>,
    pub sides: PerRole<Side>,
    pub phase: Phase,
    pub latest: Option<Latest>,
    /// Earlier co-signed states, oldest first.
    pub history: Vec<Latest>,
    /// A snapshot on its way to the chain: who asked, its hash, its inclusion height.
    pub snapshot: Option<(Role, [u8; 32], Option<u64>)>,
    /// Txs whose minimum depth a client assumed: who, hash, type, fee. The real confirmation
    /// is reported later as `minimum_depth_achieved`.
    pub assumed: Vec<(Role, [u8; 32], &'static str, Uint)>,
    pub ops: PerRole<Option<Op>>,
    /// Fee and amounts of the create tx.
    pub create: Option<Tx>,
}

/// One value per participant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PerRole<T> {
    pub initiator: T,
    pub responder: T,
}

impl<T> PerRole<T> {
    pub(crate) fn get(&self, role: Role) -> &T {
        match role {
            Role::Initiator => &self.initiator,
            Role::Responder => &self.responder,
        }
    }

    pub(crate) fn get_mut(&mut self, role: Role) -> &mut T {
        match role {
            Role::Initiator => &mut self.initiator,
            Role::Responder => &mut self.responder,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        [&self.initiator, &self.responder].into_iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        [&mut self.initiator, &mut self.responder].into_iter()
    }
}

/// The kinds of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Update,
    Deposit,
    Withdraw,
    Shutdown,
    CloseSolo,
    Slash,
    Settle,
    Snapshot,
}

impl OpKind {
    /// The tag of the starter's sign request.
    pub(crate) const fn sign_tag(self) -> &'static str {
        match self {
            OpKind::Update => "update",
            OpKind::Deposit => "deposit_tx",
            OpKind::Withdraw => "withdraw_tx",
            OpKind::Shutdown => "shutdown_sign",
            OpKind::CloseSolo => "close_solo_sign",
            OpKind::Slash => "slash_tx",
            OpKind::Settle => "settle_sign",
            OpKind::Snapshot => "snapshot_solo_tx",
        }
    }

    /// The tag of the acknowledger's sign request (two-party operations only).
    pub(crate) const fn ack_tag(self) -> Option<&'static str> {
        match self {
            OpKind::Update => Some("update_ack"),
            OpKind::Deposit => Some("deposit_ack"),
            OpKind::Withdraw => Some("withdraw_ack"),
            OpKind::Shutdown => Some("shutdown_sign_ack"),
            _ => None,
        }
    }

    /// The `channels.info` event the acknowledger gets with its sign request.
    pub(crate) const fn ack_event(self) -> &'static str {
        match self {
            OpKind::Update => "update",
            OpKind::Deposit => "deposit_created",
            OpKind::Withdraw => "withdraw_created",
            _ => "shutdown",
        }
    }
}

/// A signing reply method (protocol §6.5), aliases included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignReply {
    InitiatorSign,
    ResponderSign,
    Starter(OpKind),
    Ack(OpKind),
}

impl SignReply {
    pub(crate) fn from_method(method: &str) -> Option<Self> {
        use OpKind::*;
        Some(match method {
            "channels.initiator_sign" => SignReply::InitiatorSign,
            "channels.responder_sign" => SignReply::ResponderSign,
            "channels.update" => SignReply::Starter(Update),
            "channels.update_ack" => SignReply::Ack(Update),
            "channels.deposit_tx" => SignReply::Starter(Deposit),
            "channels.deposit_ack" => SignReply::Ack(Deposit),
            "channels.withdraw_tx" => SignReply::Starter(Withdraw),
            "channels.withdraw_ack" => SignReply::Ack(Withdraw),
            "channels.shutdown_sign" => SignReply::Starter(Shutdown),
            "channels.shutdown_sign_ack" => SignReply::Ack(Shutdown),
            "channels.close_solo_sign" | "channels.close_solo_tx" => SignReply::Starter(CloseSolo),
            "channels.slash_tx" | "channels.slash_sign" => SignReply::Starter(Slash),
            "channels.settle_sign" | "channels.settle_tx" => SignReply::Starter(Settle),
            "channels.snapshot_solo_sign" => SignReply::Starter(Snapshot),
            _ => return None,
        })
    }
}

/// Where an operation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Waiting for the starter's signature.
    StarterSig,
    /// Signed by the starter; on its way to the peer's FSM until `at`.
    InFlight { at: Instant },
    /// Waiting for the acknowledger's signature.
    AckSig,
    /// Pushed; waiting for inclusion and depth.
    OnChain { hash: [u8; 32], included: Option<u64> },
}

/// An operation in progress, started by one side.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub stage: Stage,
    /// The transaction as agreed.
    pub tx: Tx,
    /// What the current signer was sent (differs from `tx` when a fault altered it).
    pub sent: SignedTx,
    pub altered: bool,
    /// The state after the operation (update, deposit, withdraw).
    pub next: Option<(Ledger, u64)>,
    /// The `updates` list of the sign requests.
    pub updates: Value,
    /// The fully signed transaction, once there is one.
    pub signed: Option<SignedTx>,
}
