//! Notifications from the node as a typed, bounded event stream.
//!
//! The stream is bounded. When the consumer falls behind and the buffer is full, the oldest
//! event is dropped to make room and [`Events::dropped`] counts it: the I/O thread never blocks
//! on a slow consumer and memory stays bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
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
    rx: Receiver<Event>,
    dropped: Arc<AtomicU64>,
}

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
        self.rx.recv_timeout(timeout).map_err(|e| match e {
            RecvTimeoutError::Timeout => RecvError::Timeout,
            RecvTimeoutError::Disconnected => RecvError::Closed,
        })
    }

    /// The next event if one is buffered.
    pub fn try_recv(&self) -> Option<Event> {
        self.rx.try_recv().ok()
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

/// The producer side, held by the I/O thread (and by a channel across reconnects).
///
/// The queue is a linked list of small blocks that grows and shrinks with its content (an
/// idle stream costs almost nothing); the bound is enforced here, on every push.
#[derive(Debug, Clone)]
pub(crate) struct EventSink {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    capacity: usize,
    dropped: Arc<AtomicU64>,
}

impl EventSink {
    /// A stream buffering up to `capacity` events.
    pub(crate) fn new(capacity: usize) -> (EventSink, Events) {
        let (tx, rx) = crossbeam_channel::unbounded();
        let dropped = Arc::new(AtomicU64::new(0));
        let events = Events { rx: rx.clone(), dropped: dropped.clone() };
        (EventSink { tx, rx, capacity: capacity.max(1), dropped }, events)
    }

    /// Delivers `event`, dropping the oldest buffered event when full.
    pub(crate) fn emit(&self, event: Event) {
        while self.tx.len() >= self.capacity {
            if self.rx.try_recv().is_err() {
                break;
            }
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
        // Fails only when every receiver is gone; then nobody wants the event.
        let _ = self.tx.send(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(i: u64) -> Event {
        Event::Accepted { tag: SignTag::UpdateAck, round: Some(i) }
    }

    #[test]
    fn full_stream_drops_the_oldest() {
        let (sink, events) = EventSink::new(2);
        for i in 0..5u64 {
            sink.emit(numbered(i));
        }
        assert_eq!(events.dropped(), 3);
        let rounds: Vec<u64> = events
            .drain()
            .map(|e| match e {
                Event::Accepted { round, .. } => round.unwrap_or(99),
                _ => 99,
            })
            .collect();
        assert_eq!(rounds, vec![3, 4]);
    }

    #[test]
    fn stream_closes_when_the_sink_is_gone() {
        let (sink, events) = EventSink::new(4);
        sink.emit(Event::BinaryFrame);
        drop(sink);
        assert!(events.recv_timeout(Duration::from_millis(10)).is_ok());
        assert_eq!(events.recv_timeout(Duration::from_millis(10)).err(), Some(RecvError::Closed));
    }
}
