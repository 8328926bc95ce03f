//! One client socket of the I/O thread, never blocking: the WebSocket server handshake
//! (resumed on readiness, capturing the query string), then frames read in bounded bursts and
//! written through tungstenite's buffer, the close handshake and the socket's deadlines.
//!
//! Every method does a bounded amount of work and reports what the I/O thread must do next
//! ([`Next`]); nothing here panics on what a client sends.

use std::cell::Cell;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use crossbeam_channel::Sender;
use mio::net::TcpStream;
use tungstenite::handshake::server::{Callback, ErrorResponse, Request, Response, ServerHandshake};
use tungstenite::handshake::{HandshakeError, MidHandshake};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tungstenite::{Error, Message, WebSocket};

use super::hub::HubInput;
use super::ids::ConnId;
use super::io_loop::ConnCmd;

/// Upper bound for the opening handshake, from the accept.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// A socket silent for this long is closed, as cowboy does.
const SILENCE: Duration = Duration::from_secs(60);
/// Largest frame or message a client may send (the node caps `channels.message` at 65000
/// bytes of info).
const MAX_MESSAGE: usize = 1 << 20;
/// Frames read from one socket before the others get their turn.
const READ_BURST: usize = 32;
/// Bytes waiting for a client before it counts as not reading and is dropped.
const MAX_OUTGOING: usize = 8 << 20;
/// Read chunk of a socket (larger frames are read in several chunks); clients send small
/// frames.
const READ_BUFFER: usize = 2 * 1024;
/// Bytes buffered by `write` before they go to the socket (every batch is flushed anyway).
const WRITE_BUFFER: usize = 64 * 1024;

/// What the I/O thread does with a socket after some work on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Nothing until the next readiness event or deadline.
    Wait,
    /// Work is left (a read burst ended with frames left, a call was interrupted): come back
    /// in the next round, as no readiness event may announce it.
    Again,
    /// The socket is finished: drop it.
    Gone,
}

/// Keeps the query string of the upgrade request for after the handshake.
struct QueryCapture(Rc<Cell<Option<String>>>);

impl Callback for QueryCapture {
    // tungstenite's callback returns its `ErrorResponse` as is.
    #[allow(clippy::result_large_err)]
    fn on_request(self, req: &Request, resp: Response) -> Result<Response, ErrorResponse> {
        if req.uri().path() != "/channel" {
            let mut not_found = ErrorResponse::new(None);
            *not_found.status_mut() = tungstenite::http::StatusCode::NOT_FOUND;
            return Err(not_found);
        }
        self.0.set(Some(req.uri().query().unwrap_or_default().to_string()));
        Ok(resp)
    }
}

type Handshake = MidHandshake<ServerHandshake<TcpStream, QueryCapture>>;

enum Phase {
    Handshake(Handshake),
    Open(WebSocket<TcpStream>),
    /// Transient, while a handshake round owns the stream, and after the end.
    Done,
}

/// A client socket.
pub(crate) struct Conn {
    id: ConnId,
    phase: Phase,
    query: Rc<Cell<Option<String>>>,
    /// Whether the hub was told about it (and must hear that it is gone).
    announced: bool,
    handshake_deadline: Instant,
    last_rx: Instant,
    closing_since: Option<Instant>,
    close_grace: Duration,
}

