//! The client's error type and the phases a deadline can expire in.

use std::fmt;
use std::io;
use std::sync::Arc;

pub use aesc_codec::jsonrpc::{ErrorObject as RpcError, FrameError};

use crate::policy::Refusal;

/// Everything that can go wrong talking to a node.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The node URL could not be used.
    #[error("invalid node url {url:?}: {reason}")]
    Url {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: UrlError,
    },
    /// The TCP connection could not be established.
    #[error("connecting to {addr}: {}", describe_io(source))]
    Connect {
        /// Host and port tried.
        addr: String,
        /// The socket error.
        #[source]
        source: io::Error,
    },
    /// The WebSocket (or TLS) handshake failed.
    #[error("websocket handshake with {host}: {}", describe_ws(source))]
    Handshake {
        /// Host of the node.
        host: String,
        /// What tungstenite reported.
        #[source]
        source: Box<tungstenite::Error>,
    },
    /// The socket failed after the connection was established.
    #[error("websocket: {}", describe_ws(.0))]
    WebSocket(#[source] Box<tungstenite::Error>),
    /// A deadline expired; the phase says which.
    #[error("{0} timed out")]
    Timeout(Timeout),
    /// A phase of a channel operation ran out of time; `seen` says what the node had sent
    /// during the operation, so that the error tells a silent node from a slow one.
    #[error("{phase} timed out after {}; {seen}", secs(waited))]
    Deadline {
        /// The phase.
        phase: Timeout,
        /// How long the phase waited.
        waited: std::time::Duration,
        /// What the node sent during the operation (the last few frames, in order).
        seen: String,
    },
    /// The node answered a request with an error object.
    #[error("node error: {}", describe_rpc(.0))]
    Rpc(Box<RpcError>),
    /// The node refused the connection itself (an error frame with `id: null` before `fsm_up`),
    /// e.g. data code 1016 for a wrong FSM id, 2000 for a missing one.
    #[error("connection rejected by the node: {}", describe_rpc(.0))]
    Rejected(Box<RpcError>),
    /// This client aborted the sign request of its operation with `code` (see
    /// [`crate::Channel::abort_next_sign_request`]) and the node confirmed it with
    /// `aborted_update`; the channel stays as it was.
    #[error("signing aborted with code {code}; the node confirmed (aborted_update)")]
    Aborted {
        /// The abort code sent.
        code: u16,
    },
    /// The node answered a request with a frame that does not decode.
    #[error("malformed answer from the node: {0}")]
    BadFrame(FrameError),
    /// The node sent a result the client could not read.
    #[error("unexpected result for {method}")]
    Output {
        /// The method called.
        method: &'static str,
    },
    /// The I/O thread has stopped; every call made after that, and every call that was waiting,
    /// fails with this error carrying the cause.
    #[error("connection closed: {0}")]
    Disconnected(Arc<Error>),
    /// The handle was closed by its owner.
    #[error("closed by the client")]
    Closed,
    /// The node closed the WebSocket.
    #[error("closed by the node (code {code}): {reason}")]
    ClosedByNode {
        /// The WebSocket close code (1005 when none was given).
        code: u16,
        /// The close reason text.
        reason: String,
    },
    /// The channel FSM at the node reported a conflict and rolled back to the last co-signed
    /// state.
    #[error("conflict at round {round}: {message} (code {code})")]
    Conflict {
        /// The `error_code` of the conflict (1 validation, 2 conflict, 3 timeout, 4 abort,
        /// 5 rejected on-chain, ≥ 128 user-defined).
        code: u32,
        /// The `error_msg` of the conflict.
        message: String,
        /// The last co-signed round the FSM rolled back to.
        round: u64,
    },
    /// The client refused to sign what the node asked for; the node was answered with an abort.
    #[error("refused to sign: {0}")]
    Refused(Box<Refusal>),
    /// The FSM at the node stopped (`died`, `timeout`, or a fatal info) before the operation
    /// finished.
    #[error("the channel FSM stopped ({event})")]
    FsmStopped {
        /// The info event that reported it.
        event: String,
    },
    /// The operation is not possible in the channel's current state.
    #[error("{operation} is not possible now: {reason}")]
    InvalidState {
        /// The operation attempted.
        operation: &'static str,
        /// Why not.
        reason: &'static str,
    },
    /// Another operation that needs the node's sign request is still in progress.
    #[error("another operation is in progress")]
    Busy,
    /// The state store could not be read or written.
    #[error("state store {path}")]
    Store {
        /// The file involved.
        path: String,
        /// The I/O error.
        #[source]
        source: Arc<io::Error>,
    },
    /// [`crate::Channel::resume`] found the node no longer running the channel's FSM after a
    /// close (mutual close or settle) this client had signed and stored: the channel is closed
    /// on chain if the close was posted (the other party posts a co-signed mutual close).
    #[error("the node no longer runs this channel ({cause}); this client had signed the close {}", .close.hash())]
    GoneAfterClose {
        /// The close transaction this client signed (with its own signature only for a
        /// mutual close).
        close: Box<aesc_codec::tx::SignedTx>,
        /// How the reconnect failed.
        cause: Box<Error>,
    },
    /// The channel's [`crate::signer::Signer`] refused or failed; the sign request was aborted.
    #[error("the signer did not sign: {0}")]
    Signer(crate::signer::SignerError),
    /// Another owner (a channel in this process or another process) holds the state store.
    #[error("state store {path} is in use by another owner")]
    StoreLocked {
        /// The file involved.
        path: String,
    },
    /// A stored state file exists but is not a valid state record.
    #[error("state store {path}: {reason}")]
    StoreFormat {
        /// The file involved.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The node sent more frames within a second than
    /// [`crate::ConnectionConfig::max_frames_per_second`] allows; it was disconnected.
    #[error("the node flooded the connection ({frames} frames within a second)")]
    Flood {
        /// Frames counted in that second.
        frames: u32,
    },
    /// The node sent a frame larger than [`crate::ConnectionConfig::max_message_size`]; it was
    /// disconnected.
    #[error("the node sent a frame larger than {limit} bytes")]
    FrameTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The connection's own code (a signer, store or policy callback) panicked while its
    /// reactor ran it; that connection ended, the reactor's others go on.
    #[error("the connection ended on a panic: {0}")]
    Panicked(String),
    /// The TLS configuration could not be built.
    #[error("tls configuration")]
    Tls(#[source] rustls::Error),
}

impl From<RpcError> for Error {
    fn from(e: RpcError) -> Self {
        Error::Rpc(Box::new(e))
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        Error::Refused(Box::new(r))
    }
}

impl Error {
    /// The timeout phase, when this error (or its cause) is a timeout.
    pub fn timeout(&self) -> Option<Timeout> {
        match self {
            Error::Timeout(t) | Error::Deadline { phase: t, .. } => Some(*t),
            Error::Disconnected(cause) => cause.timeout(),
            _ => None,
        }
    }

    /// The node's error object (for [`Error::Rpc`] and [`Error::Rejected`], also behind
    /// [`Error::Disconnected`]).
    pub fn rpc(&self) -> Option<&RpcError> {
        match self.root() {
            Error::Rpc(e) | Error::Rejected(e) => Some(e),
            _ => None,
        }
    }

    /// The data codes of the node's error (e.g. 1016 for a wrong FSM id), empty for others.
    pub fn data_codes(&self) -> Vec<i64> {
        self.rpc().map(|e| e.data.iter().map(|d| d.code.code()).collect()).unwrap_or_default()
    }

    /// A copy of a store error (the store's error for the event, the copy for the operation).
    pub(crate) fn store_copy(&self) -> Error {
        match self {
            Error::Store { path, source } => {
                Error::Store { path: path.clone(), source: source.clone() }
            }
            Error::StoreLocked { path } => Error::StoreLocked { path: path.clone() },
            Error::StoreFormat { path, reason } => {
                Error::StoreFormat { path: path.clone(), reason: reason.clone() }
            }
            other => Error::Store {
                path: String::new(),
                source: Arc::new(io::Error::other(other.to_string())),
            },
        }
    }

    /// The root cause of a [`Error::Disconnected`], or `self`.
    pub fn root(&self) -> &Error {
        match self {
            Error::Disconnected(cause) => cause.root(),
            other => other,
        }
    }

    /// Whether the connection to the node is gone (so a reconnect may help).
    pub fn is_disconnect(&self) -> bool {
        matches!(self, Error::Disconnected(_) | Error::ClosedByNode { .. } | Error::WebSocket(_))
    }
}

/// The phase in which a deadline expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Timeout {
    /// Opening the TCP connection.
    Connect,
    /// The TLS and WebSocket handshakes.
    Handshake,
    /// Waiting for the answer to a JSON-RPC request.
    Call,
    /// The close handshake when shutting the connection down.
    Close,
    /// No frame (not even a pong) arrived within the keepalive window.
    Keepalive,
    /// Waiting for `fsm_up` after connecting.
    FsmUp,
    /// Waiting for the channel to open (signing and funding the create transaction).
    Open,
    /// Waiting for the node's sign request after asking for an operation.
    SignRequest,
    /// Waiting for the co-signed state after signing.
    CoSigned,
    /// Waiting for an on-chain transaction to be confirmed.
    OnChain,
    /// Waiting for the node to confirm a leave.
    Leave,
    /// Waiting for a reestablished or reconnected channel to be usable.
    Reestablish,
    /// The whole operation, past the sum of its phase deadlines: the backstop for an I/O thread
    /// that did not report (each phase's own deadline normally fires first, naming it).
    Operation,
}

impl Timeout {
    /// Lower-case name of the phase.
    pub const fn as_str(self) -> &'static str {
        match self {
            Timeout::Connect => "connect",
            Timeout::Handshake => "handshake",
            Timeout::Call => "call",
            Timeout::Close => "close",
            Timeout::Keepalive => "keepalive",
            Timeout::FsmUp => "fsm_up",
            Timeout::Open => "open",
            Timeout::SignRequest => "sign request",
            Timeout::CoSigned => "co-signed state",
            Timeout::OnChain => "on-chain confirmation",
            Timeout::Leave => "leave",
            Timeout::Reestablish => "reestablish",
            Timeout::Operation => "operation",
        }
    }
}

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a node URL was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL at all.
    Syntax,
    /// The scheme is neither `ws` nor `wss`.
    Scheme,
    /// No host.
    NoHost,
    /// The URL already has a query; connect parameters are added by the client.
    HasQuery,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UrlError::Syntax => "not a valid URL",
            UrlError::Scheme => "scheme must be ws or wss",
            UrlError::NoHost => "no host",
            UrlError::HasQuery => "the URL must not carry a query; use connect parameters",
        })
    }
}

