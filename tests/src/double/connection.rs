//! One thread per client socket: the WebSocket handshake (capturing the query string), then a
//! loop that writes what the hub sends and forwards what the client sends, polling the socket
//! with a short read timeout so that every wait is bounded.

use std::io;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use super::hub::{ConnCmd, HubInput};
use super::ids::ConnId;

/// How long a socket read waits before the loop looks at its queue again.
const POLL: Duration = Duration::from_millis(10);
/// Upper bound for the opening handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Upper bound for one blocked write.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest frame a client may send (the node caps `channels.message` at 65000 bytes of info).
const MAX_MESSAGE: usize = 1 << 20;
/// A socket silent for this long is closed, as cowboy does.
const SILENCE: Duration = Duration::from_secs(60);

/// Everything a connection thread needs.
pub(crate) struct ConnSetup {
    pub id: ConnId,
    pub stream: TcpStream,
    pub hub: Sender<HubInput>,
    pub stop: Arc<AtomicBool>,
    pub close_grace: Duration,
}

/// Runs one connection to its end. Never panics on client input.
pub(crate) fn run(setup: ConnSetup) {
    let ConnSetup { id, stream, hub, stop, close_grace } = setup;
    let Some((mut ws, query)) = handshake(stream) else {
        return;
    };
    let (tx, rx) = crossbeam_channel::bounded::<ConnCmd>(4096);
    if hub.send(HubInput::Connected { conn: id, query, tx }).is_err() {
        let _ = ws.close(None);
        let _ = ws.flush();
        return;
    }
    serve(&mut ws, id, &rx, &hub, &stop, close_grace);
    let _ = hub.send(HubInput::Disconnected { conn: id });
}

// tungstenite's handshake callback must return its `ErrorResponse` as is.
#[allow(clippy::result_large_err)]
fn handshake(stream: TcpStream) -> Option<(WebSocket<TcpStream>, String)> {
    stream.set_nonblocking(false).ok()?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT)).ok()?;
    let _ = stream.set_nodelay(true);
    // The whole request head must arrive within the handshake deadline (a client trickling
    // bytes does not hold the thread); tungstenite then reads it without waiting.
    request_head_within(&stream, Instant::now() + HANDSHAKE_TIMEOUT)?;
    stream.set_read_timeout(Some(HANDSHAKE_TIMEOUT)).ok()?;
    let mut query = None;
    let callback = |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        if req.uri().path() != "/channel" {
            let mut not_found = ErrorResponse::new(None);
            *not_found.status_mut() = tungstenite::http::StatusCode::NOT_FOUND;
            return Err(not_found);
        }
        query = Some(req.uri().query().unwrap_or_default().to_string());
        Ok(resp)
    };
    let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE));
    let ws = tungstenite::accept_hdr_with_config(stream, callback, Some(config)).ok()?;
    ws.get_ref().set_read_timeout(Some(POLL)).ok()?;
    Some((ws, query?))
}

/// Waits until the socket holds a whole HTTP request head (up to 16 KiB), or fails at the
/// deadline, when the client closes, or when the head is larger.
fn request_head_within(stream: &TcpStream, deadline: Instant) -> Option<()> {
    const HEAD_LIMIT: usize = 16 * 1024;
    let mut buf = vec![0u8; HEAD_LIMIT];
    let mut seen = 0;
    loop {
        let left = deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())?;
        stream.set_read_timeout(Some(left.min(POLL))).ok()?;
        match stream.peek(&mut buf) {
            Ok(0) => return None,
            Ok(n) => {
                let head = buf.get(..n)?;
                if head.windows(4).any(|w| w == b"\r\n\r\n") {
                    return Some(());
                }
                if n == HEAD_LIMIT {
                    return None;
                }
                if n == seen {
                    // Nothing new since the last look: peek returns at once, so pause.
                    std::thread::sleep(POLL.min(left));
                }
                seen = n;
            }
            Err(e) if is_timeout(&e) => {}
            Err(_) => return None,
        }
    }
}

fn serve(
    ws: &mut WebSocket<TcpStream>,
    id: ConnId,
    rx: &Receiver<ConnCmd>,
    hub: &Sender<HubInput>,
    stop: &AtomicBool,
    close_grace: Duration,
) {
    let mut closing_since: Option<Instant> = None;
    let mut last_rx = Instant::now();
    loop {
        if stop.load(Ordering::Relaxed) && closing_since.is_none() {
            let _ = ws.close(None);
            closing_since = Some(Instant::now());
        }
        if let Some(since) = closing_since {
            if since.elapsed() > close_grace {
                return;
            }
        }
        // Outgoing frames first.
        loop {
            match rx.try_recv() {
                Ok(ConnCmd::Text(text)) if closing_since.is_none() => {
                    if ws.write(Message::text(text)).is_err() {
                        return;
                    }
                }
                Ok(ConnCmd::Binary(bytes)) if closing_since.is_none() => {
                    if ws.write(Message::binary(bytes)).is_err() {
                        return;
                    }
                }
                Ok(ConnCmd::Close) if closing_since.is_none() => {
                    // As a node closes a socket whose FSM is gone: code 1000.
                    let normal = tungstenite::protocol::CloseFrame {
                        code: tungstenite::protocol::frame::coding::CloseCode::Normal,
                        reason: "".into(),
                    };
                    let _ = ws.close(Some(normal));
                    closing_since = Some(Instant::now());
                }
                Ok(_) => {}
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if closing_since.is_none() {
                        let _ = ws.close(None);
                        closing_since = Some(Instant::now());
                    }
                    break;
                }
            }
        }
        match ws.flush() {
            Ok(()) => {}
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => return,
        }
        match ws.read() {
            Ok(Message::Text(text)) => {
                last_rx = Instant::now();
                if closing_since.is_none()
                    && hub
                        .send(HubInput::Frame { conn: id, text: text.as_str().to_string() })
                        .is_err()
                {
                    return;
                }
            }
            Ok(Message::Close(_)) => {
                // tungstenite queued the reply; flush it and finish.
                let _ = ws.flush();
                if closing_since.is_none() {
                    closing_since = Some(Instant::now());
                }
            }
            Ok(_) => last_rx = Instant::now(),
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => return,
        }
        if closing_since.is_none() && last_rx.elapsed() > SILENCE {
            let _ = ws.close(None);
            closing_since = Some(Instant::now());
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
