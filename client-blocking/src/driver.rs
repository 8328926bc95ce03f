//! One connection's I/O loop: the only code that touches the socket.
//!
//! A [`Driver`] owns the WebSocket. Each round ([`Driver::step`]) it takes the commands queued
//! by the handles, writes their frames, reads a bounded burst of the frames the node sent
//! (routing responses through the pending-call table and notifications to the session), sends
//! keepalive pings and checks deadlines, then says when it next needs to run. The reactor
//! ([`crate::reactor`]) that runs it sleeps until the socket is readable or writable, a handle
//! wakes it, or that time.
//!
//! When the loop ends, for whatever reason, every waiting call fails with
//! [`Error::Disconnected`] carrying the cause, and the last event is
//! [`Event::Disconnected`].

use std::io::{self, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use aesc_codec::jsonrpc::{self, Id, Incoming, Notification, Response, ResponsePayload};
use crossbeam_channel::{Receiver, TryRecvError};
use serde_json::Value;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

use crate::command::{Command, Reply};
use crate::config::{after, ConnectionConfig};
use crate::error::{Error, RpcError, Timeout};
use crate::events::{Event, EventSink};
use crate::frame;
use crate::logging::{self, Dir};
use crate::pending::{PendingCalls, Waiter};
use crate::trace::Direction;
use crate::transport::is_no_data;

/// The protocol logic running inside the I/O thread.
pub(crate) trait Handler: Send + 'static {
    /// The handler's own commands.
    type Command: Send + 'static;

    /// A notification arrived.
    fn on_notification(&mut self, notification: Notification, io: &mut Io<'_>);

    /// The response to a request the handler sent with [`Io::request`].
    fn on_response(&mut self, tag: u64, result: Result<Value, RpcError>, io: &mut Io<'_>);

    /// An error frame with `id: null`.
    fn on_unmatched_error(&mut self, error: RpcError, io: &mut Io<'_>) {
        io.emit(Event::RpcError(error));
    }

    /// A command from a handle.
    fn on_command(&mut self, command: Self::Command, io: &mut Io<'_>);

    /// Called every round, for the handler's own deadlines.
    fn on_tick(&mut self, _now: Instant, _io: &mut Io<'_>) {}

    /// When the handler's next timer is due (the I/O thread sleeps until then at most).
    fn next_wakeup(&self) -> Option<Instant> {
        None
    }

    /// The owner asked to close the connection; nothing more will be answered.
    fn on_close_requested(&mut self) {}

    /// The connection ended.
    fn on_end(&mut self, _cause: &Arc<Error>, _events: &EventSink) {}
}

/// What a handler may do: send frames and emit events.
#[derive(Debug)]
pub(crate) struct Io<'a> {
    frames: &'a mut Vec<String>,
    pending: &'a mut PendingCalls<Reply>,
    ids: &'a AtomicU64,
    events: &'a EventSink,
}

impl Io<'_> {
    /// Sends a request whose response comes back through [`Handler::on_response`] with `tag`.
    pub(crate) fn request(&mut self, method: &str, params: &Value, tag: u64) -> u64 {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        // Ids come from one counter, so they are unique.
        let _ = self.pending.insert(id, Waiter::Session(tag));
        self.frames.push(frame::request(id, method, params));
        id
    }

    /// Emits an event.
    pub(crate) fn emit(&self, event: Event) {
        self.events.emit(event);
    }
}

/// What the handles and the I/O thread share.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Why the I/O thread ended, once it has.
    pub(crate) cause: OnceLock<Arc<Error>>,
    /// Request ids.
    pub(crate) ids: AtomicU64,
    /// A handle asked for the connection to close (seen even when the command queue is full).
    pub(crate) close: AtomicBool,
    /// A handle has told the reactor that this connection needs attention, and the reactor
    /// has not yet run it since (so that a burst of commands wakes it once).
    pub(crate) notified: AtomicBool,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            cause: OnceLock::new(),
            ids: AtomicU64::new(1),
            close: AtomicBool::new(false),
            notified: AtomicBool::new(false),
        }
    }
}

