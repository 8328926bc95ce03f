//! The channel protocol as the client runs it inside the I/O thread: it answers sign requests
//! (after [`crate::policy`] checks), records co-signed states, tracks the FSM and completes the
//! operation the user is waiting for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{ChannelId, FsmId, StateHash};
use aesc_codec::jsonrpc::{
    EncodedTx, GetBalances, InfoEvent, Method, NodeEvent, Notification,
    OffchainState as OffchainStateReply, OnChainInfo, SignAbort, SignReply, SignRequest, SignTag,
    TxOptions,
};
use aesc_codec::object::Object;
use aesc_codec::state::{OffChainState, StateTrees};
use aesc_codec::tx::{SignedTx, Update};
use aesc_codec::Uint;
use crossbeam_channel::Sender;
use serde_json::Value;

use crate::channel_config::OpenTerms;
use crate::checks;
use crate::config::Deadlines;
use crate::driver::{Handler, Io};
use crate::error::{Error, RpcError, Timeout};
use crate::events::{Event, EventSink};
use crate::policy::{Refusal, SigningPolicy};
use crate::store::StateStore;
use crate::view::{round_and_hash, ChannelView, Phase};

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
}

#[derive(Debug)]
struct Op {
    kind: OpKind,
    phase: Timeout,
    deadline: Instant,
    done: Sender<Result<Outcome, Error>>,
    seen_open: bool,
    seen_closed: bool,
    /// This client signed the transaction of this operation.
    signed_own: bool,
    awaiting_fetch: bool,
    /// The outcome to report once the state is synced with the node after a reattach.
    resync: Option<Outcome>,
}

/// What a signature given by this client waits for.
#[derive(Debug, Clone)]
struct Signed {
    tag: SignTag,
    tx: SignedTx,
    /// For states: the round and (when computable) the balances it leads to.
    next: Option<(u64, Option<OffChainState>)>,
    /// Whether it was signed for the user's current operation (not a proposal of the peer).
    for_op: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    OpRequest,
    SignReply(SignTag),
    Abort,
    Fetch,
    Resync,
    Keepalive,
}

/// The channel side of the I/O thread.
#[derive(Debug)]
pub(crate) struct Session {
    key: SecretKey,
    network: NetworkId,
    policy: Arc<dyn SigningPolicy>,
    fee_cap: Uint,
    deadlines: Deadlines,
    pub(crate) view: ChannelView,
    shared: Arc<Mutex<ChannelView>>,
    store: Option<StateStore>,
    op: Option<Op>,
    signed: Option<Signed>,
    fsm_up: Option<Sender<Result<FsmId, Error>>>,
    requests: HashMap<u64, Purpose>,
    fetching: Option<StateHash>,
    next_tag: u64,
    /// Keeps the node's FSM from stopping an idle open channel (`timeout_idle`).
    keepalive: Option<FsmKeepalive>,
}

/// Everything a session is made of.
#[derive(Debug)]
pub(crate) struct SessionSetup {
    pub(crate) key: SecretKey,
    pub(crate) network: NetworkId,
    pub(crate) policy: Arc<dyn SigningPolicy>,
    pub(crate) fee_cap: Uint,
    pub(crate) deadlines: Deadlines,
    pub(crate) view: ChannelView,
    pub(crate) shared: Arc<Mutex<ChannelView>>,
    pub(crate) store: Option<StateStore>,
    /// How often an idle open channel sends the FSM a request; none for never.
    pub(crate) fsm_keepalive: Option<Duration>,
}

/// When the FSM last heard from this client, and how often it must.
#[derive(Debug)]
struct FsmKeepalive {
    interval: Duration,
    last: Instant,
}

impl Session {
    pub(crate) fn new(s: SessionSetup) -> Self {
        let session = Session {
            key: s.key,
            network: s.network,
            policy: s.policy,
            fee_cap: s.fee_cap,
            deadlines: s.deadlines,
            view: s.view,
            shared: s.shared,
            store: s.store,
            op: None,
            signed: None,
            fsm_up: None,
            requests: HashMap::new(),
            fetching: None,
            next_tag: 1,
            keepalive: s
                .fsm_keepalive
                .map(|interval| FsmKeepalive { interval, last: Instant::now() }),
        };
        session.publish();
        session
    }

