//! The checks every sign request passes before a signature leaves the process. Pure functions
//! over the decoded transaction and the client's own view.

use aesc_codec::crypto::{AccountVerifier, NetworkId};
use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::jsonrpc::SignTag;
use aesc_codec::object::Object;
use aesc_codec::rlp;
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{SignedTx, TxKind, Update};
use aesc_codec::Uint;

use crate::policy::Refusal;

/// The transaction type a sign request must carry.
pub(crate) fn expected_kind(tag: SignTag) -> TxKind {
    match tag {
        SignTag::InitiatorSign | SignTag::ResponderSign => TxKind::ChannelCreate,
        SignTag::Update | SignTag::UpdateAck => TxKind::ChannelOffChain,
        SignTag::DepositTx | SignTag::DepositAck => TxKind::ChannelDeposit,
        SignTag::WithdrawTx | SignTag::WithdrawAck => TxKind::ChannelWithdraw,
        SignTag::ShutdownSign | SignTag::ShutdownSignAck => TxKind::ChannelCloseMutual,
        SignTag::CloseSoloSign => TxKind::ChannelCloseSolo,
        SignTag::SlashTx => TxKind::ChannelSlash,
        SignTag::SettleSign => TxKind::ChannelSettle,
        SignTag::SnapshotSoloTx => TxKind::ChannelSnapshotSolo,
        SignTag::ForceProgressTx => TxKind::ChannelForceProgress,
    }
}

/// Whether the request acknowledges the other party's proposal.
pub(crate) fn is_ack(tag: SignTag) -> bool {
    matches!(
        tag,
        SignTag::ResponderSign
            | SignTag::UpdateAck
            | SignTag::DepositAck
            | SignTag::WithdrawAck
            | SignTag::ShutdownSignAck
    )
}

/// Decodes the `signed_tx` of a sign request and checks that its inner transaction is in
/// canonical form: the bytes that will be signed are exactly the encoding of what is checked.
pub(crate) fn decode(bytes: &[u8], tag: SignTag) -> Result<SignedTx, Refusal> {
    let signed = SignedTx::from_rlp(bytes).map_err(|_| Refusal::Malformed)?;
    let item = rlp::decode_exact(bytes).map_err(|_| Refusal::Malformed)?;
    let inner = item
        .as_list()
        .ok()
        .and_then(|l| l.get(3))
        .and_then(|i| i.as_bytes().ok())
        .ok_or(Refusal::Malformed)?;
    if signed.tx.to_rlp() != inner {
        return Err(Refusal::NonCanonical);
    }
    let expected = expected_kind(tag);
    if signed.tx.kind() != expected {
        return Err(Refusal::WrongType { expected, found: signed.tx.kind() });
    }
    Ok(signed)
}

/// `found` must be `expected`.
pub(crate) fn channel(expected: &ChannelId, found: &ChannelId) -> Result<(), Refusal> {
    if expected != found {
        return Err(Refusal::ChannelId { expected: *expected, found: *found });
    }
    Ok(())
}

/// `found` must be `expected`.
pub(crate) fn round(expected: u64, found: u64) -> Result<(), Refusal> {
    if expected != found {
        return Err(Refusal::Round { expected, found });
    }
    Ok(())
}

/// `found` must be `expected`.
pub(crate) fn account(
    field: &'static str,
    expected: &AccountId,
    found: &AccountId,
) -> Result<(), Refusal> {
    if expected != found {
        return Err(Refusal::Account { field, expected: *expected, found: *found });
    }
    Ok(())
}

/// `found` must be `expected`.
pub(crate) fn amount(field: &'static str, expected: &Uint, found: &Uint) -> Result<(), Refusal> {
    if expected != found {
        return Err(Refusal::Amount { field, expected: expected.clone(), found: found.clone() });
    }
    Ok(())
}

/// `found` must be `expected`.
pub(crate) fn value(field: &'static str, expected: u64, found: u64) -> Result<(), Refusal> {
    if expected != found {
        return Err(Refusal::Value { field, expected, found });
    }
    Ok(())
}

/// The fee must not exceed the cap.
pub(crate) fn fee(fee: &Uint, cap: &Uint) -> Result<(), Refusal> {
    if fee > cap {
        return Err(Refusal::Fee { fee: fee.clone(), cap: cap.clone() });
    }
    Ok(())
}