/// How [`Driver::run`] sleeps until there is something to do.
pub(crate) trait Wait {
    /// Sleeps up to `timeout`, returning early when the socket or a handle needs attention.
    ///
    /// # Errors
    /// When the readiness mechanism itself fails.
    fn wait(&mut self, timeout: Duration) -> io::Result<()>;
}

/// What one round of the I/O loop left behind.
#[derive(Debug)]
pub(crate) enum Step {
    /// More is ready at once (frames left in a read burst, a ping just written): run again
    /// after the other connections of the reactor had their turn.
    Again,
    /// Nothing to do until the socket or a handle says so, or the given time.
    Idle(Instant),
    /// The connection ended.
    Ended(Error),
}

/// The state of one connection's I/O loop: the WebSocket, the pending calls and the timers.
/// A reactor (or [`Driver::run`]) calls [`Driver::step`] when the socket or a handle needs
/// attention or the time it asked for has come, and [`Driver::finish`] once it ended.
pub(crate) struct Driver<S: Read + Write, H: Handler> {
    ws: WebSocket<S>,
    commands: Receiver<Command<H::Command>>,
    handler: H,
    events: EventSink,
    shared: Arc<Shared>,
    cfg: ConnectionConfig,
    pending: PendingCalls<Reply>,
    frames: Vec<String>,
    last_rx: Instant,
    next_ping: Option<Instant>,
    closing: Option<(Instant, Error)>,
    flood: FloodMeter,
    /// The socket may have data: it has not been read to "would block" since its last
    /// readiness. A round that runs for a handle's command or a timer skips reading otherwise
    /// (with edge-triggered readiness, new data always brings a new readiness event).
    readable: bool,
}

impl<S: Read + Write, H: Handler> Driver<S, H> {
    /// A driver for a connected WebSocket.
    pub(crate) fn new(
        ws: WebSocket<S>,
        commands: Receiver<Command<H::Command>>,
        handler: H,
        events: EventSink,
        shared: Arc<Shared>,
        cfg: ConnectionConfig,
    ) -> Self {
        let now = Instant::now();
        Driver {
            ws,
            commands,
            handler,
            events,
            shared,
            next_ping: cfg.ping_interval.map(|p| after(now, p)),
            flood: FloodMeter::new(cfg.max_frames_per_second),
            cfg,
            pending: PendingCalls::default(),
            frames: Vec::new(),
            last_rx: now,
            closing: None,
            readable: true,
        }
    }

    /// The socket reported readiness: the next round reads it.
    pub(crate) fn mark_readable(&mut self) {
        self.readable = true;
    }

    /// What the handles and this driver share.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Runs on the calling thread until the connection ends, sleeping through `wait`; returns
    /// the handler.
    pub(crate) fn run(mut self, wait: &mut impl Wait) -> H {
        loop {
            self.readable = true;
            match self.step() {
                Step::Again => {}
                Step::Idle(due) => {
                    if let Err(e) = wait.wait(due.saturating_duration_since(Instant::now())) {
                        return self.finish(Error::WebSocket(Box::new(e.into())));
                    }
                }
                Step::Ended(cause) => return self.finish(cause),
            }
        }
    }

    /// One round: the handles' commands, the writes they queued, a bounded burst of reads,
    /// then timers. Never blocks.
    pub(crate) fn step(&mut self) -> Step {
        match self.round() {
            Ok(step) => step,
            Err(cause) => Step::Ended(cause),
        }
    }

    fn io(&mut self) -> (&mut H, Io<'_>) {
        let io = Io {
            frames: &mut self.frames,
            pending: &mut self.pending,
            ids: &self.shared.ids,
            events: &self.events,
        };
        (&mut self.handler, io)
    }

    fn owner_close(&mut self) {
        self.closing = Some(owner_close(
            &mut self.ws,
            &self.cfg,
            &mut self.pending,
            &mut self.handler,
            &mut self.frames,
        ));
    }