    /// Prepares for a new connection: the operation that the connection starts (open or
    /// reattach) and who waits for `fsm_up`.
    pub(crate) fn arm(
        &mut self,
        kind: OpKind,
        done: Sender<Result<Outcome, Error>>,
        fsm_up: Sender<Result<FsmId, Error>>,
    ) {
        self.requests.clear();
        self.fetching = None;
        self.signed = None;
        if let Some(op) = self.op.take() {
            let _ = op.done.try_send(Err(Error::Busy));
        }
        self.view.phase = match self.view.phase {
            Phase::Closing | Phase::Closed => self.view.phase,
            _ => Phase::Connecting,
        };
        self.op = Some(Op {
            kind,
            phase: Timeout::FsmUp,
            deadline: Instant::now() + self.deadlines.fsm_up,
            done,
            seen_open: false,
            seen_closed: false,
            signed_own: false,
            awaiting_fetch: false,
            resync: None,
        });
        self.fsm_up = Some(fsm_up);
        self.publish();
    }

    pub(crate) fn current_op(&self) -> Option<&OpKind> {
        self.op.as_ref().map(|o| &o.kind)
    }

    pub(crate) fn network(&self) -> &NetworkId {
        &self.network
    }

    pub(crate) fn policy(&self) -> &dyn SigningPolicy {
        self.policy.as_ref()
    }

    pub(crate) fn fee_cap(&self) -> &Uint {
        &self.fee_cap
    }

    /// Emits an event once the shared view reflects everything that led to it.
    fn emit(&self, io: &Io<'_>, event: Event) {
        self.publish();
        io.emit(event);
    }

    fn publish(&self) {
        let mut shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        *shared = self.view.clone();
    }

    fn save(&self, io: &Io<'_>) {
        if let Some(store) = &self.store {
            if let Err(e) = store.save(&self.view) {
                self.emit(io, Event::StoreFailed { error: Arc::new(e) });
            }
        }
    }

    fn tag(&mut self, purpose: Purpose) -> u64 {
        let t = self.next_tag;
        self.next_tag += 1;
        self.requests.insert(t, purpose);
        t
    }

    fn finish(&mut self, result: Result<Outcome, Error>) {
        // The caller reads the view as soon as it wakes: publish first.
        self.publish();
        if result.is_err() && self.op.is_some() {
            // A state signed for a failed operation may still be co-signed later; it is then
            // recognised by its signatures and checked against the node's trees.
            self.signed = None;
        }
        if let Some(op) = self.op.take() {
            let _ = op.done.try_send(result);
        }
    }

    fn set_phase(&mut self, phase: Timeout) {
        let d = &self.deadlines;
        let wait = match phase {
            Timeout::FsmUp => d.fsm_up,
            Timeout::Open => d.open,
            Timeout::SignRequest => d.sign_request,
            Timeout::CoSigned => d.co_signed,
            Timeout::Leave => d.leave,
            Timeout::Reestablish => d.reestablish,
            _ => d.on_chain,
        };
        if let Some(op) = &mut self.op {
            op.phase = phase;
            op.deadline = Instant::now() + wait;
        }
    }

    // ---- operations -------------------------------------------------------------------

    fn begin(&mut self, b: Begin, io: &mut Io<'_>) {
        if self.op.is_some() {
            let _ = b.done.try_send(Err(Error::Busy));
            return;
        }
        if let Err(e) = self.precondition(&b.kind) {
            let _ = b.done.try_send(Err(e));
            return;
        }
        let phase = if b.kind == OpKind::Leave { Timeout::Leave } else { Timeout::SignRequest };
        self.op = Some(Op {
            kind: b.kind,
            phase,
            deadline: Instant::now(),
            done: b.done,
            seen_open: false,
            seen_closed: false,
            signed_own: false,
            awaiting_fetch: false,
            resync: None,
        });
        self.set_phase(phase);
        if let Some((method, params)) = b.request {
            let tag = self.tag(Purpose::OpRequest);
            io.request(method, &params, tag);
        }
    }