/// `found` must be `expected`.
pub(crate) fn state_hash(expected: &StateHash, found: &StateHash) -> Result<(), Refusal> {
    if expected != found {
        return Err(Refusal::StateHash { expected: *expected, found: *found });
    }
    Ok(())
}

/// Applies `updates` to `state` with the codec's rules. `Ok(None)` when a contract update
/// makes the result something only the VM can compute.
pub(crate) fn apply(
    state: &OffChainState,
    updates: &[Update],
    reserve: &Uint,
) -> Result<Option<OffChainState>, Refusal> {
    if updates
        .iter()
        .any(|u| matches!(u, Update::CreateContract { .. } | Update::CallContract { .. }))
    {
        return Ok(None);
    }
    let mut next = state.clone();
    next.apply_all(updates, reserve).map_err(|_| Refusal::Inapplicable)?;
    Ok(Some(next))
}

/// Whether `updates` could take tokens from `me`.
pub(crate) fn may_reduce(updates: &[Update], me: &AccountId) -> bool {
    updates.iter().any(|u| match u {
        Update::Transfer { from, .. } => from == me,
        Update::Withdraw { to, .. } => to == me,
        Update::CreateContract { owner, .. } => owner == me,
        Update::CallContract { caller, .. } => caller == me,
        Update::Deposit { .. } | Update::Meta { .. } => false,
    })
}

/// The final amounts of a mutual close paying `fee` from balances `(i, r)`, by the node's rule
/// (`aesc_fsm:pay_close_mutual_fee/3`); `None` when the balances cannot pay the fee.
pub(crate) fn close_mutual_finals(i: &Uint, r: &Uint, fee: &Uint) -> Option<(Uint, Uint)> {
    if &(i + r) < fee {
        return None;
    }
    let floor = Uint::from(fee.as_big() >> 1u32);
    let ceil = fee.checked_sub(&floor)?;
    if i >= &ceil && r >= &floor {
        return Some((i.checked_sub(&ceil)?, r.checked_sub(&floor)?));
    }
    if r >= &ceil && i >= &floor {
        return Some((i.checked_sub(&floor)?, r.checked_sub(&ceil)?));
    }
    if i > r {
        Some((i.checked_sub(&fee.checked_sub(r)?)?, Uint::zero()))
    } else {
        Some((Uint::zero(), r.checked_sub(&fee.checked_sub(i)?)?))
    }
}

/// Whether `who` has a valid signature on the innermost transaction, checked by the codec
/// (for the network the innermost layer is signed for: `<net>-inner_tx` inside a wrapper).
pub(crate) fn signed_by(tx: &SignedTx, network: &NetworkId, who: &AccountId) -> bool {
    innermost_checks(tx, network, std::slice::from_ref(who)).any(|c| c.verified.is_some())
}

/// Whether the innermost transaction carries the other party's signature and nothing but it
/// and signatures this client made (`own`, which are not verified again). Each of the other
/// signatures is verified once against `peer`, in the form the node uses first (raw), the
/// hash form only when that fails; those in `verified` (the peer's signatures on this same
/// inner transaction, verified when it was signed) count without being verified again.
pub(crate) fn signed_by_peer(
    tx: &SignedTx,
    network: &NetworkId,
    peer: &AccountVerifier,
    own: &[aesc_codec::id::Signature],
    verified: &[aesc_codec::id::Signature],
) -> bool {
    if tx.wrapped().is_some() {
        // A wrapped transaction is signed for its inner network: the codec knows the layers.
        let mut peers = 0usize;
        for c in innermost_checks(tx, network, std::slice::from_ref(peer.account())) {
            if c.verified.is_some() {
                peers += 1;
            } else if !own.contains(&c.signature) {
                return false;
            }
        }
        return peers > 0;
    }
    let inner = tx.innermost();
    let bytes = inner.tx.to_rlp();
    let mut peers = 0usize;
    for s in &inner.signatures {
        if own.contains(s) {
            continue;
        }
        if verified.contains(s) {
            peers += 1;
            continue;
        }
        if peer.verify_tx_bytes(network, &bytes, s).is_none() {
            return false;
        }
        peers += 1;
    }
    peers > 0
}

/// Whether every signature on the innermost transaction verifies for one of `signers`.
pub(crate) fn only_valid_signatures(
    tx: &SignedTx,
    network: &NetworkId,
    signers: &[AccountId],
) -> bool {
    innermost_checks(tx, network, signers).all(|c| c.verified.is_some())
}

