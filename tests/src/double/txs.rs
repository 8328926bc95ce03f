//! What the double needs of the codec's transactions: fees and nonces of the channel txs it
//! builds, their node type names, and the checks it applies to signed replies.

use aesc_codec::crypto::{signing_message, AccountVerifier, NetworkId, SignatureForm};
use aesc_codec::id::{AccountId, Signature};
use aesc_codec::tx::TxError;
pub(crate) use aesc_codec::tx::{SignedTx, Tx};
use aesc_codec::Uint;

/// Base gas of a channel transaction (`aec_governance:tx_base_gas`).
const BASE_GAS: u64 = 15_000;
/// Gas per byte of a serialized transaction.
const GAS_PER_BYTE: u64 = 20;

/// Fee, nonce and name of the channel txs the FSMs build.
pub(crate) trait TxExt {
    /// The fee (zero for off-chain txs).
    fn fee(&self) -> Uint;
    /// Sets the fee.
    fn set_fee(&mut self, value: Uint);
    /// The nonce (zero for off-chain txs).
    fn nonce(&self) -> u64;
    /// Sets the nonce.
    fn set_nonce(&mut self, value: u64);
    /// The node's type name in `on_chain_tx` notifications (`channel_create_tx`, …).
    fn type_name(&self) -> &'static str;

    /// The minimum fee of this tx at `gas_price`: `(15000 + 20 · size) · gas_price`.
    fn minimum_fee(&self, gas_price: &Uint) -> Uint;

    /// Sets the fee to the minimum for `gas_price`, recomputed until the size (which depends
    /// on the fee) is stable, at most five times, as the node does.
    fn set_minimum_fee(&mut self, gas_price: &Uint) {
        for _ in 0..5 {
            let fee = self.minimum_fee(gas_price);
            if fee == self.fee() {
                return;
            }
            self.set_fee(fee);
        }
    }
}

macro_rules! with_fee_and_nonce {
    ($tx:expr, $t:ident => $e:expr, $default:expr) => {
        match $tx {
            Tx::ChannelCreate($t) => $e,
            Tx::ChannelDeposit($t) => $e,
            Tx::ChannelWithdraw($t) => $e,
            Tx::ChannelCloseMutual($t) => $e,
            Tx::ChannelCloseSolo($t) => $e,
            Tx::ChannelSlash($t) => $e,
            Tx::ChannelSettle($t) => $e,
            Tx::ChannelSnapshotSolo($t) => $e,
            _ => $default,
        }
    };
}

impl TxExt for Tx {
    fn fee(&self) -> Uint {
        with_fee_and_nonce!(self, t => t.fee.clone(), Uint::zero())
    }

    fn set_fee(&mut self, value: Uint) {
        with_fee_and_nonce!(self, t => t.fee = value, ())
    }

    fn nonce(&self) -> u64 {
        with_fee_and_nonce!(self, t => t.nonce, 0)
    }

    fn set_nonce(&mut self, value: u64) {
        with_fee_and_nonce!(self, t => t.nonce = value, ())
    }

    fn type_name(&self) -> &'static str {
        match self {
            Tx::ChannelCreate(_) => "channel_create_tx",
            Tx::ChannelDeposit(_) => "channel_deposit_tx",
            Tx::ChannelWithdraw(_) => "channel_withdraw_tx",
            Tx::ChannelCloseMutual(_) => "channel_close_mutual_tx",
            Tx::ChannelCloseSolo(_) => "channel_close_solo_tx",
            Tx::ChannelSlash(_) => "channel_slash_tx",
            Tx::ChannelSettle(_) => "channel_settle_tx",
            Tx::ChannelSnapshotSolo(_) => "channel_snapshot_solo_tx",
            _ => "channel_offchain_tx",
        }
    }

    fn minimum_fee(&self, gas_price: &Uint) -> Uint {
        let size = self.to_rlp().len() as u64;
        &Uint::from(BASE_GAS + GAS_PER_BYTE * size) * gas_price
    }
}

/// Why a `signed_tx` from a client was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReplyError {
    /// Not a valid `tx_…` string: the node answers 1010.
    Encoding,
    /// A valid `tx_…` string that is not a signed transaction: the node ignores it.
    Structure,
}

