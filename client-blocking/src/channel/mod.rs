//! The channel handle: blocking operations, each returning when the node confirms it or
//! failing with a typed error.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aesc_codec::jsonrpc::Method;
use aesc_codec::tx::SignedTx;
use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::channel_config::StoreChoice;
use crate::channel_config::{ChannelConfig, ConfigError};
use crate::command::Command;
use crate::connection::Connection;
use crate::error::{Error, Timeout};
use crate::events::{EventSink, Events};
use crate::session::{Begin, OpKind, Outcome, Session, SessionCommand, SessionSetup};
use crate::store::ChannelStore;
use crate::view::{ChannelView, Phase};

/// Gas of an off-chain contract call: the node fixes it (`aesc_offchain_update`).
pub const OFFCHAIN_CALL_GAS: u64 = 1_000_000;
/// Gas price of an off-chain contract call, fixed by the node.
pub const OFFCHAIN_CALL_GAS_PRICE: u64 = 1;

/// One party's end of a state channel.
///
/// Created by [`Channel::open`] (or [`Channel::connect`] + [`Channel::wait_open`]), by
/// [`Channel::reestablish`] from a saved [`ChannelView`], or by [`Channel::resume`] from the
/// state store. Every operation blocks until the node confirms it and fails with a typed
/// [`Error`] otherwise; none waits longer than its deadline ([`crate::Deadlines`]).
///
/// Sign requests are answered on the I/O thread: those for the user's own operations after
/// checking them against what was asked, the other party's proposals after the checks and
/// the [`crate::policy::SigningPolicy`].
pub struct Channel {
    cfg: ChannelConfig,
    conn: Option<Connection<Session>>,
    parked: Option<Session>,
    shared: Arc<Mutex<ChannelView>>,
    sink: EventSink,
    events: Events,
    /// The incoming messages, apart from the other events.
    messages: Events,
    pending: Mutex<Option<Receiver<Result<Outcome, Error>>>>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("config", &self.cfg)
            .field("view", &self.view())
            .finish_non_exhaustive()
    }
}

impl Channel {
    /// Opens a new channel: connects, signs the create transaction after checking it against
    /// the configured terms, and returns once the channel is open.
    ///
    /// The responder must connect first (its node listens for the initiator's). To run both
    /// parties from one thread, use [`Channel::connect`] for each, then [`Channel::wait_open`].
    ///
    /// # Errors
    /// A connection error, [`Error::Rejected`], [`Error::Refused`] when the create
    /// transaction does not match the terms, or [`Error::Timeout`] naming the phase.
    pub fn open(cfg: ChannelConfig) -> Result<Channel, Error> {
        let ch = Channel::connect(cfg)?;
        ch.wait_open()?;
        Ok(ch)
    }

    /// Connects to open a new channel and returns after `fsm_up`; the opening continues on
    /// the I/O thread. Finish with [`Channel::wait_open`].
    ///
    /// # Errors
    /// [`Error::InvalidState`] without channel terms in the configuration, a connection error,
    /// [`Error::Rejected`], or a [`Timeout::FsmUp`].
    pub fn connect(cfg: ChannelConfig) -> Result<Channel, Error> {
        let terms = cfg.terms.clone().ok_or(Error::InvalidState {
            operation: "open",
            reason: "the configuration has no channel terms",
        })?;
        let url = cfg.open_url().map_err(|_: ConfigError| Error::InvalidState {
            operation: "open",
            reason: "incomplete channel terms",
        })?;
        log::info!("opening a channel as {} with {}", cfg.role.as_str(), cfg.peer);
        let mut view = ChannelView::new(cfg.role, cfg.account(), cfg.peer);
        view.channel_reserve = terms.channel_reserve.clone();
        let store = cfg.store.as_ref().map(StoreChoice::open).transpose()?;
        let mut ch = Channel::with_view(cfg, view, store, None);
        ch.start(&url, OpKind::Open(terms))?;
        Ok(ch)
    }

    fn with_view(
        cfg: ChannelConfig,
        view: ChannelView,
        store: Option<Arc<dyn ChannelStore>>,
        pending: Option<SignedTx>,
    ) -> Channel {
        let (sink, events) =
            EventSink::new(cfg.connection.event_capacity, cfg.connection.event_bytes);
        let shared = Arc::new(Mutex::new(view.clone()));
        let session = Session::new(SessionSetup {
            signer: cfg.signer.clone(),
            network: cfg.network_id.clone(),
            policy: cfg.policy.clone(),
            fee_cap: cfg.fee_cap.clone(),
            deadlines: cfg.deadlines,
            view,
            shared: shared.clone(),
            store,
            pending,
            events: sink.clone(),
            fsm_keepalive: cfg.fsm_keepalive,
        });
        Channel {
            cfg,
            conn: None,
            parked: Some(session),
            shared,
            messages: sink.subscribe_messages(),
            sink,
            events,
            pending: Mutex::new(None),
        }
    }

