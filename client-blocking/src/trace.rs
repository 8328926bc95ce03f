//! A wire trace: every socket event of a connection (open, each frame sent or received
//! exactly as on the wire, close), handed to a [`Tracer`].
//!
//! Off by default, and free when off (one `Option` check per frame). Set it with
//! [`crate::ChannelConfigBuilder::trace`] (records carry the channel role) or
//! [`crate::ConnectionConfig::trace`]. [`JsonLinesTrace`] writes one JSON object per line:
//!
//! ```text
//! {"role":"initiator","dir":"open","url":"ws://…","t":0.000123}
//! {"role":"initiator","dir":"recv","raw":"{\"jsonrpc\":\"2.0\",…}","t":0.004}
//! {"role":"initiator","dir":"close","code":1000,"reason":"","t":1.2}
//! ```
//!
//! A tracer is called on the connection's I/O thread: it must be quick and must not call into
//! the channel it traces.

use std::fmt;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::params::Role;

/// What happened on the socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The WebSocket handshake completed (`url` is set).
    Open,
    /// A text frame was written (`raw` is set).
    Send,
    /// A text frame was read (`raw` is set).
    Recv,
    /// The connection ended (`code` and `reason` when a close frame was received).
    Close,
}

impl Direction {
    /// `"open"`, `"send"`, `"recv"` or `"close"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::Open => "open",
            Direction::Send => "send",
            Direction::Recv => "recv",
            Direction::Close => "close",
        }
    }
}

/// One socket event.
#[derive(Debug, Clone, Copy)]
pub struct TraceRecord<'a> {
    /// The role of the channel party whose connection this is, when known.
    pub role: Option<Role>,
    /// What happened.
    pub dir: Direction,
    /// The URL connected to ([`Direction::Open`]).
    pub url: Option<&'a str>,
    /// The frame text exactly as sent or received ([`Direction::Send`], [`Direction::Recv`]).
    pub raw: Option<&'a str>,
    /// The close code received, if any ([`Direction::Close`]).
    pub code: Option<u16>,
    /// The close reason received, or why the connection ended ([`Direction::Close`]).
    pub reason: Option<&'a str>,
}

impl<'a> TraceRecord<'a> {
    pub(crate) fn new(role: Option<Role>, dir: Direction) -> Self {
        TraceRecord { role, dir, url: None, raw: None, code: None, reason: None }
    }
}

/// Receives the socket events of the connections it is configured on.
pub trait Tracer: Send + Sync + fmt::Debug {
    /// Called on the I/O thread for each event, in order.
    fn record(&self, record: &TraceRecord<'_>);
}

/// Records one event on `tracer`.
pub(crate) fn emit<'a>(
    tracer: &dyn Tracer,
    dir: Direction,
    fill: impl FnOnce(&mut TraceRecord<'a>),
) {
    let mut r = TraceRecord::new(None, dir);
    fill(&mut r);
    tracer.record(&r);
}

/// A tracer that stamps a channel party's role on every record it forwards.
#[derive(Debug)]
pub(crate) struct WithRole {
    pub(crate) inner: Arc<dyn Tracer>,
    pub(crate) role: Role,
}

impl Tracer for WithRole {
    fn record(&self, record: &TraceRecord<'_>) {
        let mut r = *record;
        r.role = Some(self.role);
        self.inner.record(&r);
    }
}

/// Writes each record as one JSON object per line, with `t` in seconds since the tracer was
/// made; shared by any number of connections (lines never interleave).
pub struct JsonLinesTrace<W: Write + Send> {
    out: Mutex<W>,
    start: Instant,
}

impl<W: Write + Send> fmt::Debug for JsonLinesTrace<W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLinesTrace").field("start", &self.start).finish_non_exhaustive()
    }
}

impl<W: Write + Send> JsonLinesTrace<W> {
    /// A tracer writing to `out`.
    pub fn new(out: W) -> Self {
        JsonLinesTrace { out: Mutex::new(out), start: Instant::now() }
    }

    /// The writer back (after the traced connections have ended).
    pub fn into_inner(self) -> W {
        self.out.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<W: Write + Send> Tracer for JsonLinesTrace<W> {
    fn record(&self, r: &TraceRecord<'_>) {
        let mut line = serde_json::Map::new();
        if let Some(role) = r.role {
            line.insert("role".into(), role.as_str().into());
        }
        line.insert("dir".into(), r.dir.as_str().into());
        if let Some(url) = r.url {
            line.insert("url".into(), url.into());
        }
        if let Some(raw) = r.raw {
            line.insert("raw".into(), raw.into());
        }
        if let Some(code) = r.code {
            line.insert("code".into(), code.into());
        }
        if let Some(reason) = r.reason {
            line.insert("reason".into(), reason.into());
        }
        let t = self.start.elapsed().as_secs_f64();
        line.insert("t".into(), serde_json::Number::from_f64(t).map_or(0.into(), Into::into));
        let text = serde_json::Value::Object(line).to_string();
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // A trace that cannot be written is lost; the connection goes on.
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn records_are_json_lines() {
        let t = JsonLinesTrace::new(Vec::new());
        let mut r = TraceRecord::new(Some(Role::Responder), Direction::Recv);
        r.raw = Some("{\"a\":1}");
        t.record(&r);
        let mut r = TraceRecord::new(None, Direction::Close);
        r.code = Some(1000);
        t.record(&r);
        let text = String::from_utf8(t.into_inner()).unwrap();
        let lines: Vec<serde_json::Value> =
            text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines[0]["role"], "responder");
        assert_eq!(lines[0]["dir"], "recv");
        assert_eq!(lines[0]["raw"], "{\"a\":1}");
        assert!(lines[0]["t"].as_f64().is_some());
        assert_eq!(lines[1]["code"], 1000);
        assert!(lines[1].get("role").is_none());
    }
}
