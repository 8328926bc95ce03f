//! The channel protocol as the client runs it inside the I/O thread: it answers sign requests
//! (after [`crate::policy`] checks), records co-signed states, tracks the FSM and completes the
//! operation the user is waiting for.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use aesc_codec::crypto::{AccountVerifier, NetworkId};
use aesc_codec::id::{FsmId, StateHash};
use aesc_codec::jsonrpc::{GetBalances, Method, NodeEvent, Notification, SignTag};
use aesc_codec::state::OffChainState;
use aesc_codec::tx::SignedTx;
use aesc_codec::Uint;
use crossbeam_channel::Sender;
use serde_json::Value;

use crate::config::{after, Deadlines};
use crate::driver::{Handler, Io};
use crate::error::{Error, RpcError, Timeout};
use crate::events::{Event, EventSink};
use crate::policy::SigningPolicy;
use crate::signer::Signer;
use crate::store::{ChannelStore, StoredChannel};
use crate::view::{ChannelView, Phase};

mod notifications;
mod op;
mod signing;
mod states;

pub(crate) use op::{Begin, OpKind, Outcome, SessionCommand};
use op::{Op, Seen};

/// What a signature given by this client waits for.
#[derive(Debug, Clone)]
struct Signed {
    tag: SignTag,
    tx: SignedTx,
    /// For states: the round and (when computable) the balances it leads to.
    next: Option<(u64, Option<OffChainState>)>,
    /// Whether it was signed for the user's current operation (not a proposal of the peer).
    for_op: bool,
    /// The signature this client added.
    own: aesc_codec::id::Signature,
    /// The other party's signatures on it, verified when it was signed.
    peer: Vec<aesc_codec::id::Signature>,
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
    signer: Arc<dyn Signer>,
    network: NetworkId,
    /// The other party's key, decoded once for every verification of its signatures.
    peer_key: AccountVerifier,
    policy: Arc<dyn SigningPolicy>,
    fee_cap: Uint,
    deadlines: Deadlines,
    pub(crate) view: ChannelView,
    shared: Arc<Mutex<ChannelView>>,
    store: Option<Arc<dyn ChannelStore>>,
    /// The transaction this client signed last, kept in the store until its outcome is known.
    pending: Option<SignedTx>,
    op: Option<Op>,
    signed: Option<Signed>,
    fsm_up: Option<Sender<Result<FsmId, Error>>>,
    requests: HashMap<u64, Purpose>,
    fetching: Option<StateHash>,
    next_tag: u64,
    /// Keeps the node's FSM from stopping an idle open channel (`timeout_idle`).
    keepalive: Option<FsmKeepalive>,
    /// The next sign request of the user's own operation is aborted with this code.
    abort_next: Option<u16>,
    /// The phase before the current connection attempt, restored when the node refuses it.
    before_connect: Phase,
    /// The phase last reported with [`Event::PhaseChanged`].
    reported_phase: Phase,
    /// The channel's event stream.
    events: EventSink,
    /// This client's snapshot put the latest co-signed state on chain.
    latest_on_chain: bool,
}

