//! ChannelForceProgressTx (tag 521): advances the channel on chain by one contract call.

use crate::id::{AccountId, ChannelId, StateHash};
use crate::tx::field::{simple_tx, Ss};
use crate::tx::{Payload, Update};
use crate::Uint;

simple_tx! {
    /// A force progress (tag 521, version 1). Signer: `from_id`.
    ChannelForceProgressTx, tag 521, version 1, "ChannelForceProgressTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The participant forcing progress.
        from_id: AccountId,
        /// The co-signed state it builds on, or empty for the last state on chain.
        payload: Payload,
        /// The new round produced.
        round: u64,
        /// The contract call applied (the node accepts only [`Update::CallContract`]).
        update: Update,
        /// The state hash after the call.
        state_hash: StateHash,
        /// The serialized StateTrees before the call (`ss_…` in JSON).
        offchain_trees: Vec<u8> as Ss,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The nonce of `from_id`.
        nonce: u64,
    }
}
