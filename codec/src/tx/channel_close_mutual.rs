//! ChannelCloseMutualTx (tag 53): both participants close the channel together.

use crate::id::{AccountId, ChannelId};
use crate::tx::field::simple_tx;
use crate::Uint;

simple_tx! {
    /// A mutual close (tag 53, version 1). Signers: both participants; the fee is paid by
    /// `from_id` and taken from the final amounts.
    ChannelCloseMutualTx, tag 53, version 1, "ChannelCloseMutualTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The participant posting the tx.
        from_id: AccountId,
        /// What the initiator receives.
        initiator_amount_final: Uint,
        /// What the responder receives.
        responder_amount_final: Uint,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The nonce of `from_id`.
        nonce: u64,
    }
}
