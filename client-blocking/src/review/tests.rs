//! The review as a table: each row a view, a stage and a sign request, and the verdict. No
//! socket, no session: a row runs in microseconds.

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::jsonrpc::{EncodedTx, SignRequest, SignTag, TxOptions};
use aesc_codec::object::Object;
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{
    ChannelCloseMutualTx, ChannelCloseSoloTx, ChannelCreateTx, ChannelDepositTx, ChannelOffChainTx,
    ChannelSettleTx, ChannelSnapshotSoloTx, ChannelWithdrawTx, Delegates, Payload, SignedTx, Tx,
    Update,
};
use aesc_codec::Uint;

use super::{Refusal, Review, Stage, Verdict};
use crate::channel_config::OpenTerms;
use crate::params::Role;
use crate::policy::DefaultPolicy;
use crate::session::OpKind;
use crate::view::{ChannelView, Phase};

const INITIATOR: u64 = 1_000_000;
const RESPONDER: u64 = 500_000;
const RESERVE: u64 = 2;
const FEE: u64 = 20_000;

fn net() -> NetworkId {
    NetworkId::new("ae_dev")
}

fn me() -> SecretKey {
    SecretKey::from_seed(&[1; 32])
}

fn peer() -> SecretKey {
    SecretKey::from_seed(&[2; 32])
}

fn u(v: u64) -> Uint {
    Uint::from(v)
}

fn terms() -> OpenTerms {
    OpenTerms {
        initiator_amount: u(INITIATOR),
        responder_amount: u(RESPONDER),
        push_amount: u(0),
        channel_reserve: u(RESERVE),
        lock_period: 10,
        fee: None,
        nonce: None,
    }
}

fn initial() -> OffChainState {
    let (i, r) = (me().public_key(), peer().public_key());
    OffChainState::initial(i, u(INITIATOR), r, u(RESPONDER), u(0)).unwrap()
}

fn create() -> ChannelCreateTx {
    ChannelCreateTx {
        initiator_id: me().public_key(),
        initiator_amount: u(INITIATOR),
        responder_id: peer().public_key(),
        responder_amount: u(RESPONDER),
        channel_reserve: u(RESERVE),
        lock_period: 10,
        ttl: 0,
        fee: u(FEE),
        delegates: Delegates::none(),
        state_hash: initial().state_hash(),
        nonce: 1,
    }
}

fn channel() -> ChannelId {
    create().channel_id()
}

fn signed(tx: Tx, by: &[SecretKey]) -> SignedTx {
    let mut s = SignedTx::unsigned(tx);
    for k in by {
        s.sign(k, &net(), SignatureForm::Raw);
    }
    s
}

/// The initiator's view of the open channel at round 1.
fn open_view() -> ChannelView {
    let mut v = ChannelView::new(Role::Initiator, me().public_key(), peer().public_key());
    v.channel_id = Some(channel());
    v.round = 1;
    v.channel_reserve = u(RESERVE);
    v.state = Some(initial());
    v.latest = Some(signed(Tx::ChannelCreate(create()), &[me(), peer()]));
    v.phase = Phase::Open;
    v
}

fn request(tag: SignTag, tx: &SignedTx, updates: &[Update]) -> SignRequest {
    SignRequest {
        tag,
        signed_tx: EncodedTx::from_bytes(&tx.to_rlp()),
        updates: updates.iter().map(Update::to_json).collect(),
    }
}

fn transfer(from: &SecretKey, to: &SecretKey, amount: u64) -> Update {
    Update::Transfer { from: from.public_key(), to: to.public_key(), amount: u(amount) }
}

/// The off-chain state after `updates`, as a node would propose it.
fn offchain(updates: &[Update], round: u64, by: &[SecretKey]) -> SignedTx {
    let mut next = initial();
    for up in updates {
        next.apply(up, &u(RESERVE)).unwrap();
    }
    let tx = ChannelOffChainTx {
        channel_id: channel(),
        round,
        updates: None,
        state_hash: next.state_hash(),
    };
    signed(Tx::ChannelOffChain(tx), by)
}

fn deposit(from: AccountId, amount: u64, fee: u64, nonce: u64, by: &[SecretKey]) -> SignedTx {
    let mut next = initial();
    next.deposit(&from, &u(amount)).unwrap();
    let tx = ChannelDepositTx {
        channel_id: channel(),
        from_id: from,
        amount: u(amount),
        ttl: 0,
        fee: u(fee),
        state_hash: next.state_hash(),
        round: 2,
        nonce,
    };
    signed(Tx::ChannelDeposit(tx), by)
}

