//! The channel transactions the double builds, signs off and checks.

use aesc_codec::crypto::{verify_tx_bytes, NetworkId};
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{AccountId, ChannelId, Id, Signature};
use aesc_codec::object::{envelope, peek_tag};
use aesc_codec::rlp::{decode_exact, Encoder};
use aesc_codec::Uint;

/// Base gas of a channel transaction (`aec_governance:tx_base_gas`).
const BASE_GAS: u64 = 15_000;
/// Gas per byte of a serialized transaction.
const GAS_PER_BYTE: u64 = 20;

/// A channel transaction the double builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ChannelTx {
    /// `channel_create_tx` version 2.
    Create {
        initiator: AccountId,
        initiator_amount: Uint,
        responder: AccountId,
        responder_amount: Uint,
        reserve: Uint,
        lock_period: u64,
        ttl: u64,
        fee: Uint,
        state_hash: [u8; 32],
        nonce: u64,
    },
    /// `channel_offchain_tx` version 2.
    Offchain { channel: ChannelId, round: u64, state_hash: [u8; 32] },
    /// `channel_deposit_tx` (`account` deposits) or `channel_withdraw_tx` (`account` withdraws).
    DepositOrWithdraw {
        deposit: bool,
        channel: ChannelId,
        account: AccountId,
        amount: Uint,
        ttl: u64,
        fee: Uint,
        state_hash: [u8; 32],
        round: u64,
        nonce: u64,
    },
    /// `channel_close_mutual_tx` or `channel_settle_tx` (same layout).
    Final {
        settle: bool,
        channel: ChannelId,
        from: AccountId,
        initiator_amount: Uint,
        responder_amount: Uint,
        ttl: u64,
        fee: Uint,
        nonce: u64,
    },
    /// `channel_close_solo_tx` or `channel_slash_tx` (same layout).
    Solo {
        slash: bool,
        channel: ChannelId,
        from: AccountId,
        payload: Vec<u8>,
        poi: Vec<u8>,
        ttl: u64,
        fee: Uint,
        nonce: u64,
    },
    /// `channel_snapshot_solo_tx`.
    Snapshot { channel: ChannelId, from: AccountId, payload: Vec<u8>, ttl: u64, fee: Uint, nonce: u64 },
}

