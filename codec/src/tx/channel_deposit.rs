//! ChannelDepositTx (tag 51): a participant moves tokens into an open channel.

use crate::id::{AccountId, ChannelId, StateHash};
use crate::tx::field::simple_tx;
use crate::Uint;

simple_tx! {
    /// A deposit into a channel (tag 51, version 1). Signers: both participants; the fee is
    /// paid by `from_id`.
    ChannelDepositTx, tag 51, version 1, "ChannelDepositTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The depositing participant.
        from_id: AccountId,
        /// The amount deposited.
        amount: Uint,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The state hash after the deposit.
        state_hash: StateHash,
        /// The round this tx establishes.
        round: u64,
        /// The nonce of `from_id`.
        nonce: u64,
    }
}