    fn precondition(&self, kind: &OpKind) -> Result<(), Error> {
        let phase = self.view.phase;
        let need = |ok: bool, operation: &'static str, reason: &'static str| {
            if ok {
                Ok(())
            } else {
                Err(Error::InvalidState { operation, reason })
            }
        };
        match kind {
            OpKind::Open(_) | OpKind::Reattach { .. } => Ok(()),
            OpKind::Update(_) => need(phase == Phase::Open, "update", "the channel is not open"),
            OpKind::Deposit(..) => need(phase == Phase::Open, "deposit", "the channel is not open"),
            OpKind::Withdraw(..) => {
                need(phase == Phase::Open, "withdraw", "the channel is not open")
            }
            OpKind::Snapshot(_) => {
                need(phase == Phase::Open, "snapshot", "the channel is not open")
            }
            OpKind::Leave => need(phase == Phase::Open, "leave", "the channel is not open"),
            OpKind::CloseSolo(_) => {
                need(phase == Phase::Open, "close solo", "the channel is not open")
            }
            OpKind::Shutdown(_) | OpKind::ForceProgress(_) => need(
                matches!(phase, Phase::Open | Phase::Closing),
                "shutdown",
                "the channel is neither open nor closing",
            ),
            OpKind::Slash(_) | OpKind::Settle(_) => {
                need(phase == Phase::Closing, "settle or slash", "the channel is not closing")
            }
        }
    }

    // ---- notifications ------------------------------------------------------------------

    fn on_event(&mut self, channel_id: Option<ChannelId>, event: NodeEvent, io: &mut Io<'_>) {
        match event {
            NodeEvent::SignRequest(req) => self.on_sign_request(req, io),
            NodeEvent::Update { state } => self.on_state(&state, io),
            NodeEvent::Leave { state } => self.on_leave(&state, io),
            NodeEvent::Info(info) => {
                let name = info.event.clone();
                let fsm_id = info.fsm_id;
                self.on_info(&name, fsm_id, channel_id, io);
                self.emit(io, Event::Node(NodeEvent::Info(info)));
            }
            NodeEvent::OnChainTx(t) => {
                let info = t.info.clone();
                let tx = SignedTx::from_api_str(t.tx.as_str()).ok();
                self.on_chain(&info, tx, io);
                self.emit(io, Event::Node(NodeEvent::OnChainTx(t)));
            }
            NodeEvent::Conflict(c) => {
                let err = Error::Conflict {
                    code: u32::try_from(c.error_code).unwrap_or(u32::MAX),
                    message: c.error_msg.clone(),
                    round: c.round,
                };
                self.emit(io, Event::Node(NodeEvent::Conflict(c)));
                self.signed = None;
                if self.op.as_ref().is_some_and(|o| !matches!(o.kind, OpKind::Leave)) {
                    self.finish(Err(err));
                }
            }
            other => self.emit(io, Event::Node(other)),
        }
    }

    fn on_info(
        &mut self,
        event: &InfoEvent,
        fsm_id: Option<FsmId>,
        channel_id: Option<ChannelId>,
        io: &mut Io<'_>,
    ) {
        if let Some(id) = fsm_id {
            let changed = self.view.fsm_id != Some(id);
            self.view.fsm_id = Some(id);
            if changed {
                self.save(io);
            }
        }
        if self.view.channel_id.is_none() {
            self.view.channel_id = channel_id;
        }
        match event {
            InfoEvent::FsmUp => self.on_fsm_up(fsm_id, io),
            InfoEvent::Open => {
                self.view.phase = Phase::Open;
                self.save(io);
                if let Some(op) = &mut self.op {
                    op.seen_open = true;
                }
                match self.op.as_ref().map(|o| &o.kind) {
                    Some(OpKind::Open(_)) if self.view.latest.is_some() => {
                        self.finish(Ok(Outcome::Opened));
                    }
                    Some(OpKind::Reattach { .. }) => self.resync(Outcome::Reestablished, io),
                    _ => {}
                }
            }
            InfoEvent::Closing => {
                self.view.phase = Phase::Closing;
                self.save(io);
            }
            // A channel that was closing reestablishes into `channel_closing`: no `open` follows.
            InfoEvent::ChannelReestablished
                if self.view.phase == Phase::Closing
                    && matches!(
                        self.op.as_ref().map(|o| &o.kind),
                        Some(OpKind::Reattach { .. })
                    ) =>
            {
                self.resync(Outcome::Reestablished, io);
            }
            InfoEvent::ClosedConfirmed => {
                self.view.phase = Phase::Closed;
                self.save(io);
                self.complete_close();
            }
            InfoEvent::Died => {
                // A closing channel stays closing on chain: the phase keeps that.
                if !matches!(self.view.phase, Phase::Left | Phase::Closed | Phase::Closing) {
                    self.view.phase = Phase::Stopped;
                }
                if self.op.as_ref().is_some_and(|o| o.seen_closed) {
                    self.complete_close();
                } else if self.op.is_some() {
                    self.finish(Err(Error::FsmStopped { event: "died".into() }));
                }
            }
            InfoEvent::ZombieChannel
            | InfoEvent::BadSignature
            | InfoEvent::BadStateHash
            | InfoEvent::NotCreateTx => {
                self.view.phase = Phase::Stopped;
                self.finish(Err(Error::FsmStopped { event: event.as_str().to_owned() }));
            }
            _ => {}
        }
        self.publish();
    }

