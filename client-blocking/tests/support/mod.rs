//! A tiny scripted WebSocket server on 127.0.0.1:0 for the loopback tests.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// What the server does in answer to one request.
pub enum Action {
    /// Send this frame.
    Send(Value),
    /// Send a raw text frame.
    Raw(String),
    /// Sleep before the next action.
    Sleep(Duration),
    /// Send a close frame with this code and reason.
    Close(u16, &'static str),
    /// Drop the TCP connection without a close handshake.
    Drop,
    /// Stop reading for this long (no pongs, nothing).
    Stall(Duration),
}

/// Statistics the server collects.
#[derive(Default)]
pub struct Stats {
    pub pings: AtomicUsize,
    pub closes: AtomicUsize,
    pub requests: AtomicUsize,
}

/// A running server.
pub struct Server {
    pub port: u16,
    pub stats: Arc<Stats>,
    pub url: String,
    pub done: mpsc::Receiver<()>,
}

/// Answers a request with `result`.
pub fn reply(req: &Value, result: Value) -> Action {
    Action::Send(json!({"jsonrpc": "2.0", "version": 1, "channel_id": null,
                        "id": req["id"], "result": result}))
}

/// A notification frame.
pub fn notification(method: &str, data: Value) -> Action {
    Action::Send(json!({"jsonrpc": "2.0", "version": 1, "method": method,
                        "params": {"channel_id": null, "data": data}}))
}

impl Server {
    /// Serves one connection; `greeting` is sent right after the handshake and `script`
    /// answers every text request.
    pub fn spawn<F>(greeting: Vec<Action>, script: F) -> Server
    where
        F: FnMut(&Value) -> Vec<Action> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stats = Arc::new(Stats::default());
        let st = stats.clone();
        let (done_tx, done) = mpsc::channel();
        thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream.set_nodelay(true).unwrap();
            let mut ws = tungstenite::accept(stream).unwrap();
            serve(&mut ws, greeting, script, &st);
            let _ = done_tx.send(());
        });
        Server { port, stats, url: format!("ws://127.0.0.1:{port}/channel"), done }
    }
}

fn serve<F>(ws: &mut WebSocket<TcpStream>, greeting: Vec<Action>, mut script: F, st: &Stats)
where
    F: FnMut(&Value) -> Vec<Action>,
{
    if !run(ws, greeting) {
        return;
    }
    ws.get_ref().set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => {
                st.requests.fetch_add(1, Ordering::SeqCst);
                let req: Value = serde_json::from_str(t.as_str()).unwrap();
                if !run(ws, script(&req)) {
                    return;
                }
            }
            Ok(Message::Ping(_)) => {
                st.pings.fetch_add(1, Ordering::SeqCst);
            }
            Ok(Message::Close(_)) => {
                st.closes.fetch_add(1, Ordering::SeqCst);
            }
            Ok(_) => {}
            Err(_) => return,
        }
    }
}

fn run(ws: &mut WebSocket<TcpStream>, actions: Vec<Action>) -> bool {
    for a in actions {
        match a {
            Action::Send(v) => ws.send(Message::text(v.to_string())).unwrap(),
            Action::Raw(s) => ws.send(Message::text(s)).unwrap(),
            Action::Sleep(d) => thread::sleep(d),
            Action::Close(code, reason) => {
                let _ = ws.close(Some(tungstenite::protocol::CloseFrame {
                    code: code.into(),
                    reason: reason.into(),
                }));
                // Finish the close handshake.
                while ws.read().is_ok() {}
                return false;
            }
            Action::Drop => {
                let _ = ws.get_ref().shutdown(std::net::Shutdown::Both);
                return false;
            }
            Action::Stall(d) => thread::sleep(d),
        }
    }
    true
}

/// Runs `f` on a thread and fails the test if it takes longer than `limit`.
pub fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("test did not finish within {limit:?}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("test body panicked"),
    }
}