    fn round(&mut self) -> Result<Step, Error> {
        // 1. Commands from the handles.
        if self.closing.is_none() && self.shared.close.load(Ordering::Acquire) {
            self.owner_close();
        }
        while self.closing.is_none() {
            let command = match self.commands.try_recv() {
                Ok(c) => c,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.owner_close();
                    break;
                }
            };
            match command {
                Command::Call { id, frame, reply } => {
                    if self.pending.insert(id, Waiter::Caller(reply)).is_ok() {
                        self.frames.push(frame);
                    }
                }
                Command::Cancel { id } => {
                    self.pending.cancel(id);
                }
                Command::Session(c) => {
                    let (handler, mut io) = self.io();
                    handler.on_command(c, &mut io);
                }
            }
        }

        // 2. Write what was queued.
        self.flush_frames()?;

        // 3. Read what is available, up to a burst: a node that floods cannot keep the
        // handles' requests, deadlines and closing waiting, nor other connections of a reactor.
        let more = self.readable && self.read_burst()?;
        self.readable = more;

        // 4. Deadlines (also between bursts of a busy connection).
        let now = Instant::now();
        {
            let (handler, mut io) = self.io();
            handler.on_tick(now, &mut io);
        }
        if let Some((deadline, _)) = &self.closing {
            if now >= *deadline {
                return Err(Error::Timeout(Timeout::Close));
            }
        } else if let (Some(ping), Some(interval)) = (self.next_ping, self.cfg.ping_interval) {
            if now.duration_since(self.last_rx)
                > interval.saturating_add(self.cfg.keepalive_timeout)
            {
                return Err(Error::Timeout(Timeout::Keepalive));
            }
            if now >= ping {
                if let Err(e) = self.ws.write(Message::Ping(Default::default())) {
                    if !is_no_data(&e) {
                        return Err(Error::WebSocket(Box::new(e)));
                    }
                }
                self.next_ping = Some(after(now, interval));
                return Ok(Step::Again);
            }
        }
        if !self.frames.is_empty() || more {
            // Replies the handler produced go out before sleeping; and more may be buffered,
            // which the readiness of an edge-triggered poll would not say again.
            return Ok(Step::Again);
        }

