//! The node double: the channel side of an æternity node, in process.
//!
//! It serves `ws://127.0.0.1:PORT/channel?…` with the node's query parameters and plays the
//! node's part of the state-channel protocol for an initiator and a responder: the channel
//! FSMs (open, off-chain updates, deposits, withdrawals, mutual and solo close, slash,
//! settle, snapshot, leave, reestablish, reconnect, timeouts), checking every signature with
//! Ed25519 against the configured network id, over a simulated chain whose blocks come every
//! [`Config::block_interval`].
//!
//! ```no_run
//! use aesc_testkit::double::{self, Config};
//!
//! let node = double::spawn(Config::new().with_network_id("local_iris_testnet"))?;
//! let url = format!("{}?protocol=json-rpc&role=responder&port=1&…", node.url());
//! # let _ = url;
//! // … connect two clients …
//! drop(node); // stops the server and closes every socket
//! # Ok::<_, std::io::Error>(())
//! ```
//!
//! Threads: one accepting sockets, one per socket, and one hub that owns every channel and
//! the chain ([`node`](self) logic is pure and driven by inputs and the clock). Every wait is
//! bounded: sockets are polled with short timeouts and the hub sleeps at most 50 ms.

mod chain;
mod config;
mod connection;
mod faults;
mod frames;
mod fsm;
mod hub;
mod ledger;
mod node;
mod outbox;
pub mod probe;
pub mod replay;
mod query;
mod request;
mod server;
mod txs;

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use aesc_codec::id::ChannelId;
use crossbeam_channel::Sender;

pub use config::Config;
pub use faults::{Alteration, Fault, FaultAction, FrameMatch};
pub use node::Status;
pub use outbox::Observation;

use hub::HubInput;
use node::Control;

/// A participant of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The party that opens the channel (and pays the create fee).
    Initiator,
    /// The party that accepts it.
    Responder,
}

impl Role {
    /// The other participant.
    pub const fn other(self) -> Role {
        match self {
            Role::Initiator => Role::Responder,
            Role::Responder => Role::Initiator,
        }
    }

    /// `"initiator"` or `"responder"`, as in the `role` query parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Initiator => "initiator",
            Role::Responder => "responder",
        }
    }
}

/// A running node double. Dropping it stops every thread and closes every socket.
#[derive(Debug)]
pub struct NodeDouble {
    addr: SocketAddr,
    hub: Sender<HubInput>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

/// Starts a node double with `config`.
///
/// # Errors
/// When the listen address cannot be bound or a thread cannot be started.
pub fn spawn(config: Config) -> io::Result<NodeDouble> {
    let listener = TcpListener::bind(config.listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let (hub_tx, hub_rx) = crossbeam_channel::bounded::<HubInput>(4096);
    let node = node::Node::new(&config, Instant::now(), random_seed());
    let hub_thread = thread::Builder::new().name("node-double-hub".into()).spawn(move || hub::run(node, hub_rx))?;
    let accept_stop = Arc::clone(&stop);
    let accept_hub = hub_tx.clone();
    let grace = config.close_grace;
    let accept_thread = thread::Builder::new()
        .name("node-double-accept".into())
        .spawn(move || server::run(listener, accept_hub, accept_stop, grace));
    let accept_thread = match accept_thread {
        Ok(t) => t,
        Err(e) => {
            let _ = hub_tx.send(HubInput::Stop);
            let _ = hub_thread.join();
            return Err(e);
        }
    };
    Ok(NodeDouble { addr, hub: hub_tx, stop, threads: vec![accept_thread, hub_thread] })
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
    pub fn inject_stale_close_solo(&self, channel: Option<ChannelId>, from: Role, round: Option<u64>) {
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
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.hub.send_timeout(HubInput::Stop, HUB_TIMEOUT);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
