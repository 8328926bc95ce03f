//! What a handle asks the I/O thread to do.

use crossbeam_channel::Sender;
use serde_json::Value;

use crate::error::Error;

/// Where the answer to a call goes: a `bounded(1)` channel the caller waits on.
pub(crate) type Reply = Sender<Result<Value, Error>>;

/// A request to the I/O thread. `C` is the session's own command type.
#[derive(Debug)]
pub(crate) enum Command<C> {
    /// Send `frame` (a request with `id`) and deliver the response to `reply`.
    Call {
        /// The request id inside `frame`.
        id: u64,
        /// The serialized request.
        frame: String,
        /// Where the response goes.
        reply: Reply,
    },
    /// Forget the call `id` (its caller stopped waiting).
    Cancel {
        /// The request id.
        id: u64,
    },
    /// A command for the session running inside the I/O thread.
    Session(C),
}
