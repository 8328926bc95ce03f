//! Derived values: channel id, transaction hash, off-chain contract and call ids.

use crate::hash::{blake2b_256, blake2b_256_parts};
use crate::id::{AccountId, ChannelId, ContractId, TxHash};
use crate::Uint;

/// The channel id: `blake2b(initiator ‖ nonce as 32-byte big-endian ‖ responder)` (a nonce
/// beyond 256 bits contributes its low 256 bits, as in the node's binary construction).
///
/// For a generalized-account initiator pass the `auth_id` as `nonce_or_auth_id` through
/// [`channel_id_with_slot`].
pub fn channel_id(initiator: &AccountId, nonce: Uint, responder: &AccountId) -> ChannelId {
    channel_id_with_slot(initiator, &slot_256(&nonce), responder)
}

/// `value` as the node's `<<Value:256>>`: 32 bytes big-endian, its low 256 bits when larger.
fn slot_256(value: &Uint) -> [u8; 32] {
    let bytes = value.to_be_bytes();
    let low = bytes.get(bytes.len().saturating_sub(32)..).unwrap_or_default();
    let mut slot = [0u8; 32];
    if let Some(tail) = slot.get_mut(32 - low.len()..) {
        tail.copy_from_slice(low);
    }
    slot
}

/// The channel id with an explicit 32-byte middle slot (the nonce, or a GA initiator's
/// `auth_id`).
pub fn channel_id_with_slot(
    initiator: &AccountId,
    slot: &[u8; 32],
    responder: &AccountId,
) -> ChannelId {
    ChannelId(blake2b_256_parts(&[initiator.as_bytes(), slot, responder.as_bytes()]))
}

/// The transaction hash: blake2b of the serialized SignedTx, signatures included.
pub fn tx_hash(signed_tx_bytes: &[u8]) -> TxHash {
    TxHash(blake2b_256(signed_tx_bytes))
}

/// The id of a contract created off-chain by `owner` in the update of `round`:
/// `blake2b(owner ‖ minimal big-endian round)`.
pub fn offchain_contract_id(owner: &AccountId, round: &Uint) -> ContractId {
    ContractId(blake2b_256_parts(&[owner.as_bytes(), &round.to_be_bytes()]))
}

/// The id of an off-chain contract call: `blake2b(caller ‖ round as 32-byte BE ‖ contract)`.
pub fn offchain_call_id(caller: &AccountId, round: &Uint, contract: &ContractId) -> [u8; 32] {
    blake2b_256_parts(&[caller.as_bytes(), &slot_256(round), contract.as_bytes()])
}

/// The GA `auth_id`: `blake2b(ga_pubkey ‖ auth_data)`.
pub fn ga_auth_id(ga: &AccountId, auth_data: &[u8]) -> [u8; 32] {
    blake2b_256_parts(&[ga.as_bytes(), auth_data])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_the_low_256_bits_big_endian() {
        assert_eq!(slot_256(&Uint::zero()), [0; 32]);
        let mut three = [0; 32];
        three[31] = 3;
        assert_eq!(slot_256(&Uint::from(3u64)), three);
        // 2^256 + 3 keeps its low 256 bits.
        let mut big = vec![1u8];
        big.extend_from_slice(&three);
        assert_eq!(slot_256(&Uint::from_be_bytes(&big)), three);
    }
}