        // 5. Sleep until something happens or the next timer is due.
        let mut due = after(now, self.cfg.tick);
        if let Some(at) = self.handler.next_wakeup() {
            due = due.min(at);
        }
        if let Some(ping) = self.next_ping {
            due = due.min(ping);
        }
        if let Some((deadline, _)) = &self.closing {
            due = due.min(*deadline);
        }
        Ok(Step::Idle(due))
    }

    fn flush_frames(&mut self) -> Result<(), Error> {
        for f in std::mem::take(&mut self.frames) {
            if let Err(e) = write_frame(&mut self.ws, &self.cfg, f) {
                if !is_no_data(&e) {
                    return Err(Error::WebSocket(Box::new(e)));
                }
            }
        }
        match self.ws.flush() {
            Ok(()) => Ok(()),
            Err(e) if is_no_data(&e) => Ok(()),
            Err(e) if self.closing.is_some() => Err(take_cause(&mut self.closing, e)),
            Err(e) => Err(Error::WebSocket(Box::new(e))),
        }
    }

    /// Reads up to a burst of frames; whether more may be waiting.
    fn read_burst(&mut self) -> Result<bool, Error> {
        for _ in 0..self.cfg.read_burst.max(1) {
            let msg = match self.ws.read() {
                Ok(msg) => msg,
                Err(e) if is_no_data(&e) => return Ok(false),
                Err(tungstenite::Error::Capacity(_)) => {
                    return Err(Error::FrameTooLarge { limit: self.cfg.max_message_size });
                }
                Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                    return Err(self.closing.take().map_or(Error::Closed, |(_, c)| c));
                }
                Err(e) => return Err(take_cause(&mut self.closing, e)),
            };
            self.last_rx = Instant::now();
            if let Some(frames) = self.flood.count(self.last_rx) {
                return Err(Error::Flood { frames });
            }
            match msg {
                Message::Text(_) if self.closing.is_some() => {}
                Message::Text(text) => {
                    logging::frame(Dir::Recv, text.as_str());
                    if let Some(t) = &self.cfg.trace {
                        crate::trace::emit(t.as_ref(), Direction::Recv, |r| {
                            r.raw = Some(text.as_str())
                        });
                    }
                    self.events.weigh_as(text.len());
                    let (handler, mut io) = self.io();
                    route(text.as_str(), handler, &mut io);
                    self.events.weigh_as(0);
                }
                Message::Close(frame) => {
                    let (code, reason) = frame.map_or((1005, String::new()), |f| {
                        (u16::from(f.code), f.reason.as_str().to_owned())
                    });
                    log::debug!("the node closes the connection: code {code} {reason:?}");
                    if self.closing.is_none() {
                        self.closing = Some((
                            after(Instant::now(), self.cfg.close_timeout),
                            Error::ClosedByNode { code, reason },
                        ));
                    }
                }
                Message::Binary(_) => self.events.emit(Event::BinaryFrame),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
        Ok(true)
    }

    /// Ends the connection for `cause`: nobody is left waiting, the handler is told, the last
    /// event is [`Event::Disconnected`]. Returns the handler for reuse by a later connection.
    pub(crate) fn finish(self, cause: Error) -> H {
        let Driver { ws, commands, mut handler, events, shared, cfg, mut pending, .. } = self;
        logging::ended(&cause);
        if let Some(t) = &cfg.trace {
            let reason = match &cause {
                Error::ClosedByNode { reason, .. } => reason.clone(),
                other => other.to_string(),
            };
            crate::trace::emit(t.as_ref(), Direction::Close, |r| {
                if let Error::ClosedByNode { code, .. } = &cause {
                    r.code = Some(*code);
                }
                r.reason = Some(&reason);
            });
        }
        let cause = Arc::new(cause);
        let _ = shared.cause.set(cause.clone());
        for (_, waiter) in pending.drain() {
            if let Waiter::Caller(reply) = waiter {
                let _ = reply.try_send(Err(Error::Disconnected(cause.clone())));
            }
        }
        drop(ws);
        fail_queued(&commands, &cause);
        handler.on_end(&cause, &events);
        events.emit(Event::Disconnected { cause });
        handler
    }
}

/// Counts the frames of the current second.
#[derive(Debug)]
struct FloodMeter {
    limit: Option<u32>,
    since: Instant,
    frames: u32,
}

impl FloodMeter {
    fn new(limit: Option<u32>) -> Self {
        FloodMeter { limit, since: Instant::now(), frames: 0 }
    }

    /// Counts one frame; the count when it exceeds the limit.
    fn count(&mut self, now: Instant) -> Option<u32> {
        let limit = self.limit?;
        if now.saturating_duration_since(self.since) >= Duration::from_secs(1) {
            self.since = now;
            self.frames = 0;
        }
        self.frames = self.frames.saturating_add(1);
        (self.frames > limit).then_some(self.frames)
    }
}

fn take_cause(closing: &mut Option<(Instant, Error)>, e: tungstenite::Error) -> Error {
    match closing.take() {
        Some((_, c)) => c,
        None => Error::WebSocket(Box::new(e)),
    }
}

/// The owner closed the connection (or dropped every handle): the close handshake starts,
/// waiting callers fail, and the handler is told.
fn owner_close<S: Read + Write, H: Handler>(
    ws: &mut WebSocket<S>,
    cfg: &ConnectionConfig,
    pending: &mut PendingCalls<Reply>,
    handler: &mut H,
    frames: &mut Vec<String>,
) -> (Instant, Error) {
    // What the handler already answered (an abort, a signature) goes out before the close:
    // a node must not be left waiting for it.
    for f in frames.drain(..) {
        // A failure shows up again on the next read.
        let _ = write_frame(ws, cfg, f);
    }
    let closing = begin_close(ws, cfg, Error::Closed);
    fail_callers(pending);
    handler.on_close_requested();
    closing
}

