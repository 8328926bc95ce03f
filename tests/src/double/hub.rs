//! The hub thread: owns the [`Node`] (all channels and the simulated chain), receives socket
//! events and harness requests, and sleeps exactly until the node's next wake-up or the next
//! input. The outputs of one round go to the I/O thread as one batch, followed by one wake-up.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};

use super::clock::later;
use super::ids::ConnId;
use super::io_loop::{ConnCmd, IoMsg};
use super::logging;
use super::node::{Control, Input, Node, Status};
use super::outbox::{Observation, Output};

/// What the hub receives.
#[derive(Debug)]
pub(crate) enum HubInput {
    /// A client completed the WebSocket handshake with this query string.
    Connected { conn: ConnId, query: String },
    /// A text frame from a client.
    Frame { conn: ConnId, text: String },
    /// A client socket is gone.
    Disconnected { conn: ConnId },
    /// A request of the test harness.
    Control(Control),
    /// The harness asks for a [`Status`].
    Status(Sender<Status>),
    /// The harness asks for the observations collected since its last call.
    Observations(Sender<Vec<Observation>>),
    /// Close every socket and end the thread.
    Stop,
}

/// Where the hub's outputs go: the I/O thread's queue and its waker.
#[derive(Debug)]
pub(crate) struct IoOut {
    /// The I/O thread's queue.
    pub tx: Sender<IoMsg>,
    /// Wakes the I/O thread's poll.
    pub waker: Arc<mio::Waker>,
}

/// Inputs handled in one round before its outputs are sent.
const ROUND: usize = 64;
/// The pause when the node keeps asking for the clock in the past (it should not): the hub
/// then ticks at most this often instead of spinning.
const STUCK_PAUSE: Duration = Duration::from_millis(1);

/// Runs the hub until it is told to stop or every sender is gone.
pub(crate) fn run(mut node: Node, rx: Receiver<HubInput>, io: IoOut) {
    let mut conns: HashSet<ConnId> = HashSet::new();
    let mut observations: Vec<Observation> = Vec::new();
    let mut stopping = false;
    while !stopping {
        let mut outputs = Vec::new();
        let mut due = node.next_wakeup();
        let now = Instant::now();
        if due <= now {
            outputs.extend(node.tick(now));
            due = node.next_wakeup();
            if due <= now {
                due = later(now, STUCK_PAUSE);
            }
        }
        // Sleep until the node needs the clock, then take what else is queued, up to a round.
        let mut input = match rx.recv_deadline(due) {
            Ok(input) => Some(input),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(HubInput::Stop),
        };
        let mut handled = 0;
        while let Some(next) = input.take() {
            handled += 1;
            match next {
                HubInput::Stop => {
                    log::info!("node double stopping");
                    stopping = true;
                    break;
                }
                other => outputs.extend(handle(&mut node, &mut conns, &mut observations, other)),
            }
            if handled < ROUND {
                input = rx.try_recv().ok();
            }
        }
        if handled == 0 {
            outputs.extend(node.tick(Instant::now()));
        }
        observations.extend(node.take_observations());
        if observations.len() > 10_000 {
            observations.drain(..5_000);
        }
        let mut batch = route(&conns, outputs);
        if stopping {
            batch.extend(conns.iter().map(|c| (*c, ConnCmd::Close)));
        }
        if !batch.is_empty() && io.tx.send(IoMsg::Batch(batch)).is_ok() {
            let _ = io.waker.wake();
        }
    }
}

/// Handles one input (not `Stop`); returns the node's outputs.
fn handle(
    node: &mut Node,
    conns: &mut HashSet<ConnId>,
    observations: &mut Vec<Observation>,
    input: HubInput,
) -> Vec<Output> {
    match input {
        HubInput::Connected { conn, query } => {
            log::info!("connection {}: {} connected", conn.0, logging::role_of(&query));
            conns.insert(conn);
            node.handle(Instant::now(), Input::Connected { conn, query })
        }
        HubInput::Frame { conn, text } => {
            logging::frame(conn.0, "recv", &text);
            node.handle(Instant::now(), Input::Frame { conn, text })
        }
        HubInput::Disconnected { conn } => {
            log::info!("connection {}: closed", conn.0);
            conns.remove(&conn);
            node.handle(Instant::now(), Input::Disconnected { conn })
        }
        HubInput::Control(c) => node.handle(Instant::now(), Input::Control(c)),
        HubInput::Status(reply) => {
            let _ = reply.send(node.status());
            Vec::new()
        }
        HubInput::Observations(reply) => {
            observations.extend(node.take_observations());
            let _ = reply.send(std::mem::take(observations));
            Vec::new()
        }
        HubInput::Stop => Vec::new(),
    }
}

/// The commands for the sockets the hub knows, in the node's order.
fn route(conns: &HashSet<ConnId>, outputs: Vec<Output>) -> Vec<(ConnId, ConnCmd)> {
    outputs
        .into_iter()
        .map(|out| match out {
            Output::Text(c, t) => {
                logging::frame(c.0, "send", &t);
                (c, ConnCmd::Text(t))
            }
            Output::Binary(c, b) => (c, ConnCmd::Binary(b)),
            Output::Close(c) => (c, ConnCmd::Close),
        })
        .filter(|(c, _)| conns.contains(c))
        .collect()
}