impl ChannelTx {
    /// The node's type name (`channel_create_tx`, …), used in `on_chain_tx` notifications.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            ChannelTx::Create { .. } => "channel_create_tx",
            ChannelTx::Offchain { .. } => "channel_offchain_tx",
            ChannelTx::DepositOrWithdraw { deposit: true, .. } => "channel_deposit_tx",
            ChannelTx::DepositOrWithdraw { deposit: false, .. } => "channel_withdraw_tx",
            ChannelTx::Final { settle: false, .. } => "channel_close_mutual_tx",
            ChannelTx::Final { settle: true, .. } => "channel_settle_tx",
            ChannelTx::Solo { slash: false, .. } => "channel_close_solo_tx",
            ChannelTx::Solo { slash: true, .. } => "channel_slash_tx",
            ChannelTx::Snapshot { .. } => "channel_snapshot_solo_tx",
        }
    }

    /// The serialized (unsigned, inner) transaction.
    pub(crate) fn to_rlp(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        enc.list(|l| match self {
            ChannelTx::Create {
                initiator,
                initiator_amount,
                responder,
                responder_amount,
                reserve,
                lock_period,
                ttl,
                fee,
                state_hash,
                nonce,
            } => {
                l.uint_u64(50).uint_u64(2);
                Id::account(*initiator).encode_rlp(l);
                initiator_amount.encode_rlp(l);
                Id::account(*responder).encode_rlp(l);
                responder_amount.encode_rlp(l);
                reserve.encode_rlp(l);
                l.uint_u64(*lock_period).uint_u64(*ttl);
                fee.encode_rlp(l);
                l.list(|_| {}).list(|_| {});
                l.bytes(state_hash).uint_u64(*nonce);
            }
            ChannelTx::Offchain { channel, round, state_hash } => {
                l.uint_u64(57).uint_u64(2);
                Id::channel(*channel).encode_rlp(l);
                l.uint_u64(*round).bytes(state_hash);
            }
            ChannelTx::DepositOrWithdraw {
                deposit,
                channel,
                account,
                amount,
                ttl,
                fee,
                state_hash,
                round,
                nonce,
            } => {
                l.uint_u64(if *deposit { 51 } else { 52 }).uint_u64(1);
                Id::channel(*channel).encode_rlp(l);
                Id::account(*account).encode_rlp(l);
                amount.encode_rlp(l);
                l.uint_u64(*ttl);
                fee.encode_rlp(l);
                l.bytes(state_hash).uint_u64(*round).uint_u64(*nonce);
            }
            ChannelTx::Final {
                settle,
                channel,
                from,
                initiator_amount,
                responder_amount,
                ttl,
                fee,
                nonce,
            } => {
                l.uint_u64(if *settle { 56 } else { 53 }).uint_u64(1);
                Id::channel(*channel).encode_rlp(l);
                Id::account(*from).encode_rlp(l);
                initiator_amount.encode_rlp(l);
                responder_amount.encode_rlp(l);
                l.uint_u64(*ttl);
                fee.encode_rlp(l);
                l.uint_u64(*nonce);
            }
            ChannelTx::Solo { slash, channel, from, payload, poi, ttl, fee, nonce } => {
                l.uint_u64(if *slash { 55 } else { 54 }).uint_u64(1);
                Id::channel(*channel).encode_rlp(l);
                Id::account(*from).encode_rlp(l);
                l.bytes(payload).bytes(poi).uint_u64(*ttl);
                fee.encode_rlp(l);
                l.uint_u64(*nonce);
            }
            ChannelTx::Snapshot { channel, from, payload, ttl, fee, nonce } => {
                l.uint_u64(59).uint_u64(1);
                Id::channel(*channel).encode_rlp(l);
                Id::account(*from).encode_rlp(l);
                l.bytes(payload).uint_u64(*ttl);
                fee.encode_rlp(l);
                l.uint_u64(*nonce);
            }
        });
        enc.finish()
    }

    fn fee_mut(&mut self) -> Option<&mut Uint> {
        match self {
            ChannelTx::Offchain { .. } => None,
            ChannelTx::Create { fee, .. }
            | ChannelTx::DepositOrWithdraw { fee, .. }
            | ChannelTx::Final { fee, .. }
            | ChannelTx::Solo { fee, .. }
            | ChannelTx::Snapshot { fee, .. } => Some(fee),
        }
    }

    /// The fee (zero for off-chain txs).
    pub(crate) fn fee(&self) -> Uint {
        match self {
            ChannelTx::Offchain { .. } => Uint::zero(),
            ChannelTx::Create { fee, .. }
            | ChannelTx::DepositOrWithdraw { fee, .. }
            | ChannelTx::Final { fee, .. }
            | ChannelTx::Solo { fee, .. }
            | ChannelTx::Snapshot { fee, .. } => fee.clone(),
        }
    }

    /// The nonce (zero for off-chain txs).
    pub(crate) fn nonce(&self) -> u64 {
        match self {
            ChannelTx::Offchain { .. } => 0,
            ChannelTx::Create { nonce, .. }
            | ChannelTx::DepositOrWithdraw { nonce, .. }
            | ChannelTx::Final { nonce, .. }
            | ChannelTx::Solo { nonce, .. }
            | ChannelTx::Snapshot { nonce, .. } => *nonce,
        }
    }

    /// Sets the nonce.
    pub(crate) fn set_nonce(&mut self, value: u64) {
        match self {
            ChannelTx::Offchain { .. } => {}
            ChannelTx::Create { nonce, .. }
            | ChannelTx::DepositOrWithdraw { nonce, .. }
            | ChannelTx::Final { nonce, .. }
            | ChannelTx::Solo { nonce, .. }
            | ChannelTx::Snapshot { nonce, .. } => *nonce = value,
        }
    }

    /// Sets the fee.
    pub(crate) fn set_fee(&mut self, value: Uint) {
        if let Some(f) = self.fee_mut() {
            *f = value;
        }
    }

    /// Sets the fee to the node's minimum for `gas_price`: `(15000 + 20 · size) · gas_price`,
    /// recomputed until the size (which depends on the fee) is stable, at most five times.
    pub(crate) fn set_minimum_fee(&mut self, gas_price: &Uint) {
        for _ in 0..5 {
            let size = self.to_rlp().len() as u64;
            let fee = &Uint::from(BASE_GAS + GAS_PER_BYTE * size) * gas_price;
            match self.fee_mut() {
                Some(f) if *f == fee => return,
                Some(f) => *f = fee,
                None => return,
            }
        }
    }

    /// The minimum fee of this tx at `gas_price` (without changing it).
    pub(crate) fn minimum_fee(&self, gas_price: &Uint) -> Uint {
        let size = self.to_rlp().len() as u64;
        &Uint::from(BASE_GAS + GAS_PER_BYTE * size) * gas_price
    }
}