/// Parses the `signed_tx` of a signing reply.
pub(crate) fn parse_reply(text: &str) -> Result<SignedTx, ReplyError> {
    SignedTx::from_api_str(text).map_err(|e| match e {
        TxError::Encoding(_) => ReplyError::Encoding,
        _ => ReplyError::Structure,
    })
}

/// The signature of `signer` (raw or hash form, on `network`) in `signed`, if there is one.
/// Every signature is tried in the raw form (the one clients use) before any in the hash form.
pub(crate) fn signature_of(
    signed: &SignedTx,
    network: &NetworkId,
    signer: &AccountId,
) -> Option<Signature> {
    let bytes = signed.tx.to_rlp();
    let verifier = AccountVerifier::new(*signer);
    [SignatureForm::Raw, SignatureForm::Hash].into_iter().find_map(|form| {
        let msg = signing_message(network, &bytes, form);
        signed.signatures.iter().find(|sig| verifier.verify_message(&msg, sig)).copied()
    })
}

/// Whether `signed` carries exactly one valid signature by each of `signers` and nothing else.
pub(crate) fn signed_exactly_by(
    signed: &SignedTx,
    network: &NetworkId,
    signers: &[AccountId],
) -> bool {
    let mut sigs = signed.signatures.clone();
    sigs.sort();
    sigs.dedup();
    sigs.len() == signed.signatures.len()
        && sigs.len() == signers.len()
        && signers.iter().all(|s| signature_of(signed, network, s).is_some())
}

/// The string the node puts in `min_depth_achieved.tx_hash`: the raw hash bytes read as text.
pub(crate) fn raw_hash_text(hash: &[u8; 32]) -> String {
    String::from_utf8_lossy(hash).into_owned()
}

/// The fee rule of FSM-built txs: no fee → minimum fee at `gas_price` (default: the node's
/// minimum gas price); a fee alone → that fee; both → the larger of the two.
pub(crate) fn set_fee(
    tx: &mut Tx,
    fee: Option<&Uint>,
    gas_price: Option<&Uint>,
    min_gas_price: &Uint,
) {
    let gp = gas_price.cloned().unwrap_or_else(|| min_gas_price.clone());
    match (fee, gas_price) {
        (Some(f), None) => tx.set_fee(f.clone()),
        (Some(f), Some(_)) => {
            tx.set_minimum_fee(&gp);
            if tx.fee() < *f {
                tx.set_fee(f.clone());
            }
        }
        (None, _) => tx.set_minimum_fee(&gp),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live recording's unsigned create tx (v2) carries the node's minimum fee.
    #[test]
    fn live_create_has_the_minimum_fee() {
        let text = "tx_+IkLAcC4hPiCMgKhAW2qXBqYeAZtkX/sII2uO1pVvGKD7tMGytFdYAD/2xZxhj+qJSJgAKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGJGE5yoAAAgoAhhALIe8QAMDAoHkoQ08OKWtijkgrQfs/m8neBYExFq2zcK+icYWQYkg4BBgEYj4=";
        let signed = parse_reply(text).unwrap();
        let mut tx = signed.tx.clone();
        let fee = tx.fee();
        tx.set_fee(Uint::zero());
        tx.set_minimum_fee(&Uint::from(1_000_000_000u64));
        assert_eq!(tx.fee(), fee);
        assert_eq!(tx.type_name(), "channel_create_tx");
    }

    /// Protocol §9: the v1 create tx of 131 bytes has fee 17620e9.
    #[test]
    fn spec_create_fee() {
        let text = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
        let tx = parse_reply(text).unwrap().tx;
        assert_eq!(tx.fee(), Uint::from(17_620_000_000_000u64));
        assert_eq!(tx.minimum_fee(&Uint::from(1_000_000_000u64)), tx.fee());
    }

    #[test]
    fn bad_strings() {
        assert_eq!(parse_reply("tx_garbage"), Err(ReplyError::Encoding));
        let not_signed = aesc_codec::encoding::encode(
            aesc_codec::encoding::Prefix::Transaction,
            &[0xc2, 0x0c, 0x01],
        );
        assert_eq!(parse_reply(&not_signed), Err(ReplyError::Structure));
    }
}