    fn on_fsm_up(&mut self, fsm_id: Option<FsmId>, io: &mut Io<'_>) {
        if matches!(self.view.phase, Phase::Connecting) {
            self.view.phase = Phase::Opening;
        }
        if let Some(tx) = self.fsm_up.take() {
            // The waiting caller reads the view (fsm id, phase) as soon as it wakes.
            self.publish();
            let _ = tx.try_send(fsm_id.ok_or(Error::FsmStopped { event: "fsm_up".into() }));
        }
        let reattached = match self.op.as_ref().map(|o| &o.kind) {
            Some(OpKind::Reattach { known }) => Some(Some(*known) == fsm_id),
            Some(OpKind::Open(_)) => {
                self.set_phase(Timeout::Open);
                None
            }
            _ => None,
        };
        match reattached {
            Some(true) => {
                // The FSM kept running: the channel is as it was.
                if self.view.latest.is_some() && self.view.phase == Phase::Opening {
                    self.view.phase = Phase::Open;
                }
                self.resync(Outcome::Reconnected, io);
            }
            Some(false) => self.set_phase(Timeout::Reestablish),
            None => {}
        }
    }

    fn complete_close(&mut self) {
        let closes = matches!(
            self.op.as_ref().map(|o| &o.kind),
            Some(OpKind::Shutdown(_) | OpKind::Settle(_))
        );
        if closes {
            let tx = self.signed.take().map(|s| s.tx);
            match tx {
                Some(tx) => self.finish(Ok(Outcome::Closed(Box::new(tx)))),
                None => self.finish(Err(Error::FsmStopped { event: "closed".into() })),
            }
        }
    }

    fn on_chain(&mut self, info: &OnChainInfo, tx: Option<SignedTx>, io: &mut Io<'_>) {
        match info {
            OnChainInfo::CloseMutual | OnChainInfo::SoloClosing => {
                self.view.phase = Phase::Closing;
                self.save(io);
            }
            OnChainInfo::ChannelClosed => {
                if let Some(op) = &mut self.op {
                    op.seen_closed = true;
                }
            }
            _ => {}
        }
        let Some(tx) = tx else { return };
        let ours = self.signed.as_ref().is_some_and(|s| checks::same_inner(&s.tx, &tx));
        let solo = matches!(
            self.op.as_ref().map(|o| &o.kind),
            Some(
                OpKind::CloseSolo(_)
                    | OpKind::Slash(_)
                    | OpKind::Snapshot(_)
                    | OpKind::ForceProgress(_)
            )
        );
        if !ours && *info == OnChainInfo::ConsumedForcedProgress {
            self.on_peer_force_progress(&tx, io);
        }
        if ours && solo {
            if let Some(aesc_codec::tx::Tx::ChannelForceProgress(fp)) = Some(tx.innermost_tx()) {
                // The state moved on chain; learn its balances from the node.
                self.view.round = fp.round;
                self.view.state = None;
                self.fetch_state(fp.state_hash, io);
            }
            self.signed = None;
            self.finish(Ok(Outcome::OnChain(Box::new(tx))));
        } else if ours && self.on_chain_copy_is_complete(&tx) {
            // The transaction as posted (co-signed), whose hash is the one on chain: what a
            // mutual close or a settle returns.
            if let Some(signed) = self.signed.as_mut() {
                signed.tx = tx;
            }
        }
        self.publish();
    }