fn withdraw(amount: u64) -> SignedTx {
    let mut next = initial();
    next.withdraw(&me().public_key(), &u(amount), &u(RESERVE)).unwrap();
    let tx = ChannelWithdrawTx {
        channel_id: channel(),
        to_id: me().public_key(),
        amount: u(amount),
        ttl: 0,
        fee: u(FEE),
        state_hash: next.state_hash(),
        round: 2,
        nonce: 2,
    };
    signed(Tx::ChannelWithdraw(tx), &[])
}

fn close_mutual(fee: u64, by: &[SecretKey]) -> SignedTx {
    let tx = ChannelCloseMutualTx {
        channel_id: channel(),
        from_id: me().public_key(),
        initiator_amount_final: u(INITIATOR - fee.div_ceil(2)),
        responder_amount_final: u(RESPONDER - fee / 2),
        ttl: 0,
        fee: u(fee),
        nonce: 2,
    };
    signed(Tx::ChannelCloseMutual(tx), by)
}

fn close_solo(payload: Payload) -> SignedTx {
    let (i, r) = (me().public_key(), peer().public_key());
    let tx = ChannelCloseSoloTx {
        channel_id: channel(),
        from_id: i,
        payload,
        poi: initial().poi(&[i, r]).unwrap().to_rlp(),
        ttl: 0,
        fee: u(FEE),
        nonce: 2,
    };
    signed(Tx::ChannelCloseSolo(tx), &[])
}

fn settle(initiator_final: u64) -> SignedTx {
    let tx = ChannelSettleTx {
        channel_id: channel(),
        from_id: me().public_key(),
        initiator_amount_final: u(initiator_final),
        responder_amount_final: u(RESPONDER),
        ttl: 0,
        fee: u(FEE),
        nonce: 3,
    };
    signed(Tx::ChannelSettle(tx), &[])
}

fn snapshot(payload: Payload) -> SignedTx {
    let tx = ChannelSnapshotSoloTx {
        channel_id: channel(),
        from_id: me().public_key(),
        payload,
        ttl: 0,
        fee: u(FEE),
        nonce: 2,
    };
    signed(Tx::ChannelSnapshotSolo(tx), &[])
}

/// What a row expects: signing, or a refusal of this kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Sign,
    Refuse(&'static str),
}

fn kind(r: &Refusal) -> &'static str {
    match r {
        Refusal::Unrequested { .. } => "Unrequested",
        Refusal::AlreadySigned { .. } => "AlreadySigned",
        Refusal::Malformed => "Malformed",
        Refusal::NonCanonical => "NonCanonical",
        Refusal::WrongType { .. } => "WrongType",
        Refusal::ChannelId { .. } => "ChannelId",
        Refusal::Round { .. } => "Round",
        Refusal::Account { .. } => "Account",
        Refusal::Amount { .. } => "Amount",
        Refusal::Value { .. } => "Value",
        Refusal::Updates => "Updates",
        Refusal::StateHash { .. } => "StateHash",
        Refusal::Inapplicable => "Inapplicable",
        Refusal::Fee { .. } => "Fee",
        Refusal::PeerSignature => "PeerSignature",
        Refusal::UnknownState => "UnknownState",
        Refusal::Payload => "Payload",
        Refusal::Policy(_) => "Policy",
    }
}

struct Row {
    what: &'static str,
    view: ChannelView,
    op: Option<OpKind>,
    signed: Option<SignedTx>,
    req: SignRequest,
    want: Want,
}

fn row(what: &'static str, op: Option<OpKind>, req: SignRequest, want: Want) -> Row {
    Row { what, view: open_view(), op, signed: None, req, want }
}

fn own_update(updates: &[Update]) -> Option<OpKind> {
    Some(OpKind::Update(updates.to_vec()))
}

fn own_deposit(amount: u64, nonce: Option<u64>) -> Option<OpKind> {
    Some(OpKind::Deposit(u(amount), TxOptions { nonce, ..TxOptions::default() }))
}

