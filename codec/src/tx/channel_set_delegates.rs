//! ChannelSetDelegatesTx (tag 501): replaces the delegates of both participants.

use crate::id::{AccountId, ChannelId, StateHash};
use crate::tx::field::simple_tx;
use crate::tx::Payload;
use crate::Uint;

simple_tx! {
    /// A delegate change (tag 501, version 1; valid from Iris). Signers: both participants.
    ChannelSetDelegatesTx, tag 501, version 1, "ChannelSetDelegatesTx" {
        /// The channel.
        channel_id: ChannelId,
        /// The participant posting the tx.
        from_id: AccountId,
        /// The initiator's new delegates.
        initiator_delegate_ids: Vec<AccountId> as [AccountId],
        /// The responder's new delegates.
        responder_delegate_ids: Vec<AccountId> as [AccountId],
        /// The co-signed state it is based on, or empty for the last state on chain.
        payload: Payload,
        /// The state hash of that state.
        state_hash: StateHash,
        /// The round of that state.
        round: u64,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The fee.
        fee: Uint,
        /// The nonce of `from_id`.
        nonce: u64,
    }
}