    /// The other party forced progress on chain from this client's latest state: the channel
    /// moved to the next round, whose balances are learnt from the node and checked against the
    /// transaction's state hash. A force progress from an older state is left to the user
    /// (the node reports `can_snapshot` or `can_slash` for it).
    fn on_peer_force_progress(&mut self, tx: &SignedTx, io: &mut Io<'_>) {
        let aesc_codec::tx::Tx::ChannelForceProgress(fp) = tx.innermost_tx() else { return };
        let peer = self.view.peer();
        let builds_on_latest = match fp.payload.signed_tx() {
            Some(p) => checks::payload_is_latest(Some(p), self.view.latest.as_ref()).is_ok(),
            // Empty: the state on chain, which is the latest only if a force progress put it
            // there (this client knows no balances without trees).
            None => self.view.latest.is_some(),
        };
        let genuine = Some(fp.channel_id) == self.view.channel_id
            && fp.from_id == peer
            && fp.round == self.view.round.saturating_add(1)
            && builds_on_latest
            && checks::signed_by(tx, &self.network, &peer);
        if genuine {
            self.view.round = fp.round;
            self.view.state = None;
            self.fetch_state(fp.state_hash, io);
        }
    }

    /// Whether the posted `tx` carries this client's signature and every signature on it is a
    /// participant's.
    fn on_chain_copy_is_complete(&self, tx: &SignedTx) -> bool {
        let Some(ours) = self.signed.as_ref() else { return false };
        let both = [self.view.initiator, self.view.responder];
        self.holds_own_signature(&ours.tx, tx)
            && checks::only_valid_signatures(tx, &self.network, &both)
    }

    // ---- co-signed states -----------------------------------------------------------------

    fn decode_state(&self, state: &EncodedTx, io: &Io<'_>) -> Option<(SignedTx, u64, StateHash)> {
        let tx = match SignedTx::from_api_str(state.as_str()) {
            Ok(tx) => tx,
            Err(_) => {
                self.emit(
                    io,
                    Event::Node(NodeEvent::Error { message: "undecodable state".into() }),
                );
                return None;
            }
        };
        let (round, hash) = round_and_hash(tx.innermost_tx())?;
        Some((tx, round, hash))
    }

    /// Whether `cosigned` still carries the signature this client put on `ours`.
    fn holds_own_signature(&self, ours: &SignedTx, cosigned: &SignedTx) -> bool {
        let mine = &ours.innermost().signatures;
        let theirs = &cosigned.innermost().signatures;
        mine.iter().all(|s| theirs.contains(s))
    }

    fn cosigned(&self, tx: &SignedTx) -> bool {
        checks::signed_by(tx, &self.network, &self.view.initiator)
            && checks::signed_by(tx, &self.network, &self.view.responder)
    }

    fn on_state(&mut self, state: &EncodedTx, io: &mut Io<'_>) {
        let Some((tx, round, hash)) = self.decode_state(state, io) else { return };
        let expected = self.signed.as_ref().filter(|s| checks::same_inner(&s.tx, &tx)).cloned();
        if let Some(signed) = expected {
            // Our own signature is the one we made; the other party's must verify.
            let peer = self.view.peer();
            if !checks::signed_by(&tx, &self.network, &peer)
                || !self.holds_own_signature(&signed.tx, &tx)
            {
                self.emit(io, Event::Refused { tag: signed.tag, refusal: Refusal::PeerSignature });
                return;
            }
            self.signed = None;
            let next = signed.next.and_then(|(_, s)| s);
            if let aesc_codec::tx::Tx::ChannelCreate(c) = tx.innermost_tx() {
                self.view.channel_id = Some(c.channel_id());
                self.view.channel_reserve = c.channel_reserve.clone();
            }
            self.adopt(tx, round, next, hash, signed.for_op, io);
            return;
        }
        let known = self.view.latest.as_ref().is_some_and(|l| checks::same_inner(l, &tx));
        if known {
            return;
        }
        if round > self.view.round && self.cosigned(&tx) {
            // A state this client signed but did not record (it stopped in between).
            self.adopt(tx, round, None, hash, false, io);
            return;
        }
        self.emit(io, Event::Node(NodeEvent::Update { state: state.clone() }));
    }