/// The codec's verdict on each signature of the innermost layer.
fn innermost_checks(
    tx: &SignedTx,
    network: &NetworkId,
    candidates: &[AccountId],
) -> impl Iterator<Item = aesc_codec::tx::SignatureCheck> {
    let checks = tx.verify(network, candidates);
    let innermost = checks.iter().map(|c| c.layer).max().unwrap_or(0);
    checks.into_iter().filter(move |c| c.layer == innermost)
}

/// The PoI hashes to the state's hash and proves each participant's balance in it.
pub(crate) fn poi_matches(
    poi_bytes: &[u8],
    state: &OffChainState,
    participants: [&AccountId; 2],
) -> Result<(), Refusal> {
    let proven = proven_balances(poi_bytes, &state.state_hash(), participants)?;
    for (who, balance) in participants.into_iter().zip(proven) {
        let ours = state.balance(who).ok_or(Refusal::UnknownState)?;
        amount("poi balance", ours, &balance)?;
    }
    Ok(())
}

/// The PoI hashes to `root` and proves an account for each participant.
pub(crate) fn poi_proves(
    poi_bytes: &[u8],
    root: &StateHash,
    participants: [&AccountId; 2],
) -> Result<(), Refusal> {
    proven_balances(poi_bytes, root, participants).map(|_| ())
}

/// The participants' balances the PoI proves, once its root is `root`.
fn proven_balances(
    poi_bytes: &[u8],
    root: &StateHash,
    participants: [&AccountId; 2],
) -> Result<[Uint; 2], Refusal> {
    let poi = aesc_codec::state::TreesPoi::from_rlp(poi_bytes).map_err(|_| Refusal::Payload)?;
    state_hash(root, &poi.root_hash())?;
    let balance = |who: &AccountId| -> Result<Uint, Refusal> {
        let account = poi.account(who).map_err(|_| Refusal::Payload)?.ok_or(Refusal::Payload)?;
        Ok(account.balance)
    };
    Ok([balance(participants[0])?, balance(participants[1])?])
}

/// Whether two signed transactions carry the same inner transaction.
pub(crate) fn same_inner(a: &SignedTx, b: &SignedTx) -> bool {
    a.innermost_tx() == b.innermost_tx()
}

/// The inner transaction of a state payload must be this client's latest co-signed state.
pub(crate) fn payload_is_latest(
    payload: Option<&SignedTx>,
    latest: Option<&SignedTx>,
) -> Result<(), Refusal> {
    match (payload, latest) {
        (Some(p), Some(l)) if same_inner(p, l) => Ok(()),
        _ => Err(Refusal::Payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> Uint {
        Uint::from(v)
    }

    #[test]
    fn close_fee_split_follows_the_node() {
        // Both can pay their half: the initiator pays the odd aetto.
        assert_eq!(close_mutual_finals(&u(100), &u(100), &u(11)), Some((u(94), u(95))));
        // The initiator cannot pay the ceiling half but the responder can.
        assert_eq!(close_mutual_finals(&u(5), &u(100), &u(11)), Some((u(0), u(94))));
        // Neither can pay half: the richer pays what the poorer cannot.
        assert_eq!(close_mutual_finals(&u(3), &u(9), &u(11)), Some((u(0), u(1))));
        assert_eq!(close_mutual_finals(&u(9), &u(3), &u(11)), Some((u(1), u(0))));
        assert_eq!(close_mutual_finals(&u(3), &u(3), &u(11)), None);
        assert_eq!(close_mutual_finals(&u(10), &u(10), &u(0)), Some((u(10), u(10))));
    }

    #[test]
    fn updates_apply_or_are_unknowable() {
        let a = AccountId([1; 32]);
        let b = AccountId([2; 32]);
        let s = OffChainState::initial(a, u(100), b, u(50), u(0)).unwrap();
        let t = [Update::Transfer { from: a, to: b, amount: u(10) }];
        let next = apply(&s, &t, &u(1)).unwrap().unwrap();
        assert_eq!(next.balance(&a), Some(&u(90)));
        assert_eq!(next.balance(&b), Some(&u(60)));
        assert!(may_reduce(&t, &a));
        assert!(!may_reduce(&t, &b));
        let too_much = [Update::Transfer { from: b, to: a, amount: u(50) }];
        assert_eq!(apply(&s, &too_much, &u(1)), Err(Refusal::Inapplicable));
        let meta = [Update::Meta { data: b"hi".to_vec() }];
        assert_eq!(apply(&s, &meta, &u(1)).unwrap(), Some(s.clone()));
    }
}
