//! The handle side of a connection: hands the connected socket to a reactor (a shared one,
//! or a private I/O thread) and talks to it through a bounded command queue plus a notice.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use aesc_codec::jsonrpc::{NodeEvent, Notification};
use crossbeam_channel::{Receiver, RecvTimeoutError, SendTimeoutError, Sender};
use serde_json::Value;

use crate::command::Command;
use crate::config::ConnectionConfig;
use crate::driver::{Driver, Handler, Io, Shared};
use crate::error::{Error, RpcError, Timeout};
use crate::events::{Event, EventSink, Events};
use crate::frame;
use crate::logging;
use crate::reactor::{Notifier, Reactor, Source};
use crate::trace::Direction;
use crate::transport;

/// A running connection with handler `H` inside its reactor.
pub(crate) struct Connection<H: Handler> {
    commands: Sender<Command<H::Command>>,
    notifier: Notifier,
    token: usize,
    shared: Arc<Shared>,
    /// The handler, once the connection has ended.
    done: Option<Receiver<H>>,
    /// The private reactor's thread, when the configuration named no reactor.
    thread: Option<JoinHandle<()>>,
    call_timeout: Duration,
}

impl<H: Handler> std::fmt::Debug for Connection<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("alive", &self.is_alive()).finish_non_exhaustive()
    }
}

impl<H: Handler> Connection<H> {
    /// Connects to `url` and starts the I/O thread running `handler`.
    pub(crate) fn open(
        url: &str,
        cfg: &ConnectionConfig,
        handler: H,
        events: EventSink,
    ) -> Result<Self, (Error, Option<H>)> {
        let base = url.split('?').next().unwrap_or(url);
        log::info!("connecting to {base}");
        log::debug!("connect URL {}", logging::url(url));
        let ws = match transport::open(url, cfg) {
            Ok(ws) => ws,
            Err(e) => {
                log::warn!("connecting to {base} failed: {e}");
                if let Some(t) = &cfg.trace {
                    let reason = e.to_string();
                    crate::trace::emit(t.as_ref(), Direction::Close, |r| {
                        r.url = Some(url);
                        r.reason = Some(&reason);
                    });
                }
                return Err((e, Some(handler)));
            }
        };
        log::info!("connected to {base}");
        if let Some(t) = &cfg.trace {
            crate::trace::emit(t.as_ref(), Direction::Open, |r| r.url = Some(url));
        }
        let io_err = |e: std::io::Error| Error::WebSocket(Box::new(e.into()));
        let source = match transport::tcp_of(&ws).map(Source::of) {
            Some(Ok(source)) => source,
            Some(Err(e)) => return Err((io_err(e), Some(handler))),
            None => return Err((io_err(std::io::Error::other("no TCP stream")), Some(handler))),
        };
        let (reactor, thread) = match &cfg.reactor {
            Some(r) => (r.clone(), None),
            None => {
                // Named after the role when the URL gives one, so that log lines (with thread
                // names) of two parties in one process tell them apart.
                let role = url.split(['?', '&']).find_map(|p| p.strip_prefix("role="));
                let name = role.map_or_else(|| "aesc-io".to_owned(), |r| format!("aesc-io-{r}"));
                match Reactor::spawn(name) {
                    Ok((r, t)) => (r, Some(t)),
                    Err(e) => return Err((io_err(e), Some(handler))),
                }
            }
        };
        let (commands, rx) = crossbeam_channel::bounded(cfg.command_capacity.max(1));
        let shared = Arc::new(Shared::new());
        let driver = Driver::new(ws, rx, handler, events, shared.clone(), cfg.clone());
        let (notifier, token, done) = reactor.run(driver, source).map_err(|e| (io_err(e), None))?;
        Ok(Connection {
            commands,
            notifier,
            token,
            shared,
            done: Some(done),
            thread,
            call_timeout: cfg.call_timeout,
        })
    }

    /// The next request id.
    pub(crate) fn next_id(&self) -> u64 {
        self.shared.ids.fetch_add(1, Ordering::Relaxed)
    }

    /// The reason the I/O thread ended, wrapped for callers.
    pub(crate) fn disconnected(&self) -> Error {
        match self.shared.cause.get() {
            Some(c) => Error::Disconnected(c.clone()),
            None => Error::Disconnected(Arc::new(Error::Closed)),
        }
    }

    /// Whether the connection still runs.
    pub(crate) fn is_alive(&self) -> bool {
        self.shared.cause.get().is_none()
    }

    /// Queues a command and wakes the reactor; waits at most `timeout` for queue space.
    pub(crate) fn send(
        &self,
        command: Command<H::Command>,
        timeout: Duration,
    ) -> Result<(), Error> {
        match self.commands.send_timeout(command, timeout) {
            Ok(()) => {}
            Err(SendTimeoutError::Timeout(_)) => return Err(Error::Timeout(Timeout::Call)),
            Err(SendTimeoutError::Disconnected(_)) => return Err(self.disconnected()),
        }
        self.notifier.notify(self.token, &self.shared);
        Ok(())
    }