    fn adopt(
        &mut self,
        tx: SignedTx,
        round: u64,
        state: Option<OffChainState>,
        hash: StateHash,
        for_op: bool,
        io: &mut Io<'_>,
    ) {
        self.view.round = round;
        self.view.latest = Some(tx.clone());
        let known = state.is_some();
        self.view.state = state;
        if known {
            // Stored before anyone hears of it.
            self.save(io);
        }
        self.emit(io, Event::CoSigned { round, state: Box::new(tx) });
        if known {
            if for_op {
                self.complete_state(round);
            }
        } else {
            if let Some(op) = self.op.as_mut().filter(|_| for_op) {
                op.awaiting_fetch = true;
            }
            self.fetch_state(hash, io);
        }
        self.publish();
    }

    fn complete_state(&mut self, round: u64) {
        let Some(op) = &self.op else { return };
        if op.awaiting_fetch {
            return;
        }
        match &op.kind {
            OpKind::Open(_) if op.seen_open => self.finish(Ok(Outcome::Opened)),
            OpKind::Update(_) | OpKind::Deposit(..) | OpKind::Withdraw(..) => {
                self.finish(Ok(Outcome::Round(round)));
            }
            _ => {}
        }
    }

    fn fetch_state(&mut self, expected: StateHash, io: &mut Io<'_>) {
        self.fetching = Some(expected);
        let tag = self.tag(Purpose::Fetch);
        io.request(
            aesc_codec::jsonrpc::GetOffchainState::NAME,
            &aesc_codec::jsonrpc::GetOffchainState.to_params(),
            tag,
        );
    }

    fn on_fetched(&mut self, result: Result<Value, RpcError>, io: &mut Io<'_>) {
        let Some(expected) = self.fetching.take() else { return };
        let state = result.map_err(Error::from).and_then(|v| {
            let reply = aesc_codec::jsonrpc::GetOffchainState::parse_output(&v)
                .map_err(|_| Error::Output { method: "channels.get.offchain_state" })?;
            trees_state(&reply).ok_or(Error::Output { method: "channels.get.offchain_state" })
        });
        match state {
            Ok(s) if s.state_hash() == expected => {
                self.view.state = Some(s);
                self.save(io);
                if let Some(op) = self.op.as_mut().filter(|o| o.awaiting_fetch) {
                    op.awaiting_fetch = false;
                    let round = self.view.round;
                    self.complete_state(round);
                }
            }
            Ok(_) => {
                self.emit(
                    io,
                    Event::Node(NodeEvent::Error {
                        message: "the node's trees do not match the co-signed state hash".into(),
                    }),
                );
                if self.op.as_ref().is_some_and(|o| o.awaiting_fetch) {
                    self.finish(Err(Error::from(Refusal::UnknownState)));
                }
            }
            Err(e) => {
                if self.op.as_ref().is_some_and(|o| o.awaiting_fetch) {
                    self.finish(Err(e));
                } else if let Error::Rpc(e) = e {
                    self.emit(io, Event::RpcError(*e));
                }
            }
        }
        self.publish();
    }

    /// Asks the node for its latest co-signed state before reporting `outcome`: a state
    /// co-signed while the socket was down (its notification lost) is adopted if it carries
    /// both signatures and the node's trees match its state hash.
    fn resync(&mut self, outcome: Outcome, io: &mut Io<'_>) {
        if let Some(op) = &mut self.op {
            op.resync = Some(outcome);
        }
        let tag = self.tag(Purpose::Resync);
        io.request(
            aesc_codec::jsonrpc::GetOffchainState::NAME,
            &aesc_codec::jsonrpc::GetOffchainState.to_params(),
            tag,
        );
    }

    fn on_resynced(&mut self, result: Result<Value, RpcError>, io: &mut Io<'_>) {
        match result {
            Ok(v) => match aesc_codec::jsonrpc::GetOffchainState::parse_output(&v) {
                Ok(reply) => self.adopt_node_state(&reply, io),
                Err(_) => self.emit(
                    io,
                    Event::Node(NodeEvent::Error { message: "unreadable offchain state".into() }),
                ),
            },
            Err(e) => self.emit(io, Event::RpcError(e)),
        }
        let outcome = self.op.as_mut().and_then(|o| o.resync.take());
        if let Some(outcome) = outcome {
            self.finish(Ok(outcome));
        }
    }

