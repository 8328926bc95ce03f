//! The channel WebSocket JSON-RPC API, fully typed (spec §6).
//!
//! * [`envelope`]: [`Request`], [`Response`] / [`ResponsePayload`], [`Notification`] and the
//!   frame decoders [`decode_incoming`] (node → client) and [`decode_request`] (client → node).
//! * [`ErrorObject`] with [`ErrorCode`] and [`DataCode`].
//!
//! Every decoder is total: malformed input gives a typed [`FrameError`], never a panic, and
//! numbers keep their full precision.

mod codes;
mod envelope;
mod error;
mod error_object;
mod id;

pub use codes::{DataCode, ErrorCode};
pub use envelope::{
    decode_incoming, decode_request, decode_requests, Incoming, Notification, Request, Response,
    ResponsePayload, API_VERSION,
};
pub use error::{FrameError, JsonKind};
pub use error_object::{ErrorData, ErrorObject};
pub use id::{Id, TwoPointZero};