fn rows() -> Vec<Row> {
    use SignTag as T;
    use Want::{Refuse, Sign};
    let (m, p) = (me(), peer());
    let pay = [transfer(&m, &p, 10)];
    let paid = [transfer(&p, &m, 10)];
    let mut rows = vec![
        // Accepted: every kind of request this client signs.
        Row {
            what: "the create tx with the terms asked for",
            view: ChannelView::new(Role::Initiator, m.public_key(), p.public_key()),
            op: Some(OpKind::Open(terms())),
            signed: None,
            req: request(T::InitiatorSign, &signed(Tx::ChannelCreate(create()), &[]), &[]),
            want: Sign,
        },
        row(
            "own transfer",
            own_update(&pay),
            request(T::Update, &offchain(&pay, 2, &[]), &pay),
            Sign,
        ),
        row(
            "the other party pays this client",
            None,
            request(T::UpdateAck, &offchain(&paid, 2, std::slice::from_ref(&p)), &paid),
            Sign,
        ),
        row(
            "own deposit",
            own_deposit(100, None),
            request(T::DepositTx, &deposit(m.public_key(), 100, FEE, 2, &[]), &[]),
            Sign,
        ),
        row(
            "the other party deposits",
            None,
            request(
                T::DepositAck,
                &deposit(p.public_key(), 100, FEE, 2, std::slice::from_ref(&p)),
                &[],
            ),
            Sign,
        ),
        row(
            "own withdrawal",
            Some(OpKind::Withdraw(u(100), TxOptions::default())),
            request(T::WithdrawTx, &withdraw(100), &[]),
            Sign,
        ),
        row(
            "own mutual close",
            Some(OpKind::Shutdown(TxOptions::default())),
            request(T::ShutdownSign, &close_mutual(FEE, &[]), &[]),
            Sign,
        ),
        row(
            "own solo close",
            Some(OpKind::CloseSolo(TxOptions::default())),
            request(T::CloseSoloSign, &close_solo(Payload::Empty), &[]),
            Sign,
        ),
        // Refused: every reason.
        row(
            "a transfer nobody asked for",
            None,
            request(T::Update, &offchain(&pay, 2, &[]), &pay),
            Refuse("Unrequested"),
        ),
        row(
            "bytes that do not decode",
            own_update(&pay),
            SignRequest {
                tag: T::Update,
                signed_tx: EncodedTx::from_bytes(b"\xc3\x01\x02\x03"),
                updates: vec![],
            },
            Refuse("Malformed"),
        ),
        row(
            "a deposit where an update is asked for",
            own_update(&pay),
            request(T::Update, &deposit(m.public_key(), 100, FEE, 2, &[]), &[]),
            Refuse("WrongType"),
        ),
        row(
            "a transfer one round ahead",
            own_update(&pay),
            request(T::Update, &offchain(&pay, 3, &[]), &pay),
            Refuse("Round"),
        ),
        row(
            "a transfer other than the one asked for",
            own_update(&pay),
            request(T::Update, &offchain(&[transfer(&m, &p, 11)], 2, &[]), &[transfer(&m, &p, 11)]),
            Refuse("Updates"),
        ),
        row(
            "a state hash that is not the transfer's",
            own_update(&pay),
            request(T::Update, &offchain(&[transfer(&m, &p, 11)], 2, &[]), &pay),
            Refuse("StateHash"),
        ),
        row(
            "a transfer beyond the balance",
            own_update(&[transfer(&m, &p, INITIATOR)]),
            request(T::Update, &offchain(&pay, 2, &[]), &[transfer(&m, &p, INITIATOR)]),
            Refuse("Inapplicable"),
        ),
        row(
            "the other party's proposal without its signature",
            None,
            request(T::UpdateAck, &offchain(&paid, 2, &[]), &paid),
            Refuse("PeerSignature"),
        ),
        row(
            "the other party's proposal taking from this client",
            None,
            request(T::UpdateAck, &offchain(&pay, 2, std::slice::from_ref(&p)), &pay),
            Refuse("Policy"),
        ),
        row(
            "a deposit by the other party in this client's name",
            own_deposit(100, None),
            request(T::DepositTx, &deposit(p.public_key(), 100, FEE, 2, &[]), &[]),
            Refuse("Account"),
        ),
        row(
            "a deposit of another amount",
            own_deposit(99, None),
            request(T::DepositTx, &deposit(m.public_key(), 100, FEE, 2, &[]), &[]),
            Refuse("Amount"),
        ),
        row(
            "a deposit with another nonce than asked",
            own_deposit(100, Some(5)),
            request(T::DepositTx, &deposit(m.public_key(), 100, FEE, 2, &[]), &[]),
            Refuse("Value"),
        ),
        row(
            "a deposit whose fee is over the cap",
            own_deposit(100, None),
            request(
                T::DepositTx,
                &deposit(m.public_key(), 100, 2_000_000_000_000_000, 2, &[]),
                &[],
            ),
            Refuse("Fee"),
        ),
        row(
            "a snapshot of a state that is not the latest",
            Some(OpKind::Snapshot(TxOptions::default())),
            request(
                T::SnapshotSoloTx,
                &snapshot(Payload::Tx(Box::new(offchain(&pay, 2, &[])))),
                &[],
            ),
            Refuse("Payload"),
        ),
        row(
            "a settle paying the wrong amounts",
            Some(OpKind::Settle(TxOptions::default())),
            request(T::SettleSign, &settle(INITIATOR - 1), &[]),
            Refuse("Amount"),
        ),
    ];
    // Another channel.
    let mut other = offchain(&pay, 2, &[]);
    if let Tx::ChannelOffChain(o) = &mut other.tx {
        o.channel_id = ChannelId([9; 32]);
    }
    rows.push(row(
        "another channel",
        own_update(&pay),
        request(T::Update, &other, &pay),
        Refuse("ChannelId"),
    ));
    // The balances are not known.
    let mut blind = row(
        "a transfer on unknown balances",
        own_update(&pay),
        request(T::Update, &offchain(&pay, 2, &[]), &pay),
        Refuse("UnknownState"),
    );
    blind.view.state = None;
    rows.push(blind);
    // One operation, one transaction.
    let mut again = row(
        "a second transaction for one operation",
        own_update(&pay),
        request(
            T::Update,
            &offchain(&[transfer(&m, &p, 10), Update::Meta { data: b"x".to_vec() }], 2, &[]),
            &pay,
        ),
        Refuse("AlreadySigned"),
    );
    again.req = request(T::Update, &offchain(&pay, 2, &[]), &pay);
    let mut first = offchain(&pay, 2, &[]);
    if let Tx::ChannelOffChain(o) = &mut first.tx {
        o.state_hash = StateHash([3; 32]);
    }
    again.signed = Some(first);
    rows.push(again);
    let mut same = row(
        "the same transaction again",
        own_update(&pay),
        request(T::Update, &offchain(&pay, 2, &[]), &pay),
        Sign,
    );
    same.signed = Some(offchain(&pay, 2, &[]));
    rows.push(same);
    rows.push(row(
        "a round written in a longer form than the canonical one",
        own_update(&pay),
        SignRequest { updates: vec![pay[0].to_json()], ..non_canonical_round(&pay) },
        Refuse("Malformed"),
    ));
    rows
}