/// Everything a session is made of.
#[derive(Debug)]
pub(crate) struct SessionSetup {
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) network: NetworkId,
    pub(crate) policy: Arc<dyn SigningPolicy>,
    pub(crate) fee_cap: Uint,
    pub(crate) deadlines: Deadlines,
    pub(crate) view: ChannelView,
    pub(crate) shared: Arc<Mutex<ChannelView>>,
    pub(crate) store: Option<Arc<dyn ChannelStore>>,
    /// The transaction signed last before a crash, from the store.
    pub(crate) pending: Option<SignedTx>,
    /// The channel's event stream (for phase changes).
    pub(crate) events: EventSink,
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
        let phase = s.view.phase;
        let session = Session {
            peer_key: AccountVerifier::new(s.view.peer()),
            signer: s.signer,
            network: s.network,
            policy: s.policy,
            fee_cap: s.fee_cap,
            deadlines: s.deadlines,
            view: s.view,
            shared: s.shared,
            store: s.store,
            pending: s.pending,
            op: None,
            signed: None,
            fsm_up: None,
            requests: HashMap::new(),
            fetching: None,
            next_tag: 1,
            abort_next: None,
            before_connect: phase,
            reported_phase: phase,
            events: s.events,
            latest_on_chain: false,
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
        self.before_connect = self.view.phase;
        self.view.phase = match self.view.phase {
            Phase::Closing | Phase::Closed => self.view.phase,
            _ => Phase::Connecting,
        };
        self.op = Some(Op {
            kind,
            phase: Timeout::FsmUp,
            deadline: after(Instant::now(), self.deadlines.fsm_up),
            done,
            seen_open: false,
            seen_closed: false,
            signed_own: false,
            awaiting_fetch: false,
            resync: None,
            aborting: None,
            phase_started: Instant::now(),
            seen: Seen::default(),
        });
        self.fsm_up = Some(fsm_up);
        self.publish();
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

    /// Writes the view and the pending transaction to the store. A failure is reported as an
    /// event and returned; the caller fails what needed the write.
    fn save(&self, io: &Io<'_>) -> Result<(), Error> {
        let Some(store) = &self.store else { return Ok(()) };
        if self.view.fsm_id.is_none() {
            return Ok(());
        }
        let record = StoredChannel { view: self.view.clone(), pending: self.pending.clone() };
        store.save(&record).map_err(|e| {
            log::warn!("the state store failed: {e}");
            let copy = e.store_copy();
            self.emit(io, Event::StoreFailed { error: Arc::new(e) });
            copy
        })
    }

    /// [`Session::save`] where a failure only shows as an event (the state is already known
    /// at the node, and is written again with the next change).
    fn save_or_report(&self, io: &Io<'_>) {
        let _ = self.save(io);
    }

    fn tag(&mut self, purpose: Purpose) -> u64 {
        let t = self.next_tag;
        self.next_tag += 1;
        self.requests.insert(t, purpose);
        t
    }

    fn finish(&mut self, result: Result<Outcome, Error>) {
        // The caller reads the view and the events as soon as it wakes: both first.
        self.report_phase();
        self.publish();
        if result.is_err() && self.op.is_some() {
            // A state signed for a failed operation may still be co-signed later; it is then
            // recognised by its signatures and checked against the node's trees.
            self.signed = None;
        }
        if let Some(op) = self.op.take() {
            if let Err(e) = &result {
                log::debug!("the operation failed: {e}");
            }
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
            let now = Instant::now();
            op.phase = phase;
            op.phase_started = now;
            op.deadline = after(now, wait);
        }
    }

    /// Stops writing the store (and drops this session's hold on it).
    pub(crate) fn release_store(&mut self) {
        self.store = None;
    }

    /// Reports a phase change, once per change.
    fn report_phase(&mut self) {
        let (from, to) = (self.reported_phase, self.view.phase);
        if from != to {
            self.reported_phase = to;
            self.publish();
            self.events.emit(Event::PhaseChanged { from, to });
        }
    }

    /// Notes what the node sent, for the error of a deadline.
    pub(super) fn note(&mut self, what: impl FnOnce() -> String) {
        if let Some(op) = &mut self.op {
            op.seen.push(what());
        }
    }

    /// The error of the current operation's expired deadline: the phase, how long it waited
    /// and what the node sent meanwhile.
    fn deadline_error(&self, phase: Timeout, now: Instant) -> Error {
        let Some(op) = &self.op else { return Error::Timeout(phase) };
        let mut seen = op.seen.describe();
        if op.signed_own && op.seen.items.back().is_some_and(|l| l.ends_with("(signed)")) {
            seen.push_str(
                "; no answer after this client's signature (the node ignores a signature it \
                 cannot verify, such as one for another network id)",
            );
        }
        Error::Deadline { phase, waited: now.saturating_duration_since(op.phase_started), seen }
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
        log::debug!("operation: {:?}", b.kind);
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
            aborting: None,
            phase_started: Instant::now(),
            seen: Seen::default(),
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
        self.report_phase();
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
                    self.emit(io, Event::RpcError(e.clone()));
                    if self.op.as_ref().is_some_and(|o| o.aborting.is_some()) {
                        self.finish(Err(Error::from(e)));
                    }
                }
            }
            Some(Purpose::Fetch) => self.on_fetched(result, io),
            Some(Purpose::Resync) => self.on_resynced(result, io),
            Some(Purpose::Keepalive) | None => {}
        }
        self.report_phase();
    }

    fn on_unmatched_error(&mut self, error: RpcError, io: &mut Io<'_>) {
        log::warn!("the node reports an error: {error}");
        if self.view.phase == Phase::Connecting {
            // The node refused the connection: the channel is as it was before.
            self.view.phase = self.before_connect;
            if let Some(tx) = self.fsm_up.take() {
                let _ = tx.try_send(Err(Error::Rejected(Box::new(error.clone()))));
            }
            self.finish(Err(Error::Rejected(Box::new(error.clone()))));
        }
        self.emit(io, Event::RpcError(error));
        self.report_phase();
    }

    fn on_command(&mut self, command: SessionCommand, io: &mut Io<'_>) {
        match command {
            SessionCommand::Begin(b) => self.begin(*b, io),
            SessionCommand::Abandon => {
                self.op = None;
            }
            SessionCommand::AbortNext(code) => self.abort_next = Some(code),
        }
    }

    fn next_wakeup(&self) -> Option<Instant> {
        let deadline = self.op.as_ref().map(|o| o.deadline);
        let idle = self.op.is_none() && self.view.phase == Phase::Open;
        let keepalive = self.keepalive.as_ref().filter(|_| idle).map(|k| after(k.last, k.interval));
        deadline.into_iter().chain(keepalive).min()
    }

    fn on_tick(&mut self, now: Instant, io: &mut Io<'_>) {
        self.report_phase();
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
                let e = self.deadline_error(phase, now);
                log::warn!("deadline hit: {e}");
                self.finish(Err(e));
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
        self.report_phase();
    }
}
