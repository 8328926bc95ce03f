//! The node double: the channel side of an æternity node, in process.
//!
//! It serves `ws://127.0.0.1:PORT/channel?…` with the node's query parameters (protocol §6.2)
//! and plays the node's part of the state-channel protocol (§6-7) for an initiator and a
//! responder: fsm ids, the create tx built with the codec and co-signed, Ed25519 checks of
//! every signature against [`Config::network_id`], funding on a simulated chain with minimum
//! depth, off-chain updates (with meta), conflicts, aborts, deposits, withdrawals, mutual and
//! solo close, slash, settle, snapshot, leave, reestablish, reconnect with the fsm id, the
//! node's timers, `channels.message`, `get.balances`, `get.offchain_state`, `get.poi` and
//! `channels.system`.
//!
//! ```no_run
//! use aesc_testkit::double::{self, Config, Fault};
//!
//! let node = double::spawn(Config::new().with_network_id("local_iris_testnet"))?;
//! node.add_fault(Fault::on("channels.sign.update").drop_frame());
//! let url = format!("{}?protocol=json-rpc&role=responder&port=1&…", node.url());
//! # let _ = url;
//! // … connect two clients …
//! drop(node); // stops the server and closes every socket
//! # Ok::<_, std::io::Error>(())
//! ```
//!
//! The same double runs as a process: `aesc-node-double --listen 127.0.0.1:3014
//! --network-id ae_dev [--minimum-depth N] [--block-interval-ms MS]` prints its URL and serves.
//!
//! # Structure
//!
//! Two threads, whatever the number of sockets:
//!
//! * the I/O thread (`io_loop`) owns the listener and every client socket in one `mio` poll.
//!   Sockets are non-blocking: the WebSocket handshake is resumed on readiness (`ws_conn`),
//!   frames are read until the socket would block but at most a burst per socket and round (a
//!   flooding client is requeued, the others get their turn), and frames are written through
//!   tungstenite's buffer and flushed again when the socket is writable. Its deadlines (the
//!   handshake's 5 s, 60 s of silence, the close grace) sit in one heap (`timers`) whose
//!   earliest entry is the poll's timeout: an idle double does not wake up for its sockets;
//! * the hub (`hub`) owns every channel and the chain in `node`, which is pure: parsed
//!   requests, socket events, blocks and clock ticks in, frames out. It sleeps until an input
//!   arrives or until the node's next wake-up (the next block, an FSM timer, a delayed frame;
//!   idle, it wakes once per [`Config::block_interval`] to mine), and sends the outputs of each round to the I/O thread as one batch, then wakes its poll.
//!
//! Queues: sockets to hub, bounded (the I/O thread waits when the hub lags behind); hub to
//! sockets, unbounded (the hub never waits), but each socket holds at most 8 MiB of unsent
//! frames: a client that does not read is dropped. Frames a client sends are capped at 1 MiB.
//!
//! # Fidelity
//!
//! [`replay`] replays the client side of recorded node sessions against the double and
//! compares, per socket, the sequence of (direction, method, event). The seeds and live
//! recordings match fully; see the `double_fidelity` tests for the corpus.
//!
//! # Where it differs from a node
//!
//! * Accounts: any valid, non-small-order Ed25519 key exists on the chain with a large balance
//!   ([`Config::auto_fund`]); others get "Participant not found".
//! * Fees follow the node's rule (`(15000 + 20·size)·gas_price`, iterated; a given fee or gas
//!   price as the node takes them); nonces are tracked per account on the simulated chain.
//! * Blocks come every [`Config::block_interval`] or on demand ([`NodeDouble::mine_blocks`]);
//!   a pushed tx is included in the next block.
//! * The two FSMs talk with a fixed [`Config::peer_latency`]; updates signed by both clients
//!   within it conflict, and an FSM notices its peer stopped that much later.
//! * Requests the node would postpone while a deposit or withdrawal waits for confirmation get
//!   `-32603`, as requests in a wrong state do. A deposit, withdrawal, shutdown, solo close or
//!   snapshot requested while the client's own signature is pending is treated like an update
//!   (conflict, roll back), where the node postpones it.
//! * The simulated chain includes every pushed transaction: it does not check nonces, fees
//!   against the minimum or balances, so the node's "rejected on chain" paths (conflict 5) are
//!   not played.
//! * Any request of either client restarts both FSMs' timers (the node restarts a timer on
//!   any event of that FSM); `timeout_initialized` is read but the lone initiator runs
//!   `timeout_accept`, which has the same default.
//! * Contracts (`update.new_contract`, `update.call_contract`, `dry_run`, `get.contract*`,
//!   `force_progress`) and `history.fetch` get an error object saying they are not supported.
//! * A JSON batch is answered frame by frame, not as one array.
//! * On reestablish the double does not replay on-chain history.
//!
//! # Compared with a real node (7.2.2)
//!
//! The demo's stories (`aesc demo --scenario …`) were run against the double and against the
//! node in `shared/node` with `--trace`, and the per-role sequences of (direction, method,
//! info event or sign tag) compared. What the node does and the double now does too:
//!
//! * after `died` the node closes the socket with code 1000 within a few milliseconds (an FSM
//!   that stopped because its peer stopped lingers 100 ms, as a recorded node still answered a
//!   request there);
//! * a connection refused with an error frame (2000, 1016, …) is left for the client to close
//!   (the double cuts it after 5 s);
//! * a stop or a leave of one party while the channel is closing tells the other party
//!   nothing (`peer_disconnected` only while it is open);
//! * on reestablish, a client that re-attached to its still running FSM gets the state
//!   (`channels.update`) after `open`, as a new FSM's client does; a client whose socket stayed
//!   connected does not (as in the recordings);
//! * after a leave and a reestablish, the initiator's FSM reports a mutual close up to
//!   `on_chain_tx channel_closed` and then nothing: no `closed_confirmed`, no `died` (the
//!   responder gets both). Clients must treat `channel_closed` as the end of the close;
//! * `updates` entries of sign requests list their keys in the node's order (`amount`, `from`,
//!   `op`, `to`);
//! * no simulated latency between the two FSMs by default ([`Config::with_peer_latency`]
//!   keeps it as a fault switch).
//!
//! What still differs, and why:
//!
//! * Frames of the two parties can interleave differently from a node's (never within one
//!   party's sequence): the double answers within a millisecond too, but its hub and I/O
//!   thread schedule the two sockets their own way.
//! * The node's initiator FSM ignores a create-tx signature it cannot verify (for another
//!   network id) and waits for its timeout; the double reports `bad_signature` at once. Kept:
//!   a test against the double learns the cause at once, where the node costs a deadline (the
//!   client's deadline error then says that nothing followed its signature). For an update,
//!   both report a conflict with code 1.
//! * The node's chain is real: fees, nonces and balances are checked on inclusion; the double's
//!   is not (see above).
mod chain;
mod clock;
mod config;
mod faults;
mod frames;
mod fsm;
mod hub;
mod ids;
mod io_loop;
mod ledger;
mod logging;
mod node;
mod outbox;
pub mod probe;
mod query;
pub mod replay;
mod request;
mod timers;
mod txs;
mod ws_conn;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use aesc_codec::id::ChannelId;
use crossbeam_channel::Sender;

