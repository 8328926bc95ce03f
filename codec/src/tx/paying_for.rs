//! PayingForTx (tag 82): one account pays the fee of another's transaction.

use crate::id::AccountId;
use crate::tx::field::simple_tx;
use crate::tx::SignedTx;
use crate::Uint;

simple_tx! {
    /// A PayingFor wrapper (tag 82, version 1; Iris and later). Signer: the payer, over this
    /// tx; the inner tx is signed with the network id suffixed by `-inner_tx`.
    PayingForTx, tag 82, version 1, "PayingForTx" {
        /// The account paying the fee.
        payer_id: AccountId,
        /// The payer's nonce.
        nonce: u64,
        /// The fee for both transactions.
        fee: Uint,
        /// The wrapped, signed transaction.
        tx: Box<SignedTx> as SignedTx,
    }
}
