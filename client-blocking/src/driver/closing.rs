//! Closing: the owner's close handshake, failing the calls left waiting, and writing frames.

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::Receiver;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

use super::Handler;
use crate::command::{Command, Reply};
use crate::config::{after, ConnectionConfig};
use crate::error::Error;
use crate::logging::{self, Dir};
use crate::pending::{PendingCalls, Waiter};
use crate::trace::Direction;

pub(super) fn take_cause(closing: &mut Option<(Instant, Error)>, e: tungstenite::Error) -> Error {
    match closing.take() {
        Some((_, c)) => c,
        None => Error::WebSocket(Box::new(e)),
    }
}

/// The owner closed the connection (or dropped every handle): the close handshake starts,
/// waiting callers fail, and the handler is told.
pub(super) fn owner_close<S: Read + Write, H: Handler>(
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
pub(super) fn write_frame<S: Read + Write>(
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

pub(super) fn begin_close<S: Read + Write>(
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
pub(super) fn fail_callers(pending: &mut PendingCalls<Reply>) {
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

pub(super) fn fail_queued<C>(commands: &Receiver<Command<C>>, cause: &Arc<Error>) {
    while let Ok(c) = commands.try_recv() {
        if let Command::Call { reply, .. } = c {
            let _ = reply.try_send(Err(Error::Disconnected(cause.clone())));
        }
    }
}