pub use config::Config;
pub use faults::{Alteration, Fault, FaultAction, FrameMatch};
pub use ids::Role;
pub use node::Status;
pub use outbox::Observation;

use hub::{HubInput, IoOut};
use io_loop::{IoMsg, IoSetup};
use node::Control;

/// A running node double. Dropping it stops every thread and closes every socket.
#[derive(Debug)]
pub struct NodeDouble {
    addr: SocketAddr,
    hub: Sender<HubInput>,
    io: IoOut,
    hub_thread: Option<JoinHandle<()>>,
    io_thread: Option<JoinHandle<()>>,
}

/// Starts a node double with `config`: two threads, the hub and the I/O thread, whatever the
/// number of sockets.
///
/// # Errors
/// When the listen address cannot be bound or a thread cannot be started.
pub fn spawn(config: Config) -> io::Result<NodeDouble> {
    let listener = TcpListener::bind(config.listen)?;
    let addr = listener.local_addr()?;
    let setup = IoSetup::new(listener)?;
    let (hub_tx, hub_rx) = crossbeam_channel::bounded::<HubInput>(4096);
    let (io_tx, io_rx) = crossbeam_channel::unbounded::<IoMsg>();
    let io_out = IoOut { tx: io_tx.clone(), waker: setup.waker() };
    let io = IoOut { tx: io_tx, waker: setup.waker() };
    let io_hub = hub_tx.clone();
    let grace = config.close_grace;
    let io_thread = thread::Builder::new()
        .name("node-double-io".into())
        .spawn(move || io_loop::run(setup, io_hub, io_rx, grace))?;
    let node = node::Node::new(&config, Instant::now(), random_seed());
    let hub_thread = thread::Builder::new()
        .name("node-double-hub".into())
        .spawn(move || hub::run(node, hub_rx, io_out));
    let mut double =
        NodeDouble { addr, hub: hub_tx, io, hub_thread: None, io_thread: Some(io_thread) };
    // On an error, dropping `double` stops the I/O thread.
    double.hub_thread = Some(hub_thread?);
    log::info!("node double listening on ws://{addr}/channel");
    Ok(double)
}

