//! The accept loop: a non-blocking listener polled until the double stops; each accepted
//! socket gets its own connection thread.

use std::io;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::Sender;

use super::connection::{self, ConnSetup};
use super::hub::HubInput;
use super::ids::ConnId;

/// How often the listener is polled.
const ACCEPT_POLL: Duration = Duration::from_millis(10);

/// Runs the accept loop until `stop` is set, then joins every connection thread.
pub(crate) fn run(
    listener: TcpListener,
    hub: Sender<HubInput>,
    stop: Arc<AtomicBool>,
    close_grace: Duration,
) {
    let next_id = AtomicU64::new(1);
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _peer)) => {
                let setup = ConnSetup {
                    id: ConnId(next_id.fetch_add(1, Ordering::Relaxed)),
                    stream,
                    hub: hub.clone(),
                    stop: Arc::clone(&stop),
                    close_grace,
                };
                match thread::Builder::new()
                    .name("node-double-conn".into())
                    .spawn(move || connection::run(setup))
                {
                    Ok(handle) => workers.push(handle),
                    Err(_) => thread::sleep(ACCEPT_POLL),
                }
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(ACCEPT_POLL),
            Err(_) => thread::sleep(ACCEPT_POLL),
        }
    }
    for w in workers {
        let _ = w.join();
    }
}
