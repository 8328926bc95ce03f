//! ChannelWithdrawTx (tag 52): a participant takes tokens out of an open channel.

use crate::id::{AccountId, ChannelId, StateHash};
use crate::tx::field::simple_tx;
use crate::Uint;

simple_tx! {
    /// A withdrawal from a channel (tag 52, version 1). Signers: both participants; the fee is
    /// paid by `to_id`.
    ChannelWithdrawTx, tag 52, version 1, "ChannelWithdrawTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The withdrawing participant.
        to_id: AccountId,
        /// The amount withdrawn.
        amount: Uint,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The state hash after the withdrawal.
        state_hash: StateHash,
        /// The round this tx establishes.
        round: u64,
        /// The nonce of `to_id`.
        nonce: u64,
    }
}
