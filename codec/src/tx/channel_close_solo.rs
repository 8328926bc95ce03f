//! ChannelCloseSoloTx (tag 54): one participant starts closing the channel alone.

use crate::id::{AccountId, ChannelId};
use crate::tx::field::{simple_tx, Pi};
use crate::tx::Payload;
use crate::Uint;

simple_tx! {
    /// A solo close (tag 54, version 1). Signer: `from_id`.
    ChannelCloseSoloTx, tag 54, version 1, "ChannelCloseSoloTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The closing participant.
        from_id: AccountId,
        /// The state closed on, or empty for the last state on chain.
        payload: Payload,
        /// The serialized TreesPoi proving the participants' balances (`pi_…` in JSON).
        poi: Vec<u8> as Pi,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The nonce of `from_id`.
        nonce: u64,
    }
}
