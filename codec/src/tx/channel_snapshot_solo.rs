//! ChannelSnapshotSoloTx (tag 59): records the latest co-signed state on chain.

use crate::id::{AccountId, ChannelId};
use crate::tx::field::simple_tx;
use crate::tx::Payload;
use crate::Uint;

simple_tx! {
    /// A solo snapshot (tag 59, version 1). Signer: `from_id`. The node requires a non-empty
    /// payload.
    ChannelSnapshotSoloTx, tag 59, version 1, "ChannelSnapshotSoloTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The participant posting the snapshot.
        from_id: AccountId,
        /// The co-signed state.
        payload: Payload,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The nonce of `from_id`.
        nonce: u64,
    }
}