/// A transaction with its signatures (`signed_tx`, tag 11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignedTx {
    /// The signatures, in any order (serialization sorts them).
    pub signatures: Vec<Signature>,
    /// The serialized inner transaction.
    pub tx: Vec<u8>,
}

/// Why a `signed_tx` from a client was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxError {
    /// Not a valid `tx_…` string: the node answers 1010.
    Encoding,
    /// A valid `tx_…` string that is not a signed transaction: the node ignores it.
    Structure,
}

impl SignedTx {
    /// An unsigned transaction.
    pub(crate) fn unsigned(tx: Vec<u8>) -> Self {
        SignedTx { signatures: Vec::new(), tx }
    }

    /// The canonical serialization (signatures sorted bytewise).
    pub(crate) fn to_rlp(&self) -> Vec<u8> {
        let mut sigs = self.signatures.clone();
        sigs.sort();
        sigs.dedup();
        let mut enc = Encoder::new();
        enc.list(|l| {
            l.uint_u64(11).uint_u64(1);
            l.list(|s| {
                for sig in &sigs {
                    s.bytes(sig.as_bytes());
                }
            });
            l.bytes(&self.tx);
        });
        enc.finish()
    }

    /// The `tx_…` text form.
    pub(crate) fn to_api(&self) -> String {
        encoding::encode(Prefix::Transaction, &self.to_rlp())
    }

    /// The transaction hash (`th_…` bytes).
    pub(crate) fn hash(&self) -> [u8; 32] {
        aesc_codec::hash::blake2b_256(&self.to_rlp())
    }

    /// Parses a `tx_…` string from a client.
    pub(crate) fn from_api(text: &str) -> Result<Self, TxError> {
        let bytes = encoding::decode_as(Prefix::Transaction, text).map_err(|_| TxError::Encoding)?;
        Self::from_rlp(&bytes).ok_or(TxError::Structure)
    }

    fn from_rlp(bytes: &[u8]) -> Option<Self> {
        let item = decode_exact(bytes).ok()?;
        let (tag, vsn, fields) = envelope(&item).ok()?;
        if tag != 11 || vsn != 1 {
            return None;
        }
        let [sigs, tx] = fields else { return None };
        let signatures = sigs
            .as_list()
            .ok()?
            .iter()
            .map(|s| s.as_array::<64>().ok().map(Signature))
            .collect::<Option<Vec<_>>>()?;
        let tx = tx.as_bytes().ok()?.to_vec();
        // The inner transaction must at least be an object.
        peek_tag(&tx).ok()?;
        Some(SignedTx { signatures, tx })
    }

    /// Whether the signatures are exactly one valid signature by each of `signers` (in any
    /// order, no extra ones), on `network`.
    pub(crate) fn signed_exactly_by(&self, network: &NetworkId, signers: &[AccountId]) -> bool {
        let mut sigs = self.signatures.clone();
        sigs.sort();
        sigs.dedup();
        if sigs.len() != signers.len() {
            return false;
        }
        signers.iter().all(|signer| {
            sigs.iter().any(|sig| verify_tx_bytes(network, &self.tx, signer, sig).is_some())
        })
    }

