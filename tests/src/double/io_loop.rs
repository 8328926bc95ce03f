//! The I/O thread: one `mio` poll for the listener and every client socket.
//!
//! Each round waits for readiness, the hub's waker or the next socket deadline (no timeout at
//! all when nothing is due), then accepts new sockets, drives the ready ones ([`Conn`]), writes
//! what the hub sent and handles the deadlines that came. Work per round is bounded: a socket
//! reads a burst of frames and the listener accepts a burst of sockets before the others get
//! their turn; what is left is done in the next round, which then does not wait.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};

use super::clock::later;
use super::hub::HubInput;
use super::ids::ConnId;
use super::timers::Timers;
use super::ws_conn::{Conn, Next};

/// What a socket is told to do by the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnCmd {
    /// Send a text frame.
    Text(String),
    /// Send a binary frame.
    Binary(Vec<u8>),
    /// Close the socket with code 1000.
    Close,
}

/// What the I/O thread receives.
#[derive(Debug)]
pub(crate) enum IoMsg {
    /// The frames and closes of one hub round, in order.
    Batch(Vec<(ConnId, ConnCmd)>),
    /// Close every socket (within the close grace) and end the thread.
    Stop,
}

const LISTENER: Token = Token(usize::MAX);
const WAKER: Token = Token(usize::MAX - 1);
/// Sockets accepted per round.
const ACCEPT_BURST: usize = 64;
/// Hub batches written per round.
const BATCH_BURST: usize = 64;
/// Pause before accepting again after an error such as running out of descriptors.
const ACCEPT_RETRY: Duration = Duration::from_millis(50);

/// The poll, with the listener registered, and the waker the hub uses.
pub(crate) struct IoSetup {
    poll: Poll,
    listener: TcpListener,
    waker: Arc<Waker>,
}

impl IoSetup {
    /// Registers `listener` (non-blocking) with a new poll.
    pub(crate) fn new(listener: std::net::TcpListener) -> io::Result<IoSetup> {
        listener.set_nonblocking(true)?;
        let poll = Poll::new()?;
        let mut listener = TcpListener::from_std(listener);
        poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        Ok(IoSetup { poll, listener, waker })
    }

    /// The waker the hub calls after sending a batch.
    pub(crate) fn waker(&self) -> Arc<Waker> {
        Arc::clone(&self.waker)
    }
}

/// The I/O thread's state.
struct IoLoop {
    poll: Poll,
    listener: Option<TcpListener>,
    hub: Sender<HubInput>,
    rx: Receiver<IoMsg>,
    close_grace: Duration,
    conns: HashMap<ConnId, Conn>,
    timers: Timers,
    /// Sockets with work left from the last round, and the same as a set.
    again: VecDeque<ConnId>,
    queued: HashSet<ConnId>,
    accept_again: bool,
    accept_retry_at: Option<Instant>,
    batches_again: bool,
    next_id: u64,
    /// Set once stopping: the time the last sockets are dropped.
    stop_at: Option<Instant>,
}

/// Runs the I/O thread until it is told to stop (or the hub is gone) and every socket closed.
pub(crate) fn run(
    setup: IoSetup,
    hub: Sender<HubInput>,
    rx: Receiver<IoMsg>,
    close_grace: Duration,
) {
    let IoSetup { poll, listener, waker: _ } = setup;
    let mut io = IoLoop {
        poll,
        listener: Some(listener),
        hub,
        rx,
        close_grace,
        conns: HashMap::new(),
        timers: Timers::default(),
        again: VecDeque::new(),
        queued: HashSet::new(),
        accept_again: false,
        accept_retry_at: None,
        batches_again: false,
        next_id: 1,
        stop_at: None,
    };
    let mut events = Events::with_capacity(1024);
    loop {
        let now = Instant::now();
        if io.stop_at.is_some_and(|t| io.conns.is_empty() || t <= now) {
            break;
        }
        let timeout = io.timeout(now);
        if let Err(e) = io.poll.poll(&mut events, timeout) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            log::error!("node double I/O: poll failed: {e}");
            break;
        }
        let now = Instant::now();
        for event in &events {
            match event.token() {
                LISTENER => io.accept_again = true,
                WAKER => io.batches_again = true,
                Token(t) => io.ready(ConnId(u64::try_from(t).unwrap_or(u64::MAX)), now),
            }
        }
        if io.accept_retry_at.is_some_and(|t| t <= now) {
            io.accept_retry_at = None;
            io.accept_again = true;
        }
        if io.accept_again {
            io.accept(now);
        }
        io.run_again(now);
        // Cheap when empty; a missed wake-up cannot strand a batch.
        io.batches(now);
        io.expire(now);
    }
    for (_, mut conn) in io.conns.drain() {
        if let Some(stream) = conn.stream_mut() {
            let _ = io.poll.registry().deregister(stream);
        }
        if conn.announced() {
            let _ = io.hub.send(HubInput::Disconnected { conn: conn.id() });
        }
    }
}

