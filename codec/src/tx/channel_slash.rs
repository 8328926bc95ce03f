//! ChannelSlashTx (tag 55): replaces the state of a solo close by a newer one.

use crate::id::{AccountId, ChannelId};
use crate::tx::field::{simple_tx, Pi};
use crate::tx::Payload;
use crate::Uint;

simple_tx! {
    /// A slash (tag 55, version 1): same layout as the solo close. Signer: `from_id`.
    ChannelSlashTx, tag 55, version 1, "ChannelSlashTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The slashing account (a participant or a delegate).
        from_id: AccountId,
        /// The newer co-signed state.
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