    /// The signatures valid for `signer` on `network`.
    pub(crate) fn signature_of(&self, network: &NetworkId, signer: &AccountId) -> Option<Signature> {
        self.signatures
            .iter()
            .find(|sig| verify_tx_bytes(network, &self.tx, signer, sig).is_some())
            .copied()
    }
}

/// The string the node puts in `min_depth_achieved.tx_hash`: the raw hash bytes read as text.
pub(crate) fn raw_hash_text(hash: &[u8; 32]) -> String {
    String::from_utf8_lossy(hash).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ak(s: &str) -> AccountId {
        s.parse().unwrap()
    }

    /// The create tx of protocol §9 re-encoded as version 2 keeps the fee rule: the node's v1
    /// vector has 131 bytes and fee 17620e9; v2 adds one empty list byte.
    #[test]
    fn create_fee_follows_the_size() {
        let mut tx = ChannelTx::Create {
            initiator: ak("ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C"),
            initiator_amount: Uint::from(70_000_000_000_000u64),
            responder: ak("ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt"),
            responder_amount: Uint::from(40_000_000_000_000u64),
            reserve: Uint::from(2u64),
            lock_period: 10,
            ttl: 0,
            fee: Uint::zero(),
            state_hash: [0; 32],
            nonce: 3,
        };
        tx.set_minimum_fee(&Uint::from(1_000_000_000u64));
        let ChannelTx::Create { fee, .. } = &tx else { unreachable!() };
        assert_eq!(tx.to_rlp().len(), 132);
        assert_eq!(*fee, Uint::from(17_640_000_000_000u64));
    }

    /// The live recording's unsigned create tx (v2) decodes and re-encodes byte for byte.
    #[test]
    fn live_create_round_trips() {
        let text = "tx_+IkLAcC4hPiCMgKhAW2qXBqYeAZtkX/sII2uO1pVvGKD7tMGytFdYAD/2xZxhj+qJSJgAKEBKQgLQPPPGNln/TQgse+qkezOwPEq4zOi3lGeuflJQjqGJGE5yoAAAgoAhhALIe8QAMDAoHkoQ08OKWtijkgrQfs/m8neBYExFq2zcK+icYWQYkg4BBgEYj4=";
        let signed = SignedTx::from_api(text).unwrap();
        assert!(signed.signatures.is_empty());
        assert_eq!(signed.to_api(), text);
        let item = decode_exact(&signed.tx).unwrap();
        let (_, _, f) = envelope(&item).unwrap();
        let state_hash: [u8; 32] = f[10].as_array().unwrap();
        let rebuilt = ChannelTx::Create {
            initiator: AccountId(f[0].as_bytes().unwrap()[1..].try_into().unwrap()),
            initiator_amount: Uint::decode_rlp(&f[1]).unwrap(),
            responder: AccountId(f[2].as_bytes().unwrap()[1..].try_into().unwrap()),
            responder_amount: Uint::decode_rlp(&f[3]).unwrap(),
            reserve: Uint::decode_rlp(&f[4]).unwrap(),
            lock_period: f[5].as_u64().unwrap(),
            ttl: f[6].as_u64().unwrap(),
            fee: Uint::decode_rlp(&f[7]).unwrap(),
            state_hash,
            nonce: f[11].as_u64().unwrap(),
        };
        assert_eq!(rebuilt.to_rlp(), signed.tx);
        // And the node's fee is the minimum fee of that tx.
        let mut refeed = rebuilt.clone();
        refeed.set_minimum_fee(&Uint::from(1_000_000_000u64));
        assert_eq!(refeed, rebuilt);
    }

    #[test]
    fn bad_strings() {
        assert_eq!(SignedTx::from_api("tx_garbage"), Err(TxError::Encoding));
        let not_signed = encoding::encode(Prefix::Transaction, &[0xc2, 0x0c, 0x01]);
        assert_eq!(SignedTx::from_api(&not_signed), Err(TxError::Structure));
    }
}
