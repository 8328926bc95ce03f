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

mod closing;
mod flood;
mod handler;
mod routing;

use std::io::{self, Read, Write};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use tungstenite::{Message, WebSocket};

pub(crate) use handler::{Handler, Io, Shared};

use crate::command::{Command, Reply};
use crate::config::{after, ConnectionConfig};
use crate::error::{Error, Timeout};
use crate::events::{Event, EventSink};
use crate::logging::{self, Dir};
use crate::pending::{PendingCalls, Waiter};
use crate::trace::Direction;
use crate::transport::is_no_data;
use closing::{fail_queued, owner_close, take_cause, write_frame};
use flood::FloodMeter;
use routing::route;

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
        if self.closing.is_some() {
            // Closing: what the handles ask for now fails at once (each dropped command drops
            // its caller's reply channel) instead of waiting for the end of the close.
            while self.commands.try_recv().is_ok() {}
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