fn random_seed() -> [u8; 32] {
    use rand_core::RngCore;
    let mut seed = [0u8; 32];
    if rand_core::OsRng.try_fill_bytes(&mut seed).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        seed = aesc_codec::hash::blake2b_256(&nanos.to_be_bytes());
    }
    seed
}

/// How long harness requests wait for the hub.
const HUB_TIMEOUT: Duration = Duration::from_secs(5);

impl NodeDouble {
    /// The address the double listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The channel endpoint, `ws://ADDR/channel` (append `?query`).
    pub fn url(&self) -> String {
        format!("ws://{}/channel", self.addr)
    }

    fn control(&self, c: Control) {
        let _ = self.hub.send_timeout(HubInput::Control(c), HUB_TIMEOUT);
    }

    /// Adds a fault switch.
    pub fn add_fault(&self, fault: Fault) {
        self.control(Control::AddFault(fault));
    }

    /// Removes every fault switch.
    pub fn clear_faults(&self) {
        self.control(Control::ClearFaults);
    }

    /// Mines `n` blocks at once (on top of the ones time brings).
    pub fn mine_blocks(&self, n: u64) {
        self.control(Control::MineBlocks(n));
    }

    /// Puts on chain a solo close, by `from`, of an older co-signed state (the oldest kept when
    /// `round` is `None`) of `channel` (every channel when `None`), as a participant could with
    /// a stale state. The FSMs then report `can_slash`.
    pub fn inject_stale_close_solo(
        &self,
        channel: Option<ChannelId>,
        from: Role,
        round: Option<u64>,
    ) {
        self.control(Control::InjectStaleClose { channel, from, round });
    }

    /// What the node knows now (`None` if the hub does not answer in time).
    pub fn status(&self) -> Option<Status> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.hub.send_timeout(HubInput::Status(tx), HUB_TIMEOUT).ok()?;
        rx.recv_timeout(HUB_TIMEOUT).ok()
    }

    /// What happened since the last call that tests may check (faults fired, altered txs
    /// signed or refused).
    pub fn observations(&self) -> Vec<Observation> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.hub.send_timeout(HubInput::Observations(tx), HUB_TIMEOUT).is_err() {
            return Vec::new();
        }
        rx.recv_timeout(HUB_TIMEOUT).unwrap_or_default()
    }

    /// Stops the double and waits for its threads.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for NodeDouble {
    fn drop(&mut self) {
        // The hub first: it sends its last frames and closes, then the I/O thread closes what
        // is left within the close grace.
        if let Some(hub) = self.hub_thread.take() {
            let _ = self.hub.send_timeout(HubInput::Stop, HUB_TIMEOUT);
            let _ = hub.join();
        }
        if let Some(io) = self.io_thread.take() {
            let _ = self.io.tx.send(IoMsg::Stop);
            let _ = self.io.waker.wake();
            let _ = io.join();
        }
    }
}
