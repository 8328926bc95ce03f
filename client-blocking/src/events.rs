//! Notifications from the node as a typed, bounded event stream.
//!
//! The stream is bounded. When the consumer falls behind and the buffer is full, the oldest
//! event is dropped to make room and [`Events::dropped`] counts it: the I/O thread never blocks
//! on a slow consumer and memory stays bounded.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aesc_codec::id::{AccountId, ChannelId, FsmId};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use serde_json::Value;

use crate::error::{Error, FrameError, RpcError};
use crate::policy::Refusal;

/// Something the node (or the client's own signing policy) reported.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event {
    /// `channels.info`: a step of the channel FSM.
    Info {
        /// The event name (`fsm_up`, `open`, `update`, `died`, …).
        event: String,
        /// The FSM id, for `fsm_up`, `funding_created` and `funding_signed`.
        fsm_id: Option<FsmId>,
        /// The channel id when the node knows it.
        channel_id: Option<ChannelId>,
    },
    /// `channels.on_chain_tx`: a transaction about this channel was built or seen on chain.
    OnChainTx {
        /// `funding_created`, `channel_changed`, `close_mutual`, `can_slash`, …
        info: String,
        /// The transaction (`tx_…`).
        tx: String,
        /// Its type (`channel_create_tx`, `channel_deposit_tx`, …).
        tx_type: String,
    },
    /// `channels.conflict`: the FSM rolled back to the last co-signed state.
    Conflict {
        /// The error code (2 conflict, 3 timeout, 4 abort, …).
        code: u32,
        /// Its text.
        message: String,
        /// The round rolled back to.
        round: u64,
    },
    /// `channels.message`: a generic message from the other party.
    Message {
        /// Sender.
        from: AccountId,
        /// Recipient.
        to: AccountId,
        /// The message text.
        info: String,
    },
    /// A new co-signed state was accepted and recorded (`channels.update`).
    Update {
        /// Its round.
        round: u64,
        /// The co-signed transaction (`tx_…`).
        state: String,
    },
    /// `channels.leave`: the channel was left; the state is the last co-signed one.
    Leave {
        /// The co-signed transaction (`tx_…`).
        state: String,
    },
    /// `channels.error`: the FSM reports a problem with something it received.
    NodeError {
        /// The reason given.
        message: String,
    },
    /// An error frame not tied to any request of this client.
    RpcError(RpcError),
    /// A frame from the node that could not be read.
    Malformed {
        /// What was wrong with it.
        error: FrameError,
    },
    /// The client refused a sign request and answered it with an abort.
    Refused {
        /// The sign tag (`update_ack`, `shutdown_sign_ack`, …).
        tag: String,
        /// Why.
        refusal: Refusal,
    },
    /// The client co-signed a proposal of the other party.
    Accepted {
        /// The sign tag.
        tag: String,
        /// The round of the signed state (0 for transactions without a round).
        round: u64,
    },
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
    /// Any other notification, as received.
    Other {
        /// The method name.
        method: String,
        /// The params object.
        params: Value,
    },
}

impl Event {
    /// Reads a notification into an event. Unknown or malformed notifications become
    /// [`Event::Other`].
    pub fn from_notification(method: &str, params: Value) -> Event {
        Self::typed(method, &params).unwrap_or(Event::Other { method: method.to_owned(), params })
    }

    fn typed(method: &str, params: &Value) -> Option<Event> {
        let data = params.get("data")?;
        let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Some(match method {
            "channels.info" => Event::Info {
                event: text(data, "event")?,
                fsm_id: data.get("fsm_id").and_then(Value::as_str).and_then(|s| s.parse().ok()),
                channel_id: params
                    .get("channel_id")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok()),
            },
            "channels.on_chain_tx" => Event::OnChainTx {
                info: text(data, "info")?,
                tx: text(data, "tx").or_else(|| text(data, "signed_tx"))?,
                tx_type: text(data, "type").unwrap_or_default(),
            },
            "channels.conflict" => Event::Conflict {
                code: u32::try_from(data.get("error_code")?.as_u64()?).ok()?,
                message: text(data, "error_msg").unwrap_or_default(),
                round: data.get("round").and_then(Value::as_u64).unwrap_or(0),
            },
            "channels.message" => {
                let m = data.get("message")?;
                Event::Message {
                    from: text(m, "from")?.parse().ok()?,
                    to: text(m, "to")?.parse().ok()?,
                    info: text(m, "info")?,
                }
            }
            "channels.leave" => Event::Leave { state: text(data, "state")? },
            "channels.error" => Event::NodeError { message: text(data, "message")? },
            _ => return None,
        })
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
        let deadline = Instant::now() + timeout;
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
#[derive(Debug, Clone)]
pub(crate) struct EventSink {
    tx: Sender<Event>,
    rx: Receiver<Event>,
    dropped: Arc<AtomicU64>,
}

impl EventSink {
    /// A stream buffering up to `capacity` events.
    pub(crate) fn new(capacity: usize) -> (EventSink, Events) {
        let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let events = Events { rx: rx.clone(), dropped: dropped.clone() };
        (EventSink { tx, rx, dropped }, events)
    }

    /// Delivers `event`, dropping the oldest buffered event when full.
    pub(crate) fn emit(&self, event: Event) {
        let mut event = event;
        for _ in 0..4 {
            match self.tx.try_send(event) {
                Ok(()) | Err(TrySendError::Disconnected(_)) => return,
                Err(TrySendError::Full(back)) => {
                    if self.rx.try_recv().is_ok() {
                        self.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    event = back;
                }
            }
        }
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn full_stream_drops_the_oldest() {
        let (sink, events) = EventSink::new(2);
        for i in 0..5u64 {
            sink.emit(Event::Update { round: i, state: String::new() });
        }
        assert_eq!(events.dropped(), 3);
        let rounds: Vec<u64> = events
            .drain()
            .map(|e| match e {
                Event::Update { round, .. } => round,
                _ => 99,
            })
            .collect();
        assert_eq!(rounds, vec![3, 4]);
    }

    #[test]
    fn stream_closes_when_the_sink_is_gone() {
        let (sink, events) = EventSink::new(4);
        sink.emit(Event::NodeError { message: "x".into() });
        drop(sink);
        assert!(events.recv_timeout(Duration::from_millis(10)).is_ok());
        assert_eq!(events.recv_timeout(Duration::from_millis(10)).err(), Some(RecvError::Closed));
    }

    #[test]
    fn typed_notifications() {
        let e = Event::from_notification(
            "channels.conflict",
            json!({"channel_id": null, "data": {"error_code": 2, "error_msg": "conflict",
                   "round": 1}}),
        );
        assert!(matches!(e, Event::Conflict { code: 2, round: 1, .. }));
        let e = Event::from_notification(
            "channels.message",
            json!({"data": {"message": {
                "from": "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C",
                "to": "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt",
                "info": "Hello"}}}),
        );
        assert!(matches!(e, Event::Message { ref info, .. } if info == "Hello"));
        let e = Event::from_notification("channels.debug", json!({"data": {}}));
        assert!(matches!(e, Event::Other { .. }));
        let e = Event::from_notification("channels.message", json!({"data": {"message": {}}}));
        assert!(matches!(e, Event::Other { .. }), "malformed known notification stays raw");
    }
}
