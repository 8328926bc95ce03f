//! The hub thread: owns the [`Node`] (all channels and the simulated chain), receives socket
//! events and harness requests, wakes up when the chain or a timer needs it, and routes the
//! node's outputs to the connection threads.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};

use super::ids::ConnId;
use super::logging;
use super::node::{Control, Input, Node, Status};
use super::outbox::{Observation, Output};

/// What a connection thread is told to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnCmd {
    Text(String),
    Binary(Vec<u8>),
    Close,
}

/// What the hub receives.
#[derive(Debug)]
pub(crate) enum HubInput {
    Connected { conn: ConnId, query: String, tx: Sender<ConnCmd> },
    Frame { conn: ConnId, text: String },
    Disconnected { conn: ConnId },
    Control(Control),
    Status(Sender<Status>),
    Observations(Sender<Vec<Observation>>),
    Stop,
}

/// The longest the hub sleeps without looking at the clock.
const MAX_SLEEP: Duration = Duration::from_millis(50);

/// Runs the hub until it is told to stop or every sender is gone.
pub(crate) fn run(mut node: Node, rx: Receiver<HubInput>) {
    let mut conns: HashMap<ConnId, Sender<ConnCmd>> = HashMap::new();
    let mut observations: Vec<Observation> = Vec::new();
    loop {
        let now = Instant::now();
        let wait = node
            .next_wakeup()
            .saturating_duration_since(now)
            .clamp(Duration::from_millis(1), MAX_SLEEP);
        let outputs = match rx.recv_timeout(wait) {
            Ok(HubInput::Connected { conn, query, tx }) => {
                log::info!("connection {}: {} connected", conn.0, logging::role_of(&query));
                conns.insert(conn, tx);
                node.handle(Instant::now(), Input::Connected { conn, query })
            }
            Ok(HubInput::Frame { conn, text }) => {
                logging::frame(conn.0, "recv", &text);
                node.handle(Instant::now(), Input::Frame { conn, text })
            }
            Ok(HubInput::Disconnected { conn }) => {
                log::info!("connection {}: closed", conn.0);
                conns.remove(&conn);
                node.handle(Instant::now(), Input::Disconnected { conn })
            }
            Ok(HubInput::Control(c)) => node.handle(Instant::now(), Input::Control(c)),
            Ok(HubInput::Status(reply)) => {
                let _ = reply.send(node.status());
                Vec::new()
            }
            Ok(HubInput::Observations(reply)) => {
                observations.extend(node.take_observations());
                let _ = reply.send(std::mem::take(&mut observations));
                Vec::new()
            }
            Ok(HubInput::Stop) | Err(RecvTimeoutError::Disconnected) => {
                log::info!("node double stopping");
                break;
            }
            Err(RecvTimeoutError::Timeout) => node.tick(Instant::now()),
        };
        observations.extend(node.take_observations());
        if observations.len() > 10_000 {
            observations.drain(..5_000);
        }
        dispatch(&conns, outputs);
    }
    for tx in conns.values() {
        let _ = tx.try_send(ConnCmd::Close);
    }
}

fn dispatch(conns: &HashMap<ConnId, Sender<ConnCmd>>, outputs: Vec<Output>) {
    for out in outputs {
        let (conn, cmd) = match out {
            Output::Text(c, t) => {
                logging::frame(c.0, "send", &t);
                (c, ConnCmd::Text(t))
            }
            Output::Binary(c, b) => (c, ConnCmd::Binary(b)),
            Output::Close(c) => (c, ConnCmd::Close),
        };
        if let Some(tx) = conns.get(&conn) {
            // A client that does not read fills its queue; the node would drop it too.
            if let Err(TrySendError::Full(_)) = tx.try_send(cmd) {
                log::warn!("connection {}: the client does not read; closing it", conn.0);
                let _ = tx.try_send(ConnCmd::Close);
            }
        }
    }
}