    /// Takes the session back from a finished connection.
    fn take_session(&mut self) -> Option<Session> {
        if let Some(s) = self.parked.take() {
            return Some(s);
        }
        let mut conn = self.conn.take()?;
        conn.shutdown()
    }

    fn start(&mut self, url: &str, kind: OpKind) -> Result<(), Error> {
        let mut session = self.take_session().ok_or(Error::InvalidState {
            operation: "connect",
            reason: "the channel's session was lost",
        })?;
        let (done, done_rx) = crossbeam_channel::bounded(1);
        let (up, up_rx) = crossbeam_channel::bounded(1);
        session.arm(kind, done, up);
        let conn = match Connection::open(url, &self.cfg.connection, session, self.sink.clone()) {
            Ok(c) => c,
            Err((e, session)) => {
                self.parked = session;
                return Err(e);
            }
        };
        self.conn = Some(conn);
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(done_rx);
        let wait = self.cfg.deadlines.fsm_up.saturating_add(Duration::from_secs(1));
        match up_rx.recv_timeout(wait) {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e),
            Err(RecvTimeoutError::Timeout) => Err(Error::Timeout(Timeout::FsmUp)),
            Err(RecvTimeoutError::Disconnected) => Err(self.disconnected()),
        }
    }

    fn disconnected(&self) -> Error {
        match &self.conn {
            Some(c) => c.disconnected(),
            None => Error::Disconnected(Arc::new(Error::Closed)),
        }
    }

    /// Waits until the channel opened by [`Channel::connect`] is open (or the one started by
    /// [`Channel::start_reestablish`] is usable again).
    ///
    /// # Errors
    /// What the opening failed with; [`Error::InvalidState`] when nothing is pending.
    pub fn wait_open(&self) -> Result<(), Error> {
        let rx = self.pending.lock().unwrap_or_else(PoisonError::into_inner).take();
        let Some(rx) = rx else {
            return match self.view().phase {
                Phase::Open => Ok(()),
                _ => Err(Error::InvalidState { operation: "wait_open", reason: "nothing pending" }),
            };
        };
        let d = &self.cfg.deadlines;
        let wait = d
            .fsm_up
            .saturating_add(d.open.max(d.reestablish))
            .saturating_add(Duration::from_secs(1));
        self.wait_outcome(&rx, wait).map(|_| ())
    }

    fn wait_outcome(
        &self,
        rx: &Receiver<Result<Outcome, Error>>,
        wait: Duration,
    ) -> Result<Outcome, Error> {
        match rx.recv_timeout(wait) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => {
                log::warn!("no outcome within {wait:?}: the operation is given up");
                if let Some(c) = &self.conn {
                    let _ = c.send(
                        Command::Session(SessionCommand::Abandon),
                        Duration::from_millis(100),
                    );
                }
                Err(Error::Timeout(Timeout::Operation))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.disconnected()),
        }
    }

    /// Answers the next sign request of this client's own operation (a settle, a transfer,
    /// a close, …) with the abort code `code` instead of a signature. The operation then
    /// fails with [`Error::Aborted`] once the node confirms with `aborted_update`; nothing is
    /// signed and the channel stays as it was. Codes are the user's own (the node reserves
    /// none but 0, which is refused here); the other party sees a conflict with that code.
    ///
    /// # Errors
    /// [`Error::InvalidState`] for code 0, or a connection error.
    pub fn abort_next_sign_request(&self, code: u16) -> Result<(), Error> {
        if code == 0 {
            return Err(Error::InvalidState {
                operation: "abort",
                reason: "abort code 0 means no error",
            });
        }
        let conn = self.conn()?;
        conn.send(Command::Session(SessionCommand::AbortNext(code)), conn.call_timeout())
    }

    /// Closes this client's connection without touching the channel (the FSM at the node
    /// keeps running or stops, depending on its state and `keep_running`).
    pub fn disconnect(&mut self) {
        if let Some(s) = self.take_session() {
            self.parked = Some(s);
        }
    }

    /// Closes the connection and gives the state store up (a file store's lock is released),
    /// so that another handle can take the channel over, in this process or another (with
    /// [`Channel::reestablish`] or [`Channel::resume`]). This handle no longer writes the store.
    pub fn release_store(&mut self) {
        self.disconnect();
        if let Some(s) = self.parked.as_mut() {
            s.release_store();
        }
    }

    /// Closes the socket from any thread, without waiting: an operation waiting on another
    /// thread fails with [`Error::Disconnected`] at once. The channel stays as it was (use
    /// [`Channel::reconnect`] later).
    pub fn abort_connection(&self) {
        if let Some(c) = &self.conn {
            c.request_close();
        }
    }

    /// Closes the connection and drops the handle.
    pub fn close(mut self) {
        self.disconnect();
    }

    /// A snapshot of the client's own view (round, balances, latest co-signed state).
    pub fn view(&self) -> ChannelView {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The events of this channel (they continue across reconnects). Clones of the returned
    /// stream share it (each event goes to one of them); for a consumer of its own that gets
    /// every event, use [`Channel::subscribe`].
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// A new event stream that gets every event from now on, independently of
    /// [`Channel::events`] and of other subscribers (each bounded as configured).
    pub fn subscribe(&self) -> Events {
        self.sink.subscribe()
    }

    /// The configuration.
    pub fn config(&self) -> &ChannelConfig {
        &self.cfg
    }

    /// Whether the socket is up.
    pub fn is_connected(&self) -> bool {
        self.conn.as_ref().is_some_and(Connection::is_alive)
    }

    pub(super) fn conn(&self) -> Result<&Connection<Session>, Error> {
        match &self.conn {
            Some(c) if c.is_alive() => Ok(c),
            Some(c) => Err(c.disconnected()),
            None => Err(Error::Disconnected(Arc::new(Error::Closed))),
        }
    }

    /// Calls any method on this channel's connection and returns the raw result (for methods
    /// the channel API does not wrap, such as `channels.history.fetch`). Do not use it for
    /// requests that lead to sign requests: those would be refused as not asked for.
    ///
    /// # Errors
    /// [`Error::Rpc`], a connection error or a timeout.
    pub fn call_raw(
        &self,
        method: &str,
        params: &serde_json::Value,
    ) -> Result<serde_json::Value, Error> {
        let conn = self.conn()?;
        conn.call(method, params, conn.call_timeout())
    }

    pub(super) fn call<M: Method>(&self, m: &M) -> Result<M::Output, Error> {
        let conn = self.conn()?;
        let v = conn.call(M::NAME, &m.to_params(), conn.call_timeout())?;
        M::parse_output(&v).map_err(|_| Error::Output { method: M::NAME })
    }

    pub(super) fn run<M: Method>(
        &self,
        kind: OpKind,
        request: Option<&M>,
    ) -> Result<Outcome, Error> {
        let conn = self.conn()?;
        let (done, rx) = crossbeam_channel::bounded(1);
        let request = request.map(|m| (M::NAME, m.to_params()));
        let begin = Begin { kind, request, done };
        conn.send(Command::Session(SessionCommand::Begin(Box::new(begin))), conn.call_timeout())?;
        let d = &self.cfg.deadlines;
        let wait = [d.co_signed.max(d.on_chain), d.leave, Duration::from_secs(1)]
            .into_iter()
            .fold(d.sign_request, Duration::saturating_add);
        self.wait_outcome(&rx, wait)
    }

    pub(super) fn round_of(outcome: Outcome) -> Result<u64, Error> {
        match outcome {
            Outcome::Round(r) => Ok(r),
            _ => Err(Error::Output { method: "co-signed state" }),
        }
    }

    pub(super) fn tx_of(outcome: Outcome) -> Result<SignedTx, Error> {
        match outcome {
            Outcome::Closed(tx) | Outcome::OnChain(tx) | Outcome::Left(tx) => Ok(*tx),
            _ => Err(Error::Output { method: "on-chain transaction" }),
        }
    }
}

mod onchain;
mod queries;
mod reattach;
mod updates;

impl Drop for Channel {
    fn drop(&mut self) {
        self.disconnect();
    }
}

/// A failed resume after a close this client signed: the node no longer runs the channel.
fn gone_after_close(e: Error, close: Option<SignedTx>) -> Error {
    match close {
        Some(close) if e.is_disconnect() || matches!(e, Error::Rejected(_)) => {
            Error::GoneAfterClose { close: Box::new(close), cause: Box::new(e) }
        }
        _ => e,
    }
}
