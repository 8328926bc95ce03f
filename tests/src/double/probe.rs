//! A small scripted WebSocket client for driving the double (or a node) in tests: send JSON,
//! wait for frames with deadlines, sign what the node asks to sign.

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

use super::clock::later;
use super::txs::SignedTx;

/// How long a read waits before the deadline is checked again.
const POLL: Duration = Duration::from_millis(10);

/// A blocking test client with one socket.
#[derive(Debug)]
pub struct Probe {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    closed: bool,
    next_id: i64,
}

/// Why a probe operation failed.
#[derive(Debug)]
pub enum ProbeError {
    /// Connecting failed.
    Connect(String),
    /// No matching frame arrived in time; the frames seen meanwhile are attached.
    Timeout {
        /// What was awaited.
        wanted: String,
        /// Frames received while waiting.
        seen: Vec<Value>,
    },
    /// The socket closed.
    Closed,
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Connect(e) => write!(f, "connect: {e}"),
            ProbeError::Timeout { wanted, seen } => {
                write!(f, "timed out waiting for {wanted}; saw {} frame(s):", seen.len())?;
                for v in seen {
                    write!(f, "\n  {v}")?;
                }
                Ok(())
            }
            ProbeError::Closed => f.write_str("socket closed"),
        }
    }
}

impl std::error::Error for ProbeError {}

