//! The result code of every fallible function, and how Rust errors map to it.

use std::ffi::{c_char, c_int};

use aesc_client::Error;

/// The outcome of a fallible function: `AESC_RESULT_OK` (0) or why it failed.
///
/// The detail of a failure is readable with `aesc_last_error_message` on the same thread.
/// New codes may be added in later versions; treat an unknown non-zero code as a failure.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum aesc_result {
    /// Success: the outputs were written.
    Ok = 0,
    /// A pointer parameter that must not be NULL was NULL.
    NullParameter = 1,
    /// A parameter has the wrong form or value: an amount that is not a decimal string, an
    /// unknown role, a malformed account, JSON of the wrong shape, …
    InvalidArgument = 2,
    /// A string parameter is not valid UTF-8.
    InvalidUtf8 = 3,
    /// A prefixed string or the object inside it does not decode.
    DecodeError = 4,
    /// A signature does not verify, or a required one is missing.
    SignatureError = 5,
    /// The client refused to sign what the node asked for (the checks or the signing policy
    /// refused it); nothing was signed.
    Refused = 6,
    /// A deadline expired, or no event or message arrived in time.
    Timeout = 7,
    /// The connection to the node is gone (a reconnect may help).
    Disconnected = 8,
    /// The node answered with an error object; `aesc_last_error_node_code` gives its codes.
    NodeError = 9,
    /// The channel handle's connection was closed by its owner, or the event stream ended.
    Closed = 10,
    /// A caller-supplied buffer is too small; the needed size was written where the function
    /// says.
    BufferTooSmall = 11,
    /// A bug in the library: a Rust panic was caught at the boundary.
    Panic = 12,
    /// The operating system gave no randomness, so no key was made.
    NoEntropy = 13,
    /// The operation is not possible in the channel's current state.
    InvalidState = 14,
    /// The channel FSM reported a conflict (e.g. the other party refused an update) and
    /// rolled back to the last co-signed state.
    Conflict = 15,
    /// Another operation that needs the node's sign request is still in progress.
    Busy = 16,
    /// This client aborted the sign request of its own operation.
    Aborted = 17,
    /// The node could not be reached: TCP, TLS or WebSocket handshake failure, bad URL host.
    ConnectionError = 18,
    /// The node sent something this client could not read.
    ProtocolError = 19,
    /// The state store could not be read or written, or holds no valid record.
    StoreError = 20,
    /// The channel FSM at the node stopped before the operation finished.
    FsmStopped = 21,
    /// Any other failure (see the message).
    Other = 22,
}

impl aesc_result {
    /// Every code, in order.
    pub(crate) const ALL: [aesc_result; 23] = [
        aesc_result::Ok,
        aesc_result::NullParameter,
        aesc_result::InvalidArgument,
        aesc_result::InvalidUtf8,
        aesc_result::DecodeError,
        aesc_result::SignatureError,
        aesc_result::Refused,
        aesc_result::Timeout,
        aesc_result::Disconnected,
        aesc_result::NodeError,
        aesc_result::Closed,
        aesc_result::BufferTooSmall,
        aesc_result::Panic,
        aesc_result::NoEntropy,
        aesc_result::InvalidState,
        aesc_result::Conflict,
        aesc_result::Busy,
        aesc_result::Aborted,
        aesc_result::ConnectionError,
        aesc_result::ProtocolError,
        aesc_result::StoreError,
        aesc_result::FsmStopped,
        aesc_result::Other,
    ];

    /// A short lower-case name, NUL-terminated.
    const fn name(self) -> &'static str {
        match self {
            aesc_result::Ok => "ok\0",
            aesc_result::NullParameter => "null parameter\0",
            aesc_result::InvalidArgument => "invalid argument\0",
            aesc_result::InvalidUtf8 => "invalid UTF-8\0",
            aesc_result::DecodeError => "decode error\0",
            aesc_result::SignatureError => "signature error\0",
            aesc_result::Refused => "refused\0",
            aesc_result::Timeout => "timeout\0",
            aesc_result::Disconnected => "disconnected\0",
            aesc_result::NodeError => "node error\0",
            aesc_result::Closed => "closed\0",
            aesc_result::BufferTooSmall => "buffer too small\0",
            aesc_result::Panic => "panic\0",
            aesc_result::NoEntropy => "no entropy\0",
            aesc_result::InvalidState => "invalid state\0",
            aesc_result::Conflict => "conflict\0",
            aesc_result::Busy => "busy\0",
            aesc_result::Aborted => "aborted\0",
            aesc_result::ConnectionError => "connection error\0",
            aesc_result::ProtocolError => "protocol error\0",
            aesc_result::StoreError => "store error\0",
            aesc_result::FsmStopped => "fsm stopped\0",
            aesc_result::Other => "other error\0",
        }
    }

    /// The code for a client error.
    pub(crate) fn of_client(e: &Error) -> aesc_result {
        match e {
            Error::Url { .. } => aesc_result::InvalidArgument,
            Error::Connect { .. } | Error::Handshake { .. } | Error::Tls(_) => {
                aesc_result::ConnectionError
            }
            Error::WebSocket(_) | Error::ClosedByNode { .. } => aesc_result::Disconnected,
            Error::Timeout(_) | Error::Deadline { .. } => aesc_result::Timeout,
            Error::Rpc(_) | Error::Rejected(_) => aesc_result::NodeError,
            Error::Aborted { .. } => aesc_result::Aborted,
            Error::BadFrame(_) | Error::Output { .. } => aesc_result::ProtocolError,
            Error::Disconnected(cause) => match cause.root() {
                Error::Closed => aesc_result::Closed,
                _ => aesc_result::Disconnected,
            },
            Error::Closed => aesc_result::Closed,
            Error::Conflict { .. } => aesc_result::Conflict,
            Error::Refused(_) => aesc_result::Refused,
            Error::FsmStopped { .. } => aesc_result::FsmStopped,
            Error::InvalidState { .. } => aesc_result::InvalidState,
            Error::Busy => aesc_result::Busy,
            Error::Store { .. } | Error::StoreFormat { .. } => aesc_result::StoreError,
            Error::Panicked(_) => aesc_result::Panic,
            _ => aesc_result::Other,
        }
    }
}

/// A static, NUL-terminated English name of a result code (`"ok"`, `"null parameter"`, …),
/// or `"unknown result"` for a value that is no `aesc_result`. The string is owned by the
/// library and lives as long as the program: never free it.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_result_name(result: c_int) -> *const c_char {
    let name = aesc_result::ALL
        .iter()
        .find(|r| **r as c_int == result)
        .map_or("unknown result\0", |r| r.name());
    name.as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_their_index_and_names_are_distinct() {
        for (i, r) in aesc_result::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
            assert!(r.name().ends_with('\0'));
        }
        let mut names: Vec<_> = aesc_result::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), aesc_result::ALL.len());
    }
}