    fn adopt_node_state(&mut self, reply: &OffchainStateReply, io: &mut Io<'_>) {
        let Some(text) = &reply.signed_tx else { return };
        let Ok(tx) = SignedTx::from_api_str(text.as_str()) else { return };
        let Some((round, hash)) = round_and_hash(tx.innermost_tx()) else { return };
        if round <= self.view.round {
            return;
        }
        let state = trees_state(reply).filter(|s| s.state_hash() == hash);
        if !self.cosigned(&tx) || state.is_none() {
            self.emit(
                io,
                Event::Node(NodeEvent::Error {
                    message: "the node's latest state is not co-signed or does not match its trees"
                        .into(),
                }),
            );
            return;
        }
        if let aesc_codec::tx::Tx::ChannelCreate(c) = tx.innermost_tx() {
            self.view.channel_id = Some(c.channel_id());
            self.view.channel_reserve = c.channel_reserve.clone();
        }
        self.view.round = round;
        self.view.latest = Some(tx.clone());
        self.view.state = state;
        if self.view.phase == Phase::Opening {
            // Reattached to an FSM that got its co-signed state while this client was away:
            // the `open` it reported then is not sent again.
            self.view.phase = Phase::Open;
        }
        self.save(io);
        self.emit(io, Event::CoSigned { round, state: Box::new(tx) });
        self.publish();
    }

    fn on_leave(&mut self, state: &EncodedTx, io: &mut Io<'_>) {
        let decoded = self.decode_state(state, io);
        if let Some((tx, round, hash)) = decoded {
            let known = self.view.latest.as_ref().is_some_and(|l| checks::same_inner(l, &tx));
            if !known && round > self.view.round && self.cosigned(&tx) {
                self.adopt(tx.clone(), round, None, hash, false, io);
            }
            self.view.phase = Phase::Left;
            self.save(io);
            self.emit(io, Event::Left { state: Box::new(tx.clone()) });
            if matches!(self.op.as_ref().map(|o| &o.kind), Some(OpKind::Leave)) {
                self.finish(Ok(Outcome::Left(Box::new(tx))));
            }
        }
        self.publish();
    }

    // ---- sign requests ----------------------------------------------------------------------

    fn on_sign_request(&mut self, req: SignRequest, io: &mut Io<'_>) {
        let tag = req.tag;
        let for_op = self.op.is_some() && (!checks::is_ack(tag) || tag == SignTag::ResponderSign);
        let reviewed = self.review(&req).and_then(|plan| {
            // One operation, one transaction: a repeat of the one signed (a node resending after
            // a reconnect) is signed again, any other is not.
            let again = for_op && self.op.as_ref().is_some_and(|o| o.signed_own);
            let same = self.signed.as_ref().is_some_and(|s| checks::same_inner(&s.tx, &plan.tx));
            if again && !same {
                Err(Refusal::AlreadySigned { tag })
            } else {
                Ok(plan)
            }
        });
        match reviewed {
            Ok(plan) => {
                let mut tx = plan.tx;
                tx.sign(&self.key, &self.network, SignatureForm::Raw);
                let reply =
                    SignReply { tag, signed_tx: EncodedTx::from_bytes(&tx.to_rlp()) }.to_params();
                let t = self.tag(Purpose::SignReply(tag));
                io.request(tag.reply_method(), &reply, t);
                if checks::is_ack(tag) {
                    self.emit(io, Event::Accepted { tag, round: plan.next.as_ref().map(|n| n.0) });
                }
                let on_chain = !matches!(tag, SignTag::Update | SignTag::UpdateAck)
                    && !matches!(tag, SignTag::InitiatorSign | SignTag::ResponderSign);
                self.signed = Some(Signed { tag, tx, next: plan.next, for_op });
                if let Some(op) = self.op.as_mut().filter(|_| for_op) {
                    op.signed_own = true;
                    if op.phase == Timeout::SignRequest {
                        self.set_phase(if on_chain { Timeout::OnChain } else { Timeout::CoSigned });
                    }
                }
            }
            Err(refusal) => {
                let abort = SignAbort { tag, error: refusal.abort_code() }.to_params();
                let t = self.tag(Purpose::Abort);
                io.request(tag.reply_method(), &abort, t);
                let own = self.op.is_some() && !checks::is_ack(tag);
                if own || tag == SignTag::ResponderSign {
                    self.finish(Err(Error::from(refusal.clone())));
                }
                self.emit(io, Event::Refused { tag, refusal });
            }
        }
    }

