//! What runs inside a connection's I/O loop: the [`Handler`] (the protocol logic), what it may
//! do ([`Io`]), and what the handles share with the loop ([`Shared`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use aesc_codec::jsonrpc::Notification;
use serde_json::Value;

use crate::command::Reply;
use crate::error::{Error, RpcError};
use crate::events::{Event, EventSink};
use crate::frame;
use crate::pending::{PendingCalls, Waiter};

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
    pub(super) frames: &'a mut Vec<String>,
    pub(super) pending: &'a mut PendingCalls<Reply>,
    pub(super) ids: &'a AtomicU64,
    pub(super) events: &'a EventSink,
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
