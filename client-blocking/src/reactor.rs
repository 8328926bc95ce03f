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

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::io;
use std::net::TcpStream;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use tungstenite::stream::MaybeTlsStream;

use crate::driver::{Driver, Handler, Shared, Step};
use crate::error::Error;

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

/// What the poll watches for a connection: its socket's descriptor itself, without a
/// duplicate.
#[cfg(unix)]
pub(crate) struct Source(std::os::fd::RawFd);

#[cfg(unix)]
impl Source {
    pub(crate) fn of(tcp: &TcpStream) -> io::Result<Source> {
        Ok(Source(std::os::fd::AsRawFd::as_raw_fd(tcp)))
    }

    fn register(&mut self, registry: &mio::Registry, token: mio::Token) -> io::Result<()> {
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        registry.register(&mut mio::unix::SourceFd(&self.0), token, interest)
    }

    fn deregister(&mut self, registry: &mio::Registry) {
        // The descriptor is closed right after, which removes it from the poll anyway.
        let _ = registry.deregister(&mut mio::unix::SourceFd(&self.0));
    }
}

/// What the poll watches for a connection: a duplicate of its socket.
#[cfg(not(unix))]
pub(crate) struct Source(mio::net::TcpStream);

#[cfg(not(unix))]
impl Source {
    pub(crate) fn of(tcp: &TcpStream) -> io::Result<Source> {
        Ok(Source(mio::net::TcpStream::from_std(tcp.try_clone()?)))
    }

    fn register(&mut self, registry: &mio::Registry, token: mio::Token) -> io::Result<()> {
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        registry.register(&mut self.0, token, interest)
    }

    fn deregister(&mut self, registry: &mio::Registry) {
        let _ = registry.deregister(&mut self.0);
    }
}

struct Entry {
    task: Box<dyn Task>,
    source: Source,
    shared: Arc<Shared>,
    /// When it asked to run next.
    due: Option<Instant>,
    /// Whether it is in the run queue.
    queued: bool,
}

/// The reactor thread's state.
struct Loop {
    poll: mio::Poll,
    submissions: Receiver<Submission>,
    notices: Receiver<usize>,
    live: Arc<AtomicUsize>,
    tasks: HashMap<usize, Entry>,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    queue: VecDeque<usize>,
}

impl Loop {
    fn new(
        poll: mio::Poll,
        submissions: Receiver<Submission>,
        notices: Receiver<usize>,
        live: Arc<AtomicUsize>,
    ) -> Self {
        Loop {
            poll,
            submissions,
            notices,
            live,
            tasks: HashMap::new(),
            timers: BinaryHeap::new(),
            queue: VecDeque::new(),
        }
    }

    fn run(mut self) {
        let mut events = mio::Events::with_capacity(EVENTS);
        loop {
            let open = self.admit();
            if !open && self.tasks.is_empty() {
                return;
            }
            while let Ok(token) = self.notices.try_recv() {
                self.enqueue(token);
            }
            let now = Instant::now();
            while let Some(Reverse((due, token))) = self.timers.peek().copied() {
                if due > now {
                    break;
                }
                self.timers.pop();
                if let Some(entry) = self.tasks.get_mut(&token).filter(|e| e.due == Some(due)) {
                    entry.due = None;
                    self.enqueue(token);
                }
            }
            // Each queued connection runs once; one with more to do goes to the back.
            for _ in 0..self.queue.len() {
                if let Some(token) = self.queue.pop_front() {
                    self.run_one(token);
                }
            }
            if !self.admit() && self.tasks.is_empty() {
                return;
            }
            let timeout = if self.queue.is_empty() {
                self.timers.peek().map(|Reverse((due, _))| due.saturating_duration_since(now))
            } else {
                Some(std::time::Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != io::ErrorKind::Interrupted {
                    self.fail_all(&e);
                    return;
                }
            }
            for event in &events {
                if event.token() != WAKER {
                    let token = event.token().0;
                    if let Some(entry) = self.tasks.get_mut(&token) {
                        entry.task.mark_readable();
                    }
                    self.enqueue(token);
                }
            }
        }
    }

    /// Registers new connections; whether any [`Reactor`] handle is left.
    fn admit(&mut self) -> bool {
        loop {
            let Submission { token, task, mut source, shared } = match self.submissions.try_recv() {
                Ok(s) => s,
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            };
            if let Err(e) = source.register(self.poll.registry(), mio::Token(token)) {
                self.live.fetch_sub(1, Ordering::Relaxed);
                finish(task, Error::WebSocket(Box::new(e.into())));
                continue;
            }
            let entry = Entry { task, source, shared, due: None, queued: false };
            self.tasks.insert(token, entry);
            self.enqueue(token);
        }
    }

    fn enqueue(&mut self, token: usize) {
        if let Some(entry) = self.tasks.get_mut(&token) {
            if !entry.queued {
                entry.queued = true;
                self.queue.push_back(token);
            }
        }
    }

    fn run_one(&mut self, token: usize) {
        let Some(entry) = self.tasks.get_mut(&token) else {
            return;
        };
        entry.queued = false;
        entry.shared.notified.store(false, Ordering::Release);
        let step = panic::catch_unwind(AssertUnwindSafe(|| entry.task.step()))
            .unwrap_or_else(|p| Step::Ended(Error::Panicked(panic_message(p.as_ref()))));
        match step {
            Step::Again => {
                entry.queued = true;
                self.queue.push_back(token);
            }
            Step::Idle(due) => {
                if entry.due != Some(due) {
                    entry.due = Some(due);
                    self.timers.push(Reverse((due, token)));
                    self.compact_timers();
                }
            }
            Step::Ended(cause) => {
                if let Some(mut entry) = self.tasks.remove(&token) {
                    entry.source.deregister(self.poll.registry());
                    self.live.fetch_sub(1, Ordering::Relaxed);
                    finish(entry.task, cause);
                }
            }
        }
    }

    /// Drops superseded due times once they outnumber the live ones.
    fn compact_timers(&mut self) {
        if self.timers.len() > 4 * self.tasks.len() + 64 {
            self.timers =
                self.tasks.iter().filter_map(|(t, e)| Some(Reverse((e.due?, *t)))).collect();
        }
    }

    fn fail_all(&mut self, e: &io::Error) {
        for (_, mut entry) in self.tasks.drain() {
            entry.source.deregister(self.poll.registry());
            self.live.fetch_sub(1, Ordering::Relaxed);
            let cause = io::Error::new(e.kind(), e.to_string());
            finish(entry.task, Error::WebSocket(Box::new(cause.into())));
        }
    }
}

/// Ends a connection; a panic in its handler's last callbacks is contained too.
fn finish(task: Box<dyn Task>, cause: Error) {
    if let Err(p) = panic::catch_unwind(AssertUnwindSafe(|| task.finish(cause))) {
        log::error!("a connection panicked while ending: {}", panic_message(p.as_ref()));
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