/// The own transfer's request with the round (2) of the inner transaction written as the
/// one-byte string `81 02` instead of the byte `02`. The strict RLP decoder refuses it, so the
/// review's own re-encoding check (`NonCanonical`) is a second line that no encoding the
/// codec decodes reaches.
fn non_canonical_round(pay: &[Update]) -> SignRequest {
    let canonical = offchain(pay, 2, &[]).tx.to_rlp();
    // Inner: list header (2 bytes), tag, version, channel id (0xa1 + 33 bytes), round, hash.
    let round_at = 2 + 1 + 1 + 34;
    assert_eq!(canonical.get(round_at), Some(&2), "the round follows the channel id");
    let mut inner = canonical.clone();
    inner.splice(round_at..=round_at, [0x81, 0x02]);
    inner[1] += 1;
    let mut outer = aesc_codec::rlp::Encoder::new();
    outer.list(|l| {
        l.uint_u64(11).uint_u64(1).list(|_| {}).bytes(&inner);
    });
    SignRequest {
        tag: SignTag::Update,
        signed_tx: EncodedTx::from_bytes(&outer.finish()),
        updates: Vec::new(),
    }
}

#[test]
fn every_kind_is_signed_and_every_refusal_has_its_reason() {
    let rows = rows();
    let mut reasons: Vec<&str> = Vec::new();
    for r in &rows {
        let stage = match &r.op {
            None => Stage::Idle,
            Some(kind) => Stage::Own { kind, signed: r.signed.as_ref() },
        };
        let peer = aesc_codec::crypto::AccountVerifier::new(r.view.peer());
        let review = Review {
            view: &r.view,
            network: &net(),
            peer: &peer,
            policy: &DefaultPolicy,
            fee_cap: &Uint::from(crate::DEFAULT_FEE_CAP),
            stage,
            latest_on_chain: false,
            peer_verified: Default::default(),
        };
        let got = match review.verdict(&r.req) {
            Verdict::Sign(plan) => {
                // What is signed is exactly what was sent.
                let sent = SignedTx::from_rlp(&r.req.signed_tx.to_bytes().unwrap()).unwrap();
                assert_eq!(plan.tx, sent, "{}", r.what);
                Want::Sign
            }
            Verdict::Refuse { refusal, abort_code } => {
                assert_ne!(abort_code, 0, "{}", r.what);
                Want::Refuse(kind(&refusal))
            }
        };
        assert_eq!(got, r.want, "{}", r.what);
        if let Want::Refuse(k) = got {
            reasons.push(k);
        }
    }
    for reason in [
        "Unrequested",
        "AlreadySigned",
        "Malformed",
        "WrongType",
        "ChannelId",
        "Round",
        "Account",
        "Amount",
        "Value",
        "Updates",
        "StateHash",
        "Inapplicable",
        "Fee",
        "PeerSignature",
        "UnknownState",
        "Payload",
        "Policy",
    ] {
        assert!(reasons.contains(&reason), "no row refuses for {reason}");
    }
}
