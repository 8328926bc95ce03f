//! Notifications from the node as a typed, bounded event stream.
//!
//! The stream is bounded in count and in bytes (each event weighs the frame it came from;
//! [`crate::ConnectionConfig::event_capacity`] and [`crate::ConnectionConfig::event_bytes`]).
//! When the consumer falls behind and the buffer is full, the oldest events are dropped to make
//! room, [`Events::dropped`] counts them and an [`Event::Lagged`] tells the consumer where:
//! the I/O thread never blocks on a slow consumer and memory stays bounded.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use aesc_codec::jsonrpc::{ChannelMessage, NodeEvent, SignTag};
use aesc_codec::tx::SignedTx;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use crate::error::{Error, FrameError, RpcError};
use crate::policy::Refusal;

/// Something the node (or the client's own signing policy) reported.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// A notification from the node: `channels.info`, `channels.on_chain_tx`,
    /// `channels.conflict`, `channels.message`, `channels.error`, … A [`crate::Channel`]
    /// consumes the sign requests and the `channels.update` / `channels.leave` states itself
    /// and reports them as [`Event::Accepted`], [`Event::Refused`], [`Event::CoSigned`] and
    /// [`Event::Left`].
    Node(NodeEvent),
    /// A new co-signed state was checked and recorded.
    CoSigned {
        /// Its round.
        round: u64,
        /// The co-signed transaction.
        state: Box<SignedTx>,
    },
    /// The channel was left (`channels.leave`); the state is the last co-signed one.
    Left {
        /// The co-signed transaction.
        state: Box<SignedTx>,
    },
    /// The client co-signed a proposal of the other party.
    Accepted {
        /// The sign request.
        tag: SignTag,
        /// The round of the signed state (none for transactions without a round).
        round: Option<u64>,
    },
    /// The client refused a sign request and answered it with an abort.
    Refused {
        /// The sign request.
        tag: SignTag,
        /// Why.
        refusal: Refusal,
    },
    /// An error frame not tied to any request of this client.
    RpcError(RpcError),
    /// A frame from the node that could not be read.
    Malformed {
        /// What was wrong with it.
        error: FrameError,
    },
    /// A binary frame (the node sends only text).
    BinaryFrame,
    /// The state store failed to record a co-signed state.
    StoreFailed {
        /// What failed.
        error: Arc<Error>,
    },
    /// The channel moved from one phase to another (as [`crate::ChannelView::phase`] shows
    /// it): connecting, opening, open, left, closing, closed, stopped.
    PhaseChanged {
        /// The phase before.
        from: crate::view::Phase,
        /// The phase now.
        to: crate::view::Phase,
    },
    /// A reconnect completed: `same_fsm` when the node's FSM kept running (a re-attach), not
    /// when it was started anew (a reestablish).
    Reconnected {
        /// The FSM id now.
        fsm_id: Option<aesc_codec::id::FsmId>,
        /// Whether it is the FSM the client knew.
        same_fsm: bool,
    },
    /// Older events were dropped here because the consumer fell behind.
    Lagged {
        /// How many were dropped just before this one.
        dropped: u64,
    },
    /// The connection ended; this is the last event of a connection.
    Disconnected {
        /// Why.
        cause: Arc<Error>,
    },
}

impl Event {
    /// The `channels.info` event name, when this is one.
    pub fn info(&self) -> Option<&str> {
        match self {
            Event::Node(NodeEvent::Info(i)) => Some(i.event.as_str()),
            _ => None,
        }
    }

    /// The message, when this is an incoming `channels.message`.
    pub fn message(&self) -> Option<&ChannelMessage> {
        match self {
            Event::Node(NodeEvent::Message(m)) => Some(m),
            _ => None,
        }
    }
}

/// The consumer side of the event stream.
#[derive(Debug, Clone)]
pub struct Events {
    rx: Receiver<Box<Weighed>>,
    dropped: Arc<AtomicU64>,
    bytes: Arc<AtomicUsize>,
    _alive: Arc<()>,
}

/// An event and the bytes it counts for.
#[derive(Debug)]
struct Weighed {
    event: Event,
    bytes: usize,
}

/// What an event not read from a frame counts for.
const SMALL_EVENT: usize = 64;

/// Why no event was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecvError {
    /// Nothing arrived in time.
    Timeout,
    /// The stream has ended and every event was consumed.
    Closed,
}

