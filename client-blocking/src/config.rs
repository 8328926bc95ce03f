//! Connection settings: deadlines, keepalive, buffer sizes and TLS.

use std::sync::Arc;
use std::time::Duration;

use crate::reactor::Reactor;
use crate::trace::Tracer;

/// How a connection to the node behaves. Every wait has a deadline.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// Deadline for the TCP connection (per resolved address).
    pub connect_timeout: Duration,
    /// Deadline for the TLS and WebSocket handshakes together.
    pub handshake_timeout: Duration,
    /// Deadline for the answer to a single JSON-RPC request.
    pub call_timeout: Duration,
    /// Deadline for the close handshake.
    pub close_timeout: Duration,
    /// Interval of WebSocket pings (the node closes a socket that has been silent for 60 s).
    /// `None` disables pings.
    pub ping_interval: Option<Duration>,
    /// The connection is considered dead when nothing at all (not even a pong) arrived for
    /// this long. Only checked while pings are enabled.
    pub keepalive_timeout: Duration,
    /// Upper bound on how long a connection waits to be run when nothing is due. Its reactor
    /// runs it for frames, handles' requests and its own timers (deadlines, keepalive, pings)
    /// when they are due, so an idle connection costs nothing in between.
    pub tick: Duration,
    /// Capacity of the event stream in events (oldest events are dropped beyond it).
    pub event_capacity: usize,
    /// Capacity of the event stream in bytes, each event counting for the frame it came from
    /// (oldest events are dropped beyond it; the newest is always kept).
    pub event_bytes: usize,
    /// A node that sends more frames than this within one second is disconnected
    /// ([`crate::Error::Flood`]); `None` for no limit.
    pub max_frames_per_second: Option<u32>,
    /// How many frames the I/O thread reads in a row before it turns to the handles' requests,
    /// deadlines and closing again (a node that floods cannot starve them).
    pub read_burst: usize,
    /// Capacity of the command queue from the handle to the I/O thread.
    pub command_capacity: usize,
    /// Largest message accepted from the node, in bytes.
    pub max_message_size: usize,
    /// Size of the socket read buffer (messages larger than it are still read, in chunks).
    pub read_buffer_size: usize,
    /// TLS settings for `wss://`; `None` uses the webpki root certificates with the
    /// process-wide rustls `CryptoProvider` the application installed, or else the
    /// `aws-lc-rs` provider.
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// Receives every socket event (see [`crate::trace`]); `None` (the default) for no trace.
    pub trace: Option<Arc<dyn Tracer>>,
    /// The I/O thread the connection runs on, shared with other connections; `None` (the
    /// default) gives each connection an I/O thread of its own.
    pub reactor: Option<Reactor>,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            connect_timeout: Duration::from_secs(5),
            handshake_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(30),
            close_timeout: Duration::from_secs(5),
            ping_interval: Some(Duration::from_secs(20)),
            keepalive_timeout: Duration::from_secs(40),
            tick: Duration::from_secs(3600),
            event_capacity: 1024,
            event_bytes: 16 << 20,
            max_frames_per_second: Some(20_000),
            read_burst: 32,
            command_capacity: 16,
            max_message_size: 16 << 20,
            read_buffer_size: 4 << 10,
            tls: None,
            trace: None,
            reactor: None,
        }
    }
}

impl ConnectionConfig {
    /// Runs the connection on `reactor` (see [`ConnectionConfig::reactor`]).
    #[must_use]
    pub fn reactor(mut self, reactor: &Reactor) -> Self {
        self.reactor = Some(reactor.clone());
        self
    }

    /// Sets [`ConnectionConfig::connect_timeout`].
    #[must_use]
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets [`ConnectionConfig::handshake_timeout`].
    #[must_use]
    pub fn handshake_timeout(mut self, d: Duration) -> Self {
        self.handshake_timeout = d;
        self
    }

    /// Sets [`ConnectionConfig::call_timeout`].
    #[must_use]
    pub fn call_timeout(mut self, d: Duration) -> Self {
        self.call_timeout = d;
        self
    }

    /// Sets [`ConnectionConfig::close_timeout`].
    #[must_use]
    pub fn close_timeout(mut self, d: Duration) -> Self {
        self.close_timeout = d;
        self
    }

    /// Sets [`ConnectionConfig::ping_interval`].
    #[must_use]
    pub fn ping_interval(mut self, d: Option<Duration>) -> Self {
        self.ping_interval = d;
        self
    }

    /// Sets [`ConnectionConfig::keepalive_timeout`].
    #[must_use]
    pub fn keepalive_timeout(mut self, d: Duration) -> Self {
        self.keepalive_timeout = d;
        self
    }

    /// Sets [`ConnectionConfig::event_capacity`].
    #[must_use]
    pub fn event_capacity(mut self, n: usize) -> Self {
        self.event_capacity = n;
        self
    }

    /// Hands every socket event (open, each frame sent or received, close) to `tracer`;
    /// see [`crate::trace`]. Records carry no role; a channel configured with
    /// [`crate::ChannelConfigBuilder::trace`] stamps its role on them.
    #[must_use]
    pub fn trace(mut self, tracer: Arc<dyn Tracer>) -> Self {
        self.trace = Some(tracer);
        self
    }

    /// Sets [`ConnectionConfig::max_message_size`].
    #[must_use]
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Sets [`ConnectionConfig::event_bytes`].
    #[must_use]
    pub fn event_bytes(mut self, n: usize) -> Self {
        self.event_bytes = n;
        self
    }

    /// Sets [`ConnectionConfig::max_frames_per_second`].
    #[must_use]
    pub fn max_frames_per_second(mut self, n: Option<u32>) -> Self {
        self.max_frames_per_second = n;
        self
    }

    /// Sets [`ConnectionConfig::tls`].
    #[must_use]
    pub fn tls(mut self, tls: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(tls);
        self
    }
}

/// Deadlines of the channel operations, by phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// From connecting to `fsm_up`.
    pub fsm_up: Duration,
    /// From `fsm_up` to an open channel (both parties connected, create tx signed and
    /// confirmed on chain).
    pub open: Duration,
    /// From asking for an operation to the node's sign request.
    pub sign_request: Duration,
    /// From signing to the co-signed state.
    pub co_signed: Duration,
    /// From signing an on-chain transaction to its confirmation.
    pub on_chain: Duration,
    /// From asking to leave to the node's confirmation.
    pub leave: Duration,
    /// From reconnecting to a usable channel.
    pub reestablish: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            fsm_up: Duration::from_secs(10),
            open: Duration::from_secs(300),
            sign_request: Duration::from_secs(30),
            co_signed: Duration::from_secs(60),
            on_chain: Duration::from_secs(300),
            leave: Duration::from_secs(30),
            reestablish: Duration::from_secs(60),
        }
    }
}

impl Deadlines {
    /// The same deadline for every phase (handy in tests).
    pub fn all(d: Duration) -> Self {
        Deadlines {
            fsm_up: d,
            open: d,
            sign_request: d,
            co_signed: d,
            on_chain: d,
            leave: d,
            reestablish: d,
        }
    }
}

/// `now + d`, or a point a century away when `d` is too long to add (a user may pass
/// `Duration::MAX` to mean "no deadline").
pub(crate) fn after(now: std::time::Instant, d: Duration) -> std::time::Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    now.checked_add(d).or_else(|| now.checked_add(CENTURY)).unwrap_or(now)
}