impl Probe {
    /// Connects to `url` (`ws://…`), waiting at most `timeout`.
    ///
    /// # Errors
    /// [`ProbeError::Connect`] when the TCP connect or the handshake fails.
    pub fn connect(url: &str, timeout: Duration) -> Result<Probe, ProbeError> {
        let err = |e: &dyn std::fmt::Display| ProbeError::Connect(e.to_string());
        let request = url.into_client_request().map_err(|e| err(&e))?;
        let host = request.uri().host().unwrap_or("127.0.0.1").to_string();
        let port = request.uri().port_u16().unwrap_or(80);
        let addr = (host.as_str(), port)
            .to_socket_addrs()
            .map_err(|e| err(&e))?
            .next()
            .ok_or_else(|| ProbeError::Connect("no address".into()))?;
        let stream = TcpStream::connect_timeout(&addr, timeout).map_err(|e| err(&e))?;
        stream.set_read_timeout(Some(timeout)).map_err(|e| err(&e))?;
        stream.set_write_timeout(Some(timeout)).map_err(|e| err(&e))?;
        let (ws, _) =
            tungstenite::client(request, MaybeTlsStream::Plain(stream)).map_err(|e| err(&e))?;
        if let MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(POLL)).map_err(|e| err(&e))?;
        }
        Ok(Probe { ws, closed: false, next_id: 1 })
    }

    /// Sends a JSON value as a text frame.
    ///
    /// # Errors
    /// [`ProbeError::Closed`] when the socket is gone.
    pub fn send(&mut self, v: &Value) -> Result<(), ProbeError> {
        self.send_text(&v.to_string())
    }

    /// Sends a text frame as is.
    ///
    /// # Errors
    /// [`ProbeError::Closed`] when the socket is gone.
    pub fn send_text(&mut self, text: &str) -> Result<(), ProbeError> {
        self.ws.send(Message::text(text)).map_err(|_| ProbeError::Closed)
    }

    /// Sends a binary frame.
    ///
    /// # Errors
    /// [`ProbeError::Closed`] when the socket is gone.
    pub fn send_binary(&mut self, bytes: Vec<u8>) -> Result<(), ProbeError> {
        self.ws.send(Message::binary(bytes)).map_err(|_| ProbeError::Closed)
    }

    /// Sends a request `{"jsonrpc":"2.0","method","params"}`, with a fresh id when `with_id`.
    /// Returns the id used.
    ///
    /// # Errors
    /// [`ProbeError::Closed`] when the socket is gone.
    pub fn call(
        &mut self,
        method: &str,
        params: Value,
        with_id: bool,
    ) -> Result<Option<i64>, ProbeError> {
        let mut req = json!({"jsonrpc": "2.0", "method": method, "params": params});
        let id = with_id.then(|| {
            self.next_id += 1;
            self.next_id
        });
        if let (Some(id), Some(obj)) = (id, req.as_object_mut()) {
            obj.insert("id".into(), json!(id));
        }
        self.send(&req)?;
        Ok(id)
    }

    /// The next frame, waiting at most `timeout`. `None` on timeout; non-JSON text frames
    /// come back as JSON strings.
    ///
    /// # Errors
    /// [`ProbeError::Closed`] when the socket closed.
    pub fn recv(&mut self, timeout: Duration) -> Result<Option<Value>, ProbeError> {
        let deadline = later(Instant::now(), timeout);
        loop {
            if self.closed {
                return Err(ProbeError::Closed);
            }
            match self.ws.read() {
                Ok(Message::Text(t)) => {
                    let v = serde_json::from_str(t.as_str())
                        .unwrap_or_else(|_| Value::String(t.to_string()));
                    return Ok(Some(v));
                }
                Ok(Message::Binary(b)) => return Ok(Some(json!({"binary": b.len()}))),
                Ok(Message::Close(_)) => {
                    let _ = self.ws.flush();
                    self.closed = true;
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(_) => self.closed = true,
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
        }
    }

    /// Waits for a frame for which `pred` holds, skipping others. Returns it.
    ///
    /// # Errors
    /// [`ProbeError::Timeout`] with the frames skipped, or [`ProbeError::Closed`].
    pub fn wait_for(
        &mut self,
        wanted: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Result<Value, ProbeError> {
        let deadline = later(Instant::now(), timeout);
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.recv(left) {
                Ok(Some(v)) if pred(&v) => return Ok(v),
                Ok(Some(v)) => seen.push(v),
                Ok(None) => return Err(ProbeError::Timeout { wanted: wanted.into(), seen }),
                Err(ProbeError::Closed) if !seen.is_empty() => {
                    return Err(ProbeError::Timeout {
                        wanted: format!("{wanted} (socket closed)"),
                        seen,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The next frame, which must have `method` (and `event`/`info` when given).
    ///
    /// # Errors
    /// [`ProbeError::Timeout`] when the next frame is another one or none comes.
    pub fn expect(
        &mut self,
        method: &str,
        event: Option<&str>,
        timeout: Duration,
    ) -> Result<Value, ProbeError> {
        let wanted = format!("{method} {}", event.unwrap_or(""));
        match self.recv(timeout)? {
            Some(v) if frame_is(&v, method, event) => Ok(v),
            Some(v) => Err(ProbeError::Timeout { wanted, seen: vec![v] }),
            None => Err(ProbeError::Timeout { wanted, seen: Vec::new() }),
        }
    }

    /// Whether the server closed the socket.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Waits until the server closes the socket, draining frames.
    ///
    /// # Errors
    /// [`ProbeError::Timeout`] when it stays open.
    pub fn wait_closed(&mut self, timeout: Duration) -> Result<Vec<Value>, ProbeError> {
        let deadline = later(Instant::now(), timeout);
        let mut seen = Vec::new();
        while Instant::now() < deadline {
            match self.recv(deadline.saturating_duration_since(Instant::now())) {
                Ok(Some(v)) => seen.push(v),
                Ok(None) => break,
                Err(_) => return Ok(seen),
            }
        }
        Err(ProbeError::Timeout { wanted: "close".into(), seen })
    }

    /// Closes the socket (close handshake, bounded).
    pub fn close(mut self) {
        let _ = self.ws.close(None);
        let deadline = Instant::now() + Duration::from_millis(500);
        while Instant::now() < deadline {
            match self.ws.read() {
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(_) => break,
            }
        }
    }
}

/// Whether `v` is a frame with `method` (`result` / `error` for replies) and, when given,
/// `event` as its `data.event` or `data.info`.
pub fn frame_is(v: &Value, method: &str, event: Option<&str>) -> bool {
    let (m, e) = super::frames::frame_key(v);
    m == method && (event.is_none() || e.as_deref() == event)
}

/// Adds `key`'s signature (raw form, for `network`) to the `tx_…` of a sign request and
/// returns the new `tx_…`. `None` when the string is not a signed transaction.
pub fn co_sign(tx: &str, key: &SecretKey, network: &NetworkId) -> Option<String> {
    let mut signed = SignedTx::from_api_str(tx).ok()?;
    signed.sign(key, network, SignatureForm::Raw);
    Some(signed.to_api_string())
}

/// The `signed_tx` of a `channels.sign.*` request.
pub fn sign_request_tx(frame: &Value) -> Option<&str> {
    frame.get("params")?.get("data")?.get("signed_tx")?.as_str()
}