impl Events {
    /// Waits up to `timeout` for the next event.
    ///
    /// # Errors
    /// [`RecvError::Timeout`] or, once the connection is gone and drained, [`RecvError::Closed`].
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Event, RecvError> {
        self.rx.recv_timeout(timeout).map(|w| self.took(w)).map_err(|e| match e {
            RecvTimeoutError::Timeout => RecvError::Timeout,
            RecvTimeoutError::Disconnected => RecvError::Closed,
        })
    }

    /// The next event if one is buffered.
    pub fn try_recv(&self) -> Option<Event> {
        self.rx.try_recv().ok().map(|w| self.took(w))
    }

    fn took(&self, w: Box<Weighed>) -> Event {
        self.bytes.fetch_sub(w.bytes, Ordering::Relaxed);
        w.event
    }

    /// Bytes of the buffered events (as counted against the bound).
    pub fn buffered_bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Waits up to `timeout` for an event matching `pred`, discarding the others.
    pub fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&Event) -> bool,
    ) -> Option<Event> {
        let deadline = crate::config::after(Instant::now(), timeout);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv_timeout(left) {
                Ok(e) if pred(&e) => return Some(e),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// A blocking iterator that ends when no event arrives within `gap` or the stream ends.
    pub fn iter_timeout(&self, gap: Duration) -> impl Iterator<Item = Event> + '_ {
        std::iter::from_fn(move || self.recv_timeout(gap).ok())
    }

    /// Drains what is buffered now without waiting.
    pub fn drain(&self) -> impl Iterator<Item = Event> + '_ {
        std::iter::from_fn(move || self.try_recv())
    }

    /// How many events were dropped because the buffer was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Number of events buffered.
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// Whether no event is buffered.
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }
}

/// One consumer's bounded queue.
#[derive(Debug)]
struct Queue {
    tx: Sender<Box<Weighed>>,
    rx: Receiver<Box<Weighed>>,
    capacity: usize,
    max_bytes: usize,
    dropped: Arc<AtomicU64>,
    bytes: Arc<AtomicUsize>,
    /// Only messages (`channels.message`) go into this queue.
    messages_only: bool,
    /// Alive while the consumer (any clone of its [`Events`]) is.
    consumer: Weak<()>,
}

impl Queue {
    fn new(capacity: usize, max_bytes: usize, messages_only: bool) -> (Queue, Events) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let dropped = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(AtomicUsize::new(0));
        let alive = Arc::new(());
        let consumer = Arc::downgrade(&alive);
        let events = Events {
            rx: rx.clone(),
            dropped: dropped.clone(),
            bytes: bytes.clone(),
            _alive: alive,
        };
        let q = Queue {
            consumer,
            tx,
            rx,
            capacity: capacity.max(2),
            max_bytes,
            dropped,
            bytes,
            messages_only,
        };
        (q, events)
    }

    /// Delivers `event`, dropping the oldest buffered events while the queue is full (an
    /// [`Event::Lagged`] then goes first). Whether a consumer is still there.
    fn push(&self, event: Event, size: usize) -> bool {
        let full = |extra: usize| {
            self.tx.len() + 2 > self.capacity
                || self.bytes.load(Ordering::Relaxed) + extra > self.max_bytes
        };
        let mut dropped = 0u64;
        while !self.tx.is_empty() && full(size + SMALL_EVENT) {
            match self.rx.try_recv() {
                Ok(w) => {
                    self.bytes.fetch_sub(w.bytes, Ordering::Relaxed);
                    if !matches!(w.event, Event::Lagged { .. }) {
                        dropped += 1;
                    }
                }
                Err(_) => break,
            }
        }
        if dropped > 0 {
            self.dropped.fetch_add(dropped, Ordering::Relaxed);
            self.send(Event::Lagged { dropped }, SMALL_EVENT);
        }
        self.send(event, size)
    }

    fn send(&self, event: Event, bytes: usize) -> bool {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        if self.tx.send(Box::new(Weighed { event, bytes })).is_err() {
            self.bytes.fetch_sub(bytes, Ordering::Relaxed);
        }
        self.consumer.strong_count() > 0
    }
}

/// The producer side, held by the I/O thread (and by a channel across reconnects).
///
/// Every consumer ([`EventSink::subscribe`]) has a queue of its own and gets every event; a
/// queue is a linked list of small blocks that grows and shrinks with its content (an idle
/// stream costs almost nothing), and its bound is enforced here, on every push.
#[derive(Debug, Clone)]
pub(crate) struct EventSink {
    queues: Arc<Mutex<Vec<Queue>>>,
    capacity: usize,
    max_bytes: usize,
    /// The size of the frame being handled: what events emitted meanwhile count for.
    frame: Arc<AtomicUsize>,
}