/// `"Rejected (3): Value too low (1001)"`: the node's message and code with every data entry.
fn describe_rpc(e: &RpcError) -> String {
    let mut out = format!("{} ({})", e.message, e.code.code());
    let data: Vec<String> =
        e.data.iter().map(|d| format!("{} ({})", d.message, d.code.code())).collect();
    if !data.is_empty() {
        out.push_str(": ");
        out.push_str(&data.join(", "));
    }
    out
}

/// A socket error in words: refused, unknown host, timed out, …
fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused (is the node running?)".into(),
        io::ErrorKind::NotFound => format!("host name not resolved (DNS lookup: {e})"),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => "timed out".into(),
        _ => e.to_string(),
    }
}

/// A WebSocket error in words; a refused upgrade shows its HTTP status and body.
fn describe_ws(e: &tungstenite::Error) -> String {
    match e {
        tungstenite::Error::Http(response) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).chars().take(300).collect::<String>())
                .unwrap_or_default();
            format!("the node refused the upgrade with HTTP {}: {}", response.status(), body.trim())
        }
        tungstenite::Error::Tls(t) => format!("TLS: {t}"),
        tungstenite::Error::Io(io) => describe_io(io),
        other => other.to_string(),
    }
}

/// `"30 s"`, `"1.5 s"`.
fn secs(d: &std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 10.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use aesc_codec::jsonrpc::{DataCode, ErrorCode};

    #[test]
    fn node_errors_show_their_message_and_data_codes() {
        let e = Error::from(RpcError::rejected(DataCode::InvalidFsmId));
        let text = e.to_string();
        assert!(text.starts_with("node error: Rejected (3): "), "{text}");
        assert!(text.ends_with("(1016)"), "{text}");
        assert_eq!(e.data_codes(), vec![1016]);
        let plain = Error::Rejected(Box::new(RpcError::new(ErrorCode::InternalError)));
        assert!(plain.data_codes().is_empty());
        assert!(plain.to_string().contains("(-32603)"), "{plain}");
    }

    #[test]
    fn refused_and_unresolved_connections_say_so() {
        let refused = Error::Connect {
            addr: "127.0.0.1:1".into(),
            source: io::Error::from(io::ErrorKind::ConnectionRefused),
        };
        assert!(refused.to_string().contains("connection refused"), "{refused}");
        let dns = Error::Connect {
            addr: "x.invalid:1".into(),
            source: io::Error::new(io::ErrorKind::NotFound, "no such host"),
        };
        assert!(dns.to_string().contains("DNS"), "{dns}");
    }

    #[test]
    fn deadlines_say_what_was_seen() {
        let e = Error::Deadline {
            phase: Timeout::OnChain,
            waited: std::time::Duration::from_secs(300),
            seen: "seen on_chain_tx close_mutual, closing".into(),
        };
        assert_eq!(e.timeout(), Some(Timeout::OnChain));
        assert_eq!(
            e.to_string(),
            "on-chain confirmation timed out after 300 s; seen on_chain_tx close_mutual, closing"
        );
    }
}
