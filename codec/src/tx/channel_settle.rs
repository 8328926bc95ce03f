//! ChannelSettleTx (tag 56): pays out a solo-closed channel after its lock period.

use crate::id::{AccountId, ChannelId};
use crate::tx::field::simple_tx;
use crate::Uint;

simple_tx! {
    /// A settlement (tag 56, version 1). Signer: `from_id`. The amounts must equal the ones in
    /// the channel object on chain.
    ChannelSettleTx, tag 56, version 1, "ChannelSettleTx" {
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