impl EventSink {
    /// A stream buffering up to `capacity` events and `max_bytes` bytes per consumer, and its
    /// first consumer.
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> (EventSink, Events) {
        let sink = EventSink {
            queues: Arc::new(Mutex::new(Vec::new())),
            capacity,
            max_bytes,
            frame: Arc::new(AtomicUsize::new(0)),
        };
        let events = sink.subscribe();
        (sink, events)
    }

    /// Another consumer: it gets every event from now on.
    pub(crate) fn subscribe(&self) -> Events {
        self.add(false)
    }

    /// A consumer of `channels.message` events only (drops are not reported there).
    pub(crate) fn subscribe_messages(&self) -> Events {
        self.add(true)
    }

    fn add(&self, messages_only: bool) -> Events {
        let (q, events) = Queue::new(self.capacity, self.max_bytes, messages_only);
        self.queues.lock().unwrap_or_else(PoisonError::into_inner).push(q);
        events
    }

    /// Events emitted until the next call count for `bytes` (the frame they come from); 0
    /// for events of no frame.
    pub(crate) fn weigh_as(&self, bytes: usize) {
        self.frame.store(bytes, Ordering::Relaxed);
    }

    /// Delivers `event` to every consumer (consumers that are gone are forgotten).
    pub(crate) fn emit(&self, event: Event) {
        let size = self.frame.load(Ordering::Relaxed).max(SMALL_EVENT);
        let is_message = event.message().is_some();
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        queues.retain(|q| {
            if q.messages_only && !is_message {
                return true;
            }
            q.push(event.clone(), size)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(i: u64) -> Event {
        Event::Accepted { tag: SignTag::UpdateAck, round: Some(i) }
    }

    #[test]
    fn full_stream_drops_the_oldest_and_says_so() {
        let (sink, events) = EventSink::new(3, 1 << 20);
        for i in 0..5u64 {
            sink.emit(numbered(i));
        }
        assert_eq!(events.dropped(), 3);
        let rounds: Vec<u64> = events
            .drain()
            .map(|e| match e {
                Event::Accepted { round, .. } => round.unwrap_or(99),
                Event::Lagged { dropped } => 100 + dropped,
                _ => 99,
            })
            .collect();
        assert_eq!(rounds, vec![3, 101, 4]);
    }

    #[test]
    fn the_bound_is_in_bytes_too() {
        let (sink, events) = EventSink::new(1000, 10_000);
        sink.weigh_as(4_000);
        for i in 0..10u64 {
            sink.emit(numbered(i));
        }
        sink.weigh_as(0);
        assert!(events.buffered_bytes() <= 10_000, "{}", events.buffered_bytes());
        assert_eq!(events.dropped(), 8);
        let all: Vec<Event> = events.drain().collect();
        assert!(matches!(all.last(), Some(Event::Accepted { round: Some(9), .. })));
        assert_eq!(events.buffered_bytes(), 0);
        // One event larger than the bound is still delivered alone.
        sink.weigh_as(50_000);
        sink.emit(numbered(10));
        sink.emit(numbered(11));
        assert_eq!(events.len(), 2, "the newest, after a Lagged");
    }

    #[test]
    fn every_consumer_gets_every_event() {
        let (sink, first) = EventSink::new(8, 1 << 20);
        let second = sink.subscribe();
        let messages = sink.subscribe_messages();
        sink.emit(numbered(1));
        assert!(first.try_recv().is_some());
        assert!(second.try_recv().is_some());
        assert!(messages.try_recv().is_none(), "not a message");
        drop(second);
        sink.emit(numbered(2));
        assert_eq!(sink.queues.lock().unwrap().len(), 2, "a consumer that is gone is forgotten");
    }

    #[test]
    fn stream_closes_when_the_sink_is_gone() {
        let (sink, events) = EventSink::new(4, 1 << 20);
        sink.emit(Event::BinaryFrame);
        drop(sink);
        assert!(events.recv_timeout(Duration::from_millis(10)).is_ok());
        assert_eq!(events.recv_timeout(Duration::from_millis(10)).err(), Some(RecvError::Closed));
    }
}
