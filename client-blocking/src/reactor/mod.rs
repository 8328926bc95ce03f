//! The reactor: one I/O thread that runs any number of connections.
//!
//! Every connection is a [`Driver`] registered with the reactor's `mio` poll under a token of
//! its own. The thread runs a connection when its socket is ready, when one of its handles
//! queued a command (the handle sends the token and wakes the poll, once per burst of
//! commands), or when the time it asked for has come (a heap of due times; nothing runs
//! periodically, so idle connections cost nothing). Each run is one bounded round of the
//! driver; a connection that has more to do goes to the back of the queue, so one busy or
//! hostile connection cannot delay the others. A panic in a connection's own code (a signer,
//! store or policy callback) ends that connection only.
//!
//! A connection opened without a [`Reactor`] gets a private one, whose thread ends with it.

mod event_loop;
mod source;

use std::io;
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use tungstenite::stream::MaybeTlsStream;

pub(crate) use source::Source;

use crate::driver::{Driver, Handler, Shared, Step};
use crate::error::Error;
use event_loop::Loop;

/// The poll token of the reactor's waker (connection tokens count up from zero).
const WAKER: mio::Token = mio::Token(usize::MAX);
/// How many readiness events one poll returns at most (more wait for the next poll).
const EVENTS: usize = 1024;

/// An I/O thread that any number of channels (and [`crate::Client`]s) share.
///
/// Without one, each connection runs on an I/O thread of its own, which is simplest for a
/// few channels. A process with many channels creates one reactor (or one per core) and puts
/// it in each channel's configuration ([`crate::ConnectionConfig::reactor`], or
/// `ChannelConfigBuilder::reactor`): every channel keeps its own bounded queues, deadlines and
/// events, and costs one file descriptor (its socket) and no thread.
///
/// Clones share the thread. It ends once every clone (including those inside configurations)
/// is dropped and every connection it runs has ended.
///
/// A channel's callbacks (its [`crate::Signer`], [`crate::ChannelStore`] and
/// [`crate::policy::SigningPolicy`]) run on the reactor's thread, so every channel on it waits
/// while one runs: they should be quick and must not call channel operations (which wait for
/// the reactor); a signer that asks a person belongs on a thread of its own, behind a channel
/// (see `client-blocking/tests/signer.rs`).
///
/// ```no_run
/// let reactor = aesc_client::Reactor::new()?;
/// let cfg = aesc_client::ConnectionConfig::default().reactor(&reactor);
/// let a = aesc_client::Client::connect("ws://127.0.0.1:3014/channel?…", &cfg);
/// let b = aesc_client::Client::connect("ws://127.0.0.1:3014/channel?…", &cfg);
/// # let _ = (a, b);
/// # Ok::<_, std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct Reactor {
    inner: Arc<Inner>,
    notifier: Notifier,
    tokens: Arc<AtomicUsize>,
    live: Arc<AtomicUsize>,
}

/// The submission queue; dropping the last handle closes it and wakes the thread, which then
/// ends once its connections have.
struct Inner {
    submit: Option<Sender<Submission>>,
    waker: Arc<mio::Waker>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        drop(self.submit.take());
        let _ = self.waker.wake();
    }
}

impl std::fmt::Debug for Reactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reactor").field("connections", &self.connections()).finish()
    }
}

impl Reactor {
    /// Starts a reactor on a new thread named `aesc-reactor`.
    ///
    /// # Errors
    /// When the poll or the thread cannot be created.
    pub fn new() -> io::Result<Reactor> {
        Reactor::named("aesc-reactor")
    }

    /// Starts a reactor on a new thread with the given name (log lines carry it).
    ///
    /// # Errors
    /// When the poll or the thread cannot be created.
    pub fn named(name: impl Into<String>) -> io::Result<Reactor> {
        Reactor::spawn(name.into()).map(|(reactor, _thread)| reactor)
    }

    /// How many connections it runs now.
    pub fn connections(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    pub(crate) fn spawn(name: String) -> io::Result<(Reactor, JoinHandle<()>)> {
        let poll = mio::Poll::new()?;
        let waker = Arc::new(mio::Waker::new(poll.registry(), WAKER)?);
        let (submit, submissions) = crossbeam_channel::unbounded();
        let (notices_tx, notices) = crossbeam_channel::unbounded();
        let live = Arc::new(AtomicUsize::new(0));
        let thread_live = live.clone();
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || Loop::new(poll, submissions, notices, thread_live).run())?;
        let inner = Arc::new(Inner { submit: Some(submit), waker: waker.clone() });
        let notifier = Notifier { tx: notices_tx, waker, thread: thread.thread().id() };
        let tokens = Arc::new(AtomicUsize::new(0));
        Ok((Reactor { inner, notifier, tokens, live }, thread))
    }

    /// Hands a connected driver to the reactor; the handler comes back on the returned
    /// receiver when the connection has ended.
    pub(crate) fn run<H: Handler>(
        &self,
        driver: Driver<MaybeTlsStream<TcpStream>, H>,
        source: Source,
    ) -> io::Result<(Notifier, usize, Receiver<H>)> {
        let token = self.tokens.fetch_add(1, Ordering::Relaxed);
        let (done, handler) = crossbeam_channel::bounded(1);
        let shared = driver.shared().clone();
        let task = Box::new(Running { driver, done });
        self.live.fetch_add(1, Ordering::Relaxed);
        let submission = Submission { token, task, source, shared };
        let sent = self.inner.submit.as_ref().map(|s| s.send(submission));
        if !matches!(sent, Some(Ok(()))) {
            self.live.fetch_sub(1, Ordering::Relaxed);
            return Err(io::Error::other("the reactor has stopped"));
        }
        self.notifier.waker.wake()?;
        Ok((self.notifier.clone(), token, handler))
    }
}

/// Tells the reactor that a connection needs attention.
#[derive(Debug, Clone)]
pub(crate) struct Notifier {
    tx: Sender<usize>,
    waker: Arc<mio::Waker>,
    thread: std::thread::ThreadId,
}

impl Notifier {
    /// Whether the calling thread is the reactor's own (a callback of one of its connections
    /// runs there): it must not wait for the reactor then.
    pub(crate) fn on_reactor_thread(&self) -> bool {
        std::thread::current().id() == self.thread
    }

    /// Queues `token` to run and wakes the poll, unless it is queued already.
    pub(crate) fn notify(&self, token: usize, shared: &Shared) {
        if !shared.notified.swap(true, Ordering::AcqRel) {
            // A reactor that has stopped has ended the connection too; the handle sees that.
            let _ = self.tx.send(token);
            let _ = self.waker.wake();
        }
    }
}

/// A connection as the reactor sees it.
trait Task: Send {
    fn mark_readable(&mut self);
    fn step(&mut self) -> Step;
    fn finish(self: Box<Self>, cause: Error);
}

struct Running<H: Handler> {
    driver: Driver<MaybeTlsStream<TcpStream>, H>,
    done: Sender<H>,
}

impl<H: Handler> Task for Running<H> {
    fn mark_readable(&mut self) {
        self.driver.mark_readable();
    }

    fn step(&mut self) -> Step {
        self.driver.step()
    }

    fn finish(self: Box<Self>, cause: Error) {
        let Running { driver, done } = *self;
        let _ = done.send(driver.finish(cause));
    }
}

struct Submission {
    token: usize,
    task: Box<dyn Task>,
    source: Source,
    shared: Arc<Shared>,
}
