//! SpendTx (tag 12): a plain transfer of tokens.

use crate::id::{AccountId, Id};
use crate::tx::field::{simple_tx, Ba};
use crate::Uint;

simple_tx! {
    /// A spend transaction (tag 12, version 1). Signer: the sender.
    SpendTx, tag 12, version 1, "SpendTx" {
        /// The paying account.
        sender_id: AccountId,
        /// The receiver: an account, name, oracle or contract.
        recipient_id: Id,
        /// The amount in aettos.
        amount: Uint,
        /// The fee in aettos.
        fee: Uint,
        /// Absolute block height after which the tx is invalid; 0 for none.
        ttl: u64,
        /// The sender's nonce.
        nonce: u64,
        /// Arbitrary bytes (`ba_…` in JSON).
        payload: Vec<u8> as Ba,
    }
}