impl IoLoop {
    /// How long the poll may wait: not at all with work left, else until the next deadline.
    fn timeout(&mut self, now: Instant) -> Option<Duration> {
        if !self.again.is_empty() || self.accept_again || self.batches_again {
            return Some(Duration::ZERO);
        }
        [self.timers.next(), self.accept_retry_at, self.stop_at]
            .into_iter()
            .flatten()
            .min()
            .map(|t| t.saturating_duration_since(now))
    }

    fn ready(&mut self, id: ConnId, now: Instant) {
        if let Some(conn) = self.conns.get_mut(&id) {
            let next = conn.on_ready(now, &self.hub);
            self.settle(id, next);
        }
    }

    /// Acts on what a socket reported: drop it, queue it for the next round, or wait for its
    /// next event or deadline.
    fn settle(&mut self, id: ConnId, next: Next) {
        match next {
            Next::Gone => self.remove(id),
            Next::Again | Next::Wait => {
                if next == Next::Again && self.queued.insert(id) {
                    self.again.push_back(id);
                }
                if let Some(at) = self.conns.get(&id).and_then(Conn::deadline) {
                    self.timers.arm(id, at);
                }
            }
        }
    }

    fn remove(&mut self, id: ConnId) {
        let Some(mut conn) = self.conns.remove(&id) else { return };
        if let Some(stream) = conn.stream_mut() {
            let _ = self.poll.registry().deregister(stream);
        }
        self.timers.disarm(id);
        self.queued.remove(&id);
        if conn.announced() {
            let _ = self.hub.send(HubInput::Disconnected { conn: id });
        }
    }

    fn accept(&mut self, now: Instant) {
        self.accept_again = false;
        let Some(listener) = &self.listener else { return };
        let mut accepted = Vec::new();
        for _ in 0..ACCEPT_BURST {
            match listener.accept() {
                Ok((stream, _)) => accepted.push(stream),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // Out of descriptors, say: the pending sockets wait in the backlog.
                    log::warn!("node double: accept failed: {e}");
                    self.accept_retry_at = Some(later(now, ACCEPT_RETRY));
                    break;
                }
            }
        }
        if accepted.len() == ACCEPT_BURST {
            self.accept_again = true;
        }
        for mut stream in accepted {
            let id = ConnId(self.next_id);
            self.next_id = self.next_id.saturating_add(1);
            let token = match usize::try_from(id.0) {
                Ok(t) if t < WAKER.0 => Token(t),
                _ => continue,
            };
            let _ = stream.set_nodelay(true);
            let interest = Interest::READABLE | Interest::WRITABLE;
            if self.poll.registry().register(&mut stream, token, interest).is_err() {
                continue;
            }
            self.conns.insert(id, Conn::new(id, stream, now, self.close_grace));
            // The request may be there already, and edge-triggered readiness would not repeat.
            self.ready(id, now);
        }
    }

    /// Gives the sockets left with work in the last round their next turn.
    fn run_again(&mut self, now: Instant) {
        for _ in 0..self.again.len() {
            let Some(id) = self.again.pop_front() else { break };
            self.queued.remove(&id);
            self.ready(id, now);
        }
    }

    /// Writes the hub's batches, then flushes every socket written to once.
    fn batches(&mut self, now: Instant) {
        self.batches_again = false;
        let mut touched = Vec::new();
        for _ in 0..BATCH_BURST {
            match self.rx.try_recv() {
                Ok(IoMsg::Batch(batch)) => {
                    for (id, cmd) in batch {
                        let Some(conn) = self.conns.get_mut(&id) else { continue };
                        match conn.send(now, cmd) {
                            Next::Gone => self.remove(id),
                            _ => touched.push(id),
                        }
                    }
                }
                Ok(IoMsg::Stop) | Err(TryRecvError::Disconnected) => {
                    self.stop(now);
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        if !self.rx.is_empty() && self.stop_at.is_none() {
            self.batches_again = true;
        }
        touched.sort_unstable();
        touched.dedup();
        for id in touched {
            if let Some(conn) = self.conns.get_mut(&id) {
                let next = conn.flush();
                self.settle(id, next);
            }
        }
    }

    /// Handles the deadlines that came.
    fn expire(&mut self, now: Instant) {
        for id in self.timers.due(now) {
            if let Some(conn) = self.conns.get_mut(&id) {
                let next = conn.on_deadline(now);
                self.settle(id, next);
            }
        }
    }

    /// Stops accepting and closes every socket; the loop ends when they are gone or at the end
    /// of the close grace.
    fn stop(&mut self, now: Instant) {
        if self.stop_at.is_some() {
            return;
        }
        self.stop_at = Some(later(now, self.close_grace));
        if let Some(mut listener) = self.listener.take() {
            let _ = self.poll.registry().deregister(&mut listener);
        }
        self.accept_again = false;
        self.accept_retry_at = None;
        let ids: Vec<ConnId> = self.conns.keys().copied().collect();
        for id in ids {
            if let Some(conn) = self.conns.get_mut(&id) {
                let next = conn.close(now, None);
                self.settle(id, next);
            }
        }
    }
}
