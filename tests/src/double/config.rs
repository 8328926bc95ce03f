//! Configuration of a node double.

use std::net::SocketAddr;
use std::time::Duration;

use aesc_codec::crypto::NetworkId;
use aesc_codec::id::AccountId;
use aesc_codec::Uint;

use super::faults::Fault;

/// How a node double behaves. Built with [`Config::new`] and the `with_*` methods; every field
/// has a default that suits tests.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on. Port 0 picks a free port (the default, `127.0.0.1:0`).
    pub listen: SocketAddr,
    /// The network id signatures are checked against (default `ae_dev`).
    pub network_id: NetworkId,
    /// When set, every transaction needs exactly this many blocks on top of its inclusion
    /// (counting its own block) before it is confirmed, whatever the client asked for. When
    /// unset, the node's rules apply: `minimum_depth` / `minimum_depth_strategy` from the
    /// connect URL, defaulting to the `txfee` strategy with factor 10.
    pub minimum_depth: Option<u64>,
    /// Time between two blocks of the simulated chain. A pushed transaction is included in the
    /// next block, so this is also the confirmation delay of one block.
    pub block_interval: Duration,
    /// Minimum gas price used to compute fees (`mining.min_miner_gas_price`, default 1e9).
    pub min_gas_price: u64,
    /// Accounts created on the simulated chain at start, with their balances.
    pub accounts: Vec<(AccountId, Uint)>,
    /// Whether any valid Ed25519 public key not listed in `accounts` exists on the chain with
    /// [`Config::auto_fund_balance`]. When false, unknown accounts get the node's
    /// "Participant not found" error.
    pub auto_fund: bool,
    /// The balance of auto-funded accounts.
    pub auto_fund_balance: Uint,
    /// Faults active from the start (more can be added through the handle).
    pub faults: Vec<Fault>,
    /// How long a message between the two FSMs takes (the node's noise session). Updates
    /// signed by both clients within this time conflict, as they do at a node; an FSM whose
    /// peer stops notices it this much later.
    pub peer_latency: Duration,
    /// How long a socket waits for the peer of a closing handshake before it is dropped.
    pub close_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            network_id: NetworkId::new("ae_dev"),
            minimum_depth: None,
            block_interval: Duration::from_millis(100),
            min_gas_price: 1_000_000_000,
            accounts: Vec::new(),
            auto_fund: true,
            auto_fund_balance: Uint::from(1_000_000_000_000_000_000_000_u128),
            faults: Vec::new(),
            peer_latency: Duration::ZERO,
            close_grace: Duration::from_millis(500),
        }
    }
}

impl Config {
    /// The defaults: `127.0.0.1:0`, network `ae_dev`, node minimum-depth rules, 100 ms blocks.
    pub fn new() -> Self {
        Config::default()
    }

    /// Sets the listen address.
    pub fn with_listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Sets the network id.
    pub fn with_network_id(mut self, id: impl Into<String>) -> Self {
        self.network_id = NetworkId::new(id);
        self
    }

    /// Forces the minimum depth of every transaction.
    pub fn with_minimum_depth(mut self, depth: u64) -> Self {
        self.minimum_depth = Some(depth);
        self
    }

    /// Sets the block interval of the simulated chain.
    pub fn with_block_interval(mut self, interval: Duration) -> Self {
        self.block_interval = interval;
        self
    }

    /// Adds an account with a balance to the simulated chain.
    pub fn with_account(mut self, account: AccountId, balance: Uint) -> Self {
        self.accounts.push((account, balance));
        self
    }

    /// Turns automatic funding of unknown accounts on or off.
    pub fn with_auto_fund(mut self, on: bool) -> Self {
        self.auto_fund = on;
        self
    }

    /// Sets the latency between the two FSMs.
    pub fn with_peer_latency(mut self, latency: Duration) -> Self {
        self.peer_latency = latency;
        self
    }

    /// Adds a fault active from the start.
    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }
}
