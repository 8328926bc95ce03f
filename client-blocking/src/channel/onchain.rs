//! Operations that end on chain: deposit, withdraw, the closes, slash, settle, snapshot,
//! force progress, and leave.

use aesc_codec::id::FsmId;
use aesc_codec::jsonrpc::{
    CloseSolo, Deposit, ForceProgress, Leave, Settle, Shutdown, Slash, SnapshotSolo, TxOptions,
    Withdraw,
};
use aesc_codec::tx::{SignedTx, Update};
use aesc_codec::Uint;

use crate::error::Error;
use crate::session::OpKind;

use super::{Channel, OFFCHAIN_CALL_GAS};

impl Channel {
    /// Deposits `amount` into the channel; returns the round once the deposit is confirmed.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn deposit(&self, amount: impl Into<Uint>, options: TxOptions) -> Result<u64, Error> {
        let amount = amount.into();
        let kind = OpKind::Deposit(amount.clone(), options.clone());
        let req = Deposit { amount, options, block_hash: None, meta: Vec::new() };
        Self::round_of(self.run(kind, Some(&req))?)
    }

    /// Withdraws `amount` from the channel; returns the round once confirmed.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn withdraw(&self, amount: impl Into<Uint>, options: TxOptions) -> Result<u64, Error> {
        let amount = amount.into();
        let kind = OpKind::Withdraw(amount.clone(), options.clone());
        let req = Withdraw { amount, options, block_hash: None, meta: Vec::new() };
        Self::round_of(self.run(kind, Some(&req))?)
    }

    /// Closes the channel together with the other party; returns the close transaction once
    /// the channel is closed on chain.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn shutdown(&self, options: TxOptions) -> Result<SignedTx, Error> {
        Self::tx_of(self.run(OpKind::Shutdown(options.clone()), Some(&Shutdown { options }))?)
    }

    /// Starts a solo close with the latest co-signed state; returns the posted transaction.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn close_solo(&self, options: TxOptions) -> Result<SignedTx, Error> {
        Self::tx_of(self.run(OpKind::CloseSolo(options.clone()), Some(&CloseSolo { options }))?)
    }

    /// Settles a solo-closed channel after its lock period; returns the settle transaction
    /// once the channel is closed.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn settle(&self, options: TxOptions) -> Result<SignedTx, Error> {
        Self::tx_of(self.run(OpKind::Settle(options.clone()), Some(&Settle { options }))?)
    }

    /// Slashes an outdated solo close with the latest co-signed state.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn slash(&self, options: TxOptions) -> Result<SignedTx, Error> {
        Self::tx_of(self.run(OpKind::Slash(options.clone()), Some(&Slash { options }))?)
    }

    /// Posts the latest co-signed state on chain.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn snapshot_solo(&self, options: TxOptions) -> Result<SignedTx, Error> {
        Self::tx_of(self.run(OpKind::Snapshot(options.clone()), Some(&SnapshotSolo { options }))?)
    }

    /// Forces a contract call on chain.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn force_progress(&self, call: ForceProgress) -> Result<SignedTx, Error> {
        let expected = Update::CallContract {
            caller: self.cfg.account(),
            contract: call.contract_id,
            abi_version: call.abi_version,
            amount: call.amount.clone(),
            gas: call.gas.unwrap_or(OFFCHAIN_CALL_GAS),
            gas_price: call.gas_price.clone(),
            call_data: call.call_data.to_bytes().map_err(|_| Error::InvalidState {
                operation: "force progress",
                reason: "call data does not decode",
            })?,
            call_stack: Vec::new(),
        };
        Self::tx_of(self.run(OpKind::ForceProgress(expected), Some(&call))?)
    }

    /// Leaves the channel (the FSM stops; reestablish later); returns the last co-signed
    /// state, which is also recorded in the view and the store.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn leave(&self) -> Result<SignedTx, Error> {
        Self::tx_of(self.run(OpKind::Leave, Some(&Leave))?)
    }

    /// The FSM id (a secret), once known.
    pub fn fsm_id(&self) -> Option<FsmId> {
        self.view().fsm_id
    }
}