/// Queues one text frame on the socket, logged and traced.
fn write_frame<S: Read + Write>(
    ws: &mut WebSocket<S>,
    cfg: &ConnectionConfig,
    frame: String,
) -> Result<(), tungstenite::Error> {
    logging::frame(Dir::Send, &frame);
    if let Some(t) = &cfg.trace {
        crate::trace::emit(t.as_ref(), Direction::Send, |r| r.raw = Some(&frame));
    }
    ws.write(Message::text(frame))
}

fn begin_close<S: Read + Write>(
    ws: &mut WebSocket<S>,
    cfg: &ConnectionConfig,
    cause: Error,
) -> (Instant, Error) {
    let frame = tungstenite::protocol::CloseFrame { code: CloseCode::Normal, reason: "".into() };
    // A failure here shows up again on the next read.
    let _ = ws.close(Some(frame));
    (after(Instant::now(), cfg.close_timeout), cause)
}

/// The owner closed the connection: answers still in flight are not waited for.
fn fail_callers(pending: &mut PendingCalls<Reply>) {
    let cause = Arc::new(Error::Closed);
    let mut sessions = Vec::new();
    for (id, waiter) in pending.drain() {
        match waiter {
            Waiter::Caller(reply) => {
                let _ = reply.try_send(Err(Error::Disconnected(cause.clone())));
            }
            Waiter::Session(tag) => sessions.push((id, tag)),
        }
    }
    for (id, tag) in sessions {
        let _ = pending.insert(id, Waiter::Session(tag));
    }
}

fn fail_queued<C>(commands: &Receiver<Command<C>>, cause: &Arc<Error>) {
    while let Ok(c) = commands.try_recv() {
        if let Command::Call { reply, .. } = c {
            let _ = reply.try_send(Err(Error::Disconnected(cause.clone())));
        }
    }
}

fn route<H: Handler>(text: &str, handler: &mut H, io: &mut Io<'_>) {
    match jsonrpc::decode_incoming(text) {
        Ok(Incoming::Response(r)) => route_response(r, handler, io),
        Ok(Incoming::Batch(rs)) => {
            for r in rs {
                route_response(r, handler, io);
            }
        }
        Ok(Incoming::Notification(n)) => handler.on_notification(n, io),
        Err(error) => {
            // A malformed answer still fails the call it answers, instead of leaving it to
            // its deadline.
            let id = serde_json::from_str::<Value>(text).ok().and_then(|v| v.get("id")?.as_u64());
            match id.and_then(|id| io.pending.complete(id)) {
                Some(Waiter::Caller(reply)) => {
                    let _ = reply.try_send(Err(Error::BadFrame(error)));
                }
                Some(Waiter::Session(tag)) => {
                    io.emit(Event::Malformed { error });
                    let e = RpcError::new(jsonrpc::ErrorCode::InternalError);
                    handler.on_response(tag, Err(e), io);
                }
                None => io.emit(Event::Malformed { error }),
            }
        }
    }
}

fn route_response<H: Handler>(r: Response, handler: &mut H, io: &mut Io<'_>) {
    let payload = match r.payload {
        ResponsePayload::Success(v) => Ok(v),
        ResponsePayload::Error(e) => Err(e),
    };
    match (r.id.as_u64(), payload) {
        (Some(id), payload) => match io.pending.complete(id) {
            Some(Waiter::Caller(reply)) => {
                let _ = reply.try_send(payload.map_err(Error::from));
            }
            Some(Waiter::Session(tag)) => handler.on_response(tag, payload, io),
            // A response to a call whose caller gave up.
            None => {}
        },
        (None, Err(e)) if r.id == Id::Null => handler.on_unmatched_error(e, io),
        // Ids this client never sends.
        (None, _) => {}
    }
}