    fn on_reply_result(&mut self, tag: SignTag, result: Result<Value, RpcError>, io: &Io<'_>) {
        if let Err(e) = result {
            self.emit(io, Event::RpcError(e.clone()));
            self.signed = None;
            if !checks::is_ack(tag) || tag == SignTag::ResponderSign {
                self.finish(Err(Error::from(e)));
            }
        }
    }
}

/// The state held by the trees of a `get.offchain_state` reply.
fn trees_state(reply: &OffchainStateReply) -> Option<OffChainState> {
    let bytes = encoding::decode_as(Prefix::StateTrees, reply.trees.as_str()).ok()?;
    let trees = StateTrees::from_rlp(&bytes).ok()?;
    OffChainState::from_trees(&trees).ok()
}

impl Handler for Session {
    type Command = SessionCommand;

    fn on_notification(&mut self, n: Notification, io: &mut Io<'_>) {
        if let Some(k) = self.keepalive.as_mut() {
            k.last = Instant::now();
        }
        let channel_id = n.channel_id;
        match NodeEvent::from_notification(&n) {
            Ok(e) => self.on_event(channel_id, e, io),
            Err(_) => {
                self.emit(io, Event::Node(NodeEvent::Unknown { method: n.method, data: n.data }))
            }
        }
    }

    fn on_response(&mut self, tag: u64, result: Result<Value, RpcError>, io: &mut Io<'_>) {
        match self.requests.remove(&tag) {
            Some(Purpose::OpRequest) => {
                if let Err(e) = result {
                    self.finish(Err(Error::from(e)));
                }
            }
            Some(Purpose::SignReply(t)) => self.on_reply_result(t, result, io),
            Some(Purpose::Abort) => {
                if let Err(e) = result {
                    self.emit(io, Event::RpcError(e));
                }
            }
            Some(Purpose::Fetch) => self.on_fetched(result, io),
            Some(Purpose::Resync) => self.on_resynced(result, io),
            Some(Purpose::Keepalive) | None => {}
        }
    }

    fn on_unmatched_error(&mut self, error: RpcError, io: &mut Io<'_>) {
        if self.view.phase == Phase::Connecting {
            if let Some(tx) = self.fsm_up.take() {
                let _ = tx.try_send(Err(Error::Rejected(Box::new(error.clone()))));
            }
            self.finish(Err(Error::Rejected(Box::new(error.clone()))));
        }
        self.emit(io, Event::RpcError(error));
    }

    fn on_command(&mut self, command: SessionCommand, io: &mut Io<'_>) {
        match command {
            SessionCommand::Begin(b) => self.begin(*b, io),
            SessionCommand::Abandon => {
                self.op = None;
            }
        }
    }

    fn on_tick(&mut self, now: Instant, io: &mut Io<'_>) {
        let idle = self.op.is_none() && self.view.phase == Phase::Open;
        if let Some(k) = self.keepalive.as_mut() {
            if !idle {
                k.last = now;
            } else if now.saturating_duration_since(k.last) >= k.interval {
                k.last = now;
                let tag = self.tag(Purpose::Keepalive);
                io.request(
                    GetBalances::NAME,
                    &GetBalances { accounts: vec![self.view.me] }.to_params(),
                    tag,
                );
            }
        }
        if let Some(op) = &self.op {
            if now >= op.deadline {
                let phase = op.phase;
                if phase == Timeout::FsmUp {
                    if let Some(tx) = self.fsm_up.take() {
                        let _ = tx.try_send(Err(Error::Timeout(Timeout::FsmUp)));
                    }
                }
                self.finish(Err(Error::Timeout(phase)));
            }
        }
    }

    fn on_close_requested(&mut self) {
        let cause = Arc::new(Error::Closed);
        if let Some(tx) = self.fsm_up.take() {
            let _ = tx.try_send(Err(Error::Disconnected(cause.clone())));
        }
        self.finish(Err(Error::Disconnected(cause)));
    }

    fn on_end(&mut self, cause: &Arc<Error>, _events: &EventSink) {
        if let Some(tx) = self.fsm_up.take() {
            let _ = tx.try_send(Err(Error::Disconnected(cause.clone())));
        }
        self.finish(Err(Error::Disconnected(cause.clone())));
        self.requests.clear();
        self.fetching = None;
        self.publish();
    }
}
