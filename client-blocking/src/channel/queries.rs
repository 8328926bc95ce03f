//! Messages and queries: what the node knows of the channel, without changing it.

use std::time::Duration;

use aesc_codec::id::{AccountId, ContractId, TxHash};
use aesc_codec::jsonrpc::{
    AssumeMinimumDepth, Balance, GetBalances, GetOffchainState, GetPoi, Message, Method,
    OffchainState, System, SystemReply,
};
use aesc_codec::object::Object;
use aesc_codec::state::TreesPoi;

use crate::error::Error;

use super::Channel;

impl Channel {
    /// Sends a generic message to the other party (it arrives as an event there).
    ///
    /// # Errors
    /// [`Error::Rpc`] (e.g. for a message over 65000 bytes) or a connection error.
    pub fn send_message(&self, to: &AccountId, info: &str) -> Result<(), Error> {
        self.call(&Message { to: *to, info: info.to_owned(), from: None }).map(|_| ())
    }

    /// Waits up to `timeout` for the next incoming message. Messages have a queue of their
    /// own: waiting for one consumes no other event (each message also appears in
    /// [`Channel::events`]).
    pub fn receive_message(
        &self,
        timeout: Duration,
    ) -> Option<aesc_codec::jsonrpc::ChannelMessage> {
        self.messages
            .wait_for(timeout, |e| e.message().is_some())
            .and_then(|e| e.message().cloned())
    }

    /// The node's balances of `accounts` (participants or contracts).
    ///
    /// # Errors
    /// [`Error::Rpc`] or a connection error.
    pub fn balances(&self, accounts: &[AccountId]) -> Result<Vec<Balance>, Error> {
        self.call(&GetBalances { accounts: accounts.to_vec() })
    }

    /// The node's off-chain state (trees, calls, latest signed and half-signed tx).
    ///
    /// # Errors
    /// [`Error::Rpc`] or a connection error.
    pub fn offchain_state(&self) -> Result<OffchainState, Error> {
        self.call(&GetOffchainState)
    }

    /// A proof of inclusion of `accounts` and `contracts`, checked against the client's own
    /// state hash when it knows it.
    ///
    /// # Errors
    /// [`Error::Rpc`], a connection error, or [`Error::Output`] when the proof does not
    /// decode or proves another state.
    pub fn poi(&self, accounts: &[AccountId], contracts: &[ContractId]) -> Result<TreesPoi, Error> {
        let reply =
            self.call(&GetPoi { accounts: accounts.to_vec(), contracts: contracts.to_vec() })?;
        let bad = || Error::Output { method: GetPoi::NAME };
        let bytes = reply.poi.to_bytes().map_err(|_| bad())?;
        let poi = TreesPoi::from_rlp(&bytes).map_err(|_| bad())?;
        if let Some(h) = self.view().state_hash() {
            if poi.root_hash() != h {
                return Err(bad());
            }
        }
        Ok(poi)
    }

    /// `channels.system ping`.
    ///
    /// # Errors
    /// A connection error or a timeout.
    pub fn ping(&self) -> Result<(), Error> {
        match self.call(&System::Ping)? {
            SystemReply::Pong | SystemReply::Ok => Ok(()),
        }
    }

    /// `channels.system stop`: stops the FSM at the node.
    ///
    /// # Errors
    /// A connection error or a timeout.
    pub fn stop(&self) -> Result<(), Error> {
        self.call(&System::Stop).map(|_| ())
    }

    /// Tells the FSM to treat `tx` as confirmed.
    ///
    /// # Errors
    /// A connection error or a timeout.
    pub fn assume_minimum_depth(&self, tx: &TxHash) -> Result<(), Error> {
        self.call(&AssumeMinimumDepth { tx_hash: *tx }).map(|_| ())
    }
}