impl Conn {
    /// A freshly accepted socket (already registered with the poll), before its handshake.
    pub(crate) fn new(id: ConnId, stream: TcpStream, now: Instant, close_grace: Duration) -> Conn {
        let query = Rc::new(Cell::new(None));
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUFFER)
            .write_buffer_size(WRITE_BUFFER)
            .max_write_buffer_size(MAX_OUTGOING)
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let mid = ServerHandshake::start(stream, QueryCapture(Rc::clone(&query)), Some(config));
        Conn {
            id,
            phase: Phase::Handshake(mid),
            query,
            announced: false,
            handshake_deadline: super::clock::later(now, HANDSHAKE_TIMEOUT),
            last_rx: now,
            closing_since: None,
            close_grace,
        }
    }

    /// The socket's id.
    pub(crate) fn id(&self) -> ConnId {
        self.id
    }

    /// Whether the hub knows this socket.
    pub(crate) fn announced(&self) -> bool {
        self.announced
    }

    /// The socket, to deregister it.
    pub(crate) fn stream_mut(&mut self) -> Option<&mut TcpStream> {
        match &mut self.phase {
            Phase::Handshake(mid) => Some(mid.get_mut().get_mut()),
            Phase::Open(ws) => Some(ws.get_mut()),
            Phase::Done => None,
        }
    }

    /// When the socket next needs the clock: the handshake deadline, the end of the close
    /// grace, or the silence limit.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match (&self.phase, self.closing_since) {
            (Phase::Handshake(_), _) => Some(self.handshake_deadline),
            (Phase::Open(_), Some(since)) => Some(super::clock::later(since, self.close_grace)),
            (Phase::Open(_), None) => Some(super::clock::later(self.last_rx, SILENCE)),
            (Phase::Done, _) => None,
        }
    }

    /// The socket is ready (or may be): resumes the handshake, reads a burst of frames and
    /// flushes what waits to be written.
    pub(crate) fn on_ready(&mut self, now: Instant, hub: &Sender<HubInput>) -> Next {
        if let Phase::Handshake(_) = self.phase {
            match self.resume_handshake(hub) {
                Next::Wait if matches!(self.phase, Phase::Open(_)) => {}
                other => return other,
            }
        }
        let read = self.read_burst(now, hub);
        if read == Next::Gone {
            return Next::Gone;
        }
        match self.flush() {
            Next::Wait => read,
            other => other,
        }
    }

    fn resume_handshake(&mut self, hub: &Sender<HubInput>) -> Next {
        let Phase::Handshake(mid) = std::mem::replace(&mut self.phase, Phase::Done) else {
            return Next::Wait;
        };
        match mid.handshake() {
            Ok(ws) => {
                let Some(query) = self.query.take() else { return Next::Gone };
                self.phase = Phase::Open(ws);
                if hub.send(HubInput::Connected { conn: self.id, query }).is_err() {
                    return Next::Gone;
                }
                self.announced = true;
                Next::Wait
            }
            Err(HandshakeError::Interrupted(mid)) => {
                self.phase = Phase::Handshake(mid);
                Next::Wait
            }
            Err(HandshakeError::Failure(_)) => Next::Gone,
        }
    }

    /// Reads at most [`READ_BURST`] frames; text frames go to the hub.
    fn read_burst(&mut self, now: Instant, hub: &Sender<HubInput>) -> Next {
        let Phase::Open(ws) = &mut self.phase else { return Next::Wait };
        for _ in 0..READ_BURST {
            match ws.read() {
                Ok(Message::Text(text)) => {
                    self.last_rx = now;
                    if self.closing_since.is_none() {
                        let frame = HubInput::Frame { conn: self.id, text: text.as_str().into() };
                        if hub.send(frame).is_err() {
                            return Next::Gone;
                        }
                    }
                }
                // tungstenite queued the reply; the flush after the burst sends it and ends
                // the socket.
                Ok(Message::Close(_)) => {
                    self.closing_since.get_or_insert(now);
                    return Next::Wait;
                }
                // Pings are answered by tungstenite; binary frames carry nothing for the node.
                Ok(_) => self.last_rx = now,
                Err(Error::Io(e)) if would_block(&e) => return Next::Wait,
                Err(Error::Io(e)) if interrupted(&e) => return Next::Again,
                Err(_) => return Next::Gone,
            }
        }
        Next::Again
    }

    /// Writes what the hub sends (buffered until [`Conn::flush`]).
    pub(crate) fn send(&mut self, now: Instant, cmd: ConnCmd) -> Next {
        let message = match cmd {
            ConnCmd::Text(text) => Message::text(text),
            ConnCmd::Binary(bytes) => Message::binary(bytes),
            // As a node closes a socket whose FSM is gone: code 1000.
            ConnCmd::Close => {
                let normal = CloseFrame { code: CloseCode::Normal, reason: "".into() };
                return self.close(now, Some(normal));
            }
        };
        let Phase::Open(ws) = &mut self.phase else { return Next::Wait };
        if self.closing_since.is_some() {
            return Next::Wait;
        }
        match ws.write(message) {
            Ok(()) => Next::Wait,
            Err(Error::Io(e)) if would_block(&e) => Next::Wait,
            Err(Error::Io(e)) if interrupted(&e) => Next::Again,
            Err(Error::WriteBufferFull(_)) => {
                // A client that does not read; the node would drop it too.
                log::warn!("connection {}: the client does not read; dropping it", self.id.0);
                Next::Gone
            }
            Err(_) => Next::Gone,
        }
    }

    /// Starts the close handshake (a socket still in its opening handshake is just dropped).
    pub(crate) fn close(&mut self, now: Instant, frame: Option<CloseFrame>) -> Next {
        let Phase::Open(ws) = &mut self.phase else { return Next::Gone };
        if self.closing_since.is_some() {
            return Next::Wait;
        }
        self.closing_since = Some(now);
        match ws.close(frame) {
            Ok(()) => Next::Wait,
            Err(Error::Io(e)) if would_block(&e) => Next::Wait,
            Err(_) => Next::Gone,
        }
    }

    /// Pushes buffered bytes to the socket; what does not fit waits for writable readiness.
    pub(crate) fn flush(&mut self) -> Next {
        let Phase::Open(ws) = &mut self.phase else { return Next::Wait };
        match ws.flush() {
            Ok(()) => Next::Wait,
            Err(Error::Io(e)) if would_block(&e) => Next::Wait,
            Err(Error::Io(e)) if interrupted(&e) => Next::Again,
            // The close handshake is complete, or the socket failed.
            Err(_) => Next::Gone,
        }
    }

    /// The deadline came: a handshake or a close grace ends the socket, silence closes it.
    pub(crate) fn on_deadline(&mut self, now: Instant) -> Next {
        match self.deadline() {
            Some(at) if at <= now => {}
            _ => return Next::Wait,
        }
        match (&self.phase, self.closing_since) {
            (Phase::Open(_), None) => {
                log::info!("connection {}: silent for {SILENCE:?}; closing it", self.id.0);
                self.close(now, None)
            }
            _ => Next::Gone,
        }
    }
}

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

fn interrupted(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Interrupted
}