    /// Calls `method` and waits up to `timeout` for the result.
    pub(crate) fn call(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
    ) -> Result<Value, Error> {
        let deadline = crate::config::after(Instant::now(), timeout);
        let id = self.next_id();
        let (reply, answer) = crossbeam_channel::bounded(1);
        let frame = frame::request(id, method, params);
        self.send(Command::Call { id, frame, reply }, timeout)?;
        match answer.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => {
                let _ = self.send(Command::Cancel { id }, Duration::from_millis(100));
                Err(Error::Timeout(Timeout::Call))
            }
            Err(RecvTimeoutError::Disconnected) => Err(self.disconnected()),
        }
    }

    /// The default deadline of calls.
    pub(crate) fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// Asks the reactor to close the connection without waiting for it: every call waiting
    /// on another thread then fails with [`Error::Disconnected`].
    pub(crate) fn request_close(&self) {
        if self.is_alive() {
            self.shared.close.store(true, Ordering::Release);
            self.notifier.notify(self.token, &self.shared);
        }
    }

    /// Closes the connection and waits until it has ended (and a private reactor's thread
    /// with it); returns the handler.
    pub(crate) fn shutdown(&mut self) -> Option<H> {
        if self.notifier.on_reactor_thread() {
            // Dropped by a callback on the reactor's own thread: waiting there would stop the
            // reactor for good. The connection closes on the reactor's next round.
            self.request_close();
            return None;
        }
        let done = self.done.take()?;
        self.request_close();
        let handler = done.recv().ok();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        handler
    }
}

impl<H: Handler> Drop for Connection<H> {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

/// The handler of a plain JSON-RPC client: every notification becomes an event.
#[derive(Debug, Default)]
pub(crate) struct Forward;

impl Handler for Forward {
    type Command = ();

    fn on_notification(&mut self, notification: Notification, io: &mut Io<'_>) {
        match NodeEvent::from_notification(&notification) {
            Ok(e) => io.emit(Event::Node(e)),
            Err(_) => io.emit(Event::Node(NodeEvent::Unknown {
                method: notification.method,
                data: notification.data,
            })),
        }
    }

    fn on_response(&mut self, _tag: u64, _result: Result<Value, RpcError>, _io: &mut Io<'_>) {}

    fn on_command(&mut self, _command: (), _io: &mut Io<'_>) {}
}

/// A plain JSON-RPC client for the channel WebSocket API: one I/O thread, calls matched to
/// their responses by id, notifications as a typed event stream.
///
/// Use [`crate::Channel`] to run a channel; this type is the layer below it, useful for
/// requests the channel API does not wrap.
///
/// Clones share the connection; it closes when [`Client::disconnect`] is called on any clone
/// or the last clone is dropped.
#[derive(Debug, Clone)]
pub struct Client {
    conn: Arc<Connection<Forward>>,
    events: Events,
}

impl Client {
    /// Connects to a full node URL (`ws://host:port/channel?…`).
    ///
    /// # Errors
    /// [`Error::Url`], [`Error::Connect`], [`Error::Handshake`] or a connect/handshake
    /// [`Error::Timeout`].
    pub fn connect(url: &str, cfg: &ConnectionConfig) -> Result<Client, Error> {
        let (sink, events) = EventSink::new(cfg.event_capacity, cfg.event_bytes);
        let conn = Connection::open(url, cfg, Forward, sink).map_err(|(e, _)| e)?;
        Ok(Client { conn: Arc::new(conn), events })
    }

    /// Calls `method` with `params` and waits for the result (up to the call timeout).
    ///
    /// # Errors
    /// [`Error::Rpc`] when the node answers with an error, [`Error::Timeout`] with
    /// [`Timeout::Call`], or [`Error::Disconnected`].
    pub fn call(&self, method: &str, params: &Value) -> Result<Value, Error> {
        self.conn.call(method, params, self.conn.call_timeout())
    }

    /// As [`Client::call`] with an explicit deadline.
    ///
    /// # Errors
    /// As [`Client::call`].
    pub fn call_with_timeout(
        &self,
        method: &str,
        params: &Value,
        timeout: Duration,
    ) -> Result<Value, Error> {
        self.conn.call(method, params, timeout)
    }

    /// The notifications of this connection.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// Whether the connection is still up.
    pub fn is_connected(&self) -> bool {
        self.conn.is_alive()
    }

    /// Closes the connection (close handshake) from any clone, without waiting: calls
    /// waiting on other threads fail with [`Error::Disconnected`] at once.
    pub fn disconnect(&self) {
        self.conn.request_close();
    }

    /// Closes the connection and, if this is the last clone, waits for the I/O thread to
    /// finish.
    pub fn close(self) {
        self.conn.request_close();
        if let Ok(mut conn) = Arc::try_unwrap(self.conn) {
            let _ = conn.shutdown();
        }
    }
}
