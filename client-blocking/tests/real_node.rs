//! The whole client lifecycle against a real æternity node (see `aesc_testkit::real_node` for
//! how the node is found: `AESC_NODE=../shared/node` starts the node in that folder). Without a
//! node every test here returns at once after saying so; CI sets `AESC_REQUIRE_NODE` so that
//! none is skipped there.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_client::aesc_codec::id::AccountId;
use aesc_client::aesc_codec::jsonrpc::{NodeEvent, OnChainInfo, TxOptions};
use aesc_client::aesc_codec::object::Object;
use aesc_client::aesc_codec::state::OffChainState;
use aesc_client::aesc_codec::tx::{ChannelCloseSoloTx, Payload, SignedTx, Tx};
use aesc_client::aesc_codec::Uint;
use aesc_client::trace::JsonLinesTrace;
use aesc_client::{
    Channel, ChannelConfig, ChannelConfigBuilder, Deadlines, Error, Event, Phase, Role,
};
use aesc_testkit::real_node::{Lease, RealNode};

const INITIATOR_AMOUNT: u64 = 100_000_000_000_000_000;
const RESPONDER_AMOUNT: u64 = 50_000_000_000_000_000;
const RESERVE: u64 = 1_000_000;
const LOCK_PERIOD: u64 = 2;

/// The node and two accounts of its own for this test, or `None` when there is no node.
fn setup() -> Option<(&'static RealNode, Lease<'static>)> {
    let node = RealNode::get()?;
    Some((node, node.lease(2)))
}

fn builder(node: &RealNode, lease: &Lease<'_>, role: Role) -> ChannelConfigBuilder {
    builder_on(node.network_id().clone(), node, lease, role)
}

fn builder_on(
    network: NetworkId,
    node: &RealNode,
    lease: &Lease<'_>,
    role: Role,
) -> ChannelConfigBuilder {
    let (me, peer) = match role {
        Role::Initiator => (lease.key(0), lease.key(1)),
        Role::Responder => (lease.key(1), lease.key(0)),
    };
    let mut b = ChannelConfig::builder(node.url(), role, network, me.clone());
    // AESC_TRACE_DIR=DIR writes the wire trace of each lease's channels to DIR/PORT.jsonl.
    if let Some(dir) = std::env::var_os("AESC_TRACE_DIR") {
        let path = std::path::Path::new(&dir).join(format!("{}.jsonl", lease.port()));
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
        b = b.trace(std::sync::Arc::new(JsonLinesTrace::new(file)));
    }
    b.peer(peer.public_key())
        .host("127.0.0.1")
        .port(lease.port())
        .initiator_amount(INITIATOR_AMOUNT)
        .responder_amount(RESPONDER_AMOUNT)
        .push_amount(0u64)
        .channel_reserve(RESERVE)
        .lock_period(LOCK_PERIOD)
        .param("minimum_depth_strategy", "plain")
        .param("minimum_depth", "1")
        .deadlines(Deadlines::all(Duration::from_secs(60)))
}

struct Pair {
    initiator: Channel,
    responder: Channel,
}

impl Pair {
    fn i(&self) -> AccountId {
        self.initiator.config().account()
    }
    fn r(&self) -> AccountId {
        self.responder.config().account()
    }
    fn both(&self) -> [&Channel; 2] {
        [&self.initiator, &self.responder]
    }
    fn by(&self, role: Role) -> (&Channel, &Channel) {
        match role {
            Role::Initiator => (&self.initiator, &self.responder),
            Role::Responder => (&self.responder, &self.initiator),
        }
    }
}

fn open_with(i: ChannelConfigBuilder, r: ChannelConfigBuilder) -> Pair {
    let responder = Channel::connect(r.build().unwrap()).unwrap();
    let initiator = Channel::connect(i.build().unwrap()).unwrap();
    initiator.wait_open().unwrap();
    responder.wait_open().unwrap();
    Pair { initiator, responder }
}

fn open(node: &RealNode, lease: &Lease<'_>) -> Pair {
    open_with(builder(node, lease, Role::Initiator), builder(node, lease, Role::Responder))
}

/// Runs an update, again when the node reports a conflict (code 2) for it: right after an
/// update in the other direction, a node's FSMs may still be finishing the previous round
/// (its peer sockets have Nagle on), and the node rolls the new update back.
fn again<T>(update: impl Fn() -> Result<T, Error>) -> T {
    for _ in 0..5 {
        match update() {
            Err(Error::Conflict { code: 2, .. }) => std::thread::sleep(Duration::from_millis(100)),
            other => return other.unwrap(),
        }
    }
    update().unwrap()
}

/// Waits until `ch` has recorded `round` (the acknowledging party records it a moment after
/// the starter's call returns).
fn wait_round(ch: &Channel, round: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ch.view().round < round {
        assert!(std::time::Instant::now() < deadline, "round {round} never recorded");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn amount(ch: &Channel, who: &AccountId) -> u128 {
    ch.view().balance(who).and_then(Uint::to_u128).unwrap()
}

fn on_chain(ch: &Channel, info: OnChainInfo, within: Duration) -> bool {
    ch.events()
        .wait_for(within, |e| matches!(e, Event::Node(NodeEvent::OnChainTx(t)) if t.info == info))
        .is_some()
}

#[test]
fn open_transfers_messages_balances_state_and_poi() {
    let Some((node, lease)) = setup() else { return };
    let p = open(node, &lease);
    let (i, r) = (p.i(), p.r());
    for ch in p.both() {
        let v = ch.view();
        assert_eq!((v.phase, v.round), (Phase::Open, 1));
        assert!(matches!(v.latest.as_ref().map(|t| t.innermost_tx()), Some(Tx::ChannelCreate(_))));
    }
    assert_eq!(p.initiator.view().channel_id, p.responder.view().channel_id);

    assert_eq!(again(|| p.initiator.transfer(&r, 1_000u64)), 2);
    assert_eq!(again(|| p.responder.transfer(&i, 400u64)), 3);
    let meta = vec!["invoice 7".to_owned(), "thanks".to_owned()];
    assert_eq!(again(|| p.responder.transfer_with_meta(&r, &i, 50u64, &meta)), 4);
    assert_eq!(again(|| p.initiator.transfer_with_meta(&i, &r, 5u64, &meta[..1])), 5);
    for ch in p.both() {
        wait_round(ch, 5);
        assert_eq!(amount(ch, &i), u128::from(INITIATOR_AMOUNT) - 1_000 + 450 - 5);
        assert_eq!(amount(ch, &r), u128::from(RESPONDER_AMOUNT) + 1_000 - 450 + 5);
    }

    p.initiator.send_message(&r, "hello").unwrap();
    let m = p.responder.receive_message(Duration::from_secs(10)).unwrap();
    assert_eq!((m.from, m.to, m.info.as_str()), (i, r, "hello"));
    p.responder.send_message(&i, "hello back").unwrap();
    assert_eq!(p.initiator.receive_message(Duration::from_secs(10)).unwrap().info, "hello back");

    for ch in p.both() {
        let v = ch.view();
        for b in ch.balances(&[i, r]).unwrap() {
            assert_eq!(Some(&b.balance), v.balance(&b.account), "{}", b.account);
        }
        let state = ch.offchain_state().unwrap();
        let signed = state.signed_tx.expect("the node's latest co-signed state");
        assert_eq!(signed.as_str(), v.latest.as_ref().unwrap().to_api_string());
        let poi = ch.poi(&[i, r], &[]).unwrap();
        assert_eq!(Some(poi.root_hash()), v.state_hash());
    }
    // A node rejection is typed and leaves the channel usable.
    match p.initiator.transfer(&r, INITIATOR_AMOUNT) {
        Err(Error::Rpc(e)) => assert!(!e.data.is_empty(), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(again(|| p.initiator.transfer(&r, 1u64)), 6);
    p.initiator.shutdown(TxOptions::default()).unwrap();
}

#[test]
fn deposits_and_withdrawals_by_either_party() {
    let Some((node, lease)) = setup() else { return };
    let p = open(node, &lease);
    let (i, r) = (p.i(), p.r());
    assert_eq!(again(|| p.initiator.deposit(1_000u64, TxOptions::default())), 2);
    assert_eq!(again(|| p.responder.deposit(500u64, TxOptions::default())), 3);
    assert_eq!(again(|| p.initiator.withdraw(300u64, TxOptions::default())), 4);
    assert_eq!(again(|| p.responder.withdraw(200u64, TxOptions::default())), 5);
    for ch in p.both() {
        wait_round(ch, 5);
        assert!(matches!(
            ch.view().latest.as_ref().map(|t| t.innermost_tx()),
            Some(Tx::ChannelWithdraw(_))
        ));
        assert_eq!(amount(ch, &i), u128::from(INITIATOR_AMOUNT) + 700);
        assert_eq!(amount(ch, &r), u128::from(RESPONDER_AMOUNT) + 300);
    }
    assert_eq!(again(|| p.responder.transfer(&i, 1u64)), 6);
    p.responder.shutdown(TxOptions::default()).unwrap();
}

fn leave_reestablish_and_close(leaver: Role, closer: Role) {
    let Some((node, lease)) = setup() else { return };
    let mut p = open(node, &lease);
    again(|| p.initiator.transfer(&p.r(), 55u64));
    wait_round(&p.responder, 2);
    let (ch, _) = p.by(leaver);
    let before = ch.view();
    let state = ch.leave().unwrap();
    assert_eq!(Some(state.innermost_tx()), before.latest.as_ref().map(|t| t.innermost_tx()));
    assert_eq!(ch.view().phase, Phase::Left);
    // The responder's node listens for the initiator's: the responder comes back first.
    p.responder.start_reconnect().unwrap();
    p.initiator.start_reconnect().unwrap();
    p.responder.wait_open().unwrap();
    p.initiator.wait_open().unwrap();
    for ch in p.both() {
        assert_eq!((ch.view().phase, ch.view().round), (Phase::Open, 2));
    }
    assert_eq!(again(|| p.responder.transfer(&p.i(), 5u64)), 3);
    assert_eq!(again(|| p.initiator.transfer(&p.r(), 7u64)), 4);
    let (closer, other) = p.by(closer);
    let tx = closer.shutdown(TxOptions::default()).unwrap();
    let Tx::ChannelCloseMutual(c) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(tx.innermost().signatures.len(), 2);
    let fee = c.fee.to_u128().unwrap();
    let (fi, fr) =
        (c.initiator_amount_final.to_u128().unwrap(), c.responder_amount_final.to_u128().unwrap());
    assert_eq!(fi + fr + fee, u128::from(INITIATOR_AMOUNT + RESPONDER_AMOUNT));
    assert_eq!(fi, u128::from(INITIATOR_AMOUNT) - 55 + 5 - 7 - fee.div_ceil(2));
    assert_eq!(closer.view().phase, Phase::Closed);
    assert!(on_chain(other, OnChainInfo::ChannelClosed, Duration::from_secs(30)));
}

#[test]
fn leave_by_the_initiator_reestablish_and_close_by_the_initiator() {
    leave_reestablish_and_close(Role::Initiator, Role::Initiator);
}

#[test]
fn leave_by_the_responder_reestablish_and_close_by_the_responder() {
    leave_reestablish_and_close(Role::Responder, Role::Responder);
}

#[test]
fn leave_by_the_initiator_reestablish_and_close_by_the_responder() {
    leave_reestablish_and_close(Role::Initiator, Role::Responder);
}

fn reconnect_keeps_the_fsm(role: Role) {
    let Some((node, lease)) = setup() else { return };
    let mut p = open(node, &lease);
    again(|| p.initiator.transfer(&p.r(), 1u64));
    wait_round(&p.responder, 2);
    let peer = p.by(role).1.config().account();
    let ch = match role {
        Role::Initiator => &mut p.initiator,
        Role::Responder => &mut p.responder,
    };
    let fsm = ch.fsm_id();
    ch.disconnect();
    assert!(matches!(ch.transfer(&peer, 1u64), Err(Error::Disconnected(_))));
    ch.reconnect().unwrap();
    assert_eq!(ch.fsm_id(), fsm, "the same FSM is re-attached");
    assert_eq!(again(|| ch.transfer(&peer, 1u64)), 3);
    p.initiator.shutdown(TxOptions::default()).unwrap();
}

#[test]
fn the_initiator_reconnects_with_its_fsm_id() {
    reconnect_keeps_the_fsm(Role::Initiator);
}

#[test]
fn the_responder_reconnects_with_its_fsm_id() {
    reconnect_keeps_the_fsm(Role::Responder);
}

#[test]
fn a_new_process_resumes_from_the_state_store() {
    let Some((node, lease)) = setup() else { return };
    let dir = std::env::temp_dir().join(format!("aesc-real-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join(format!("responder-{}.json", lease.port()));
    let _ = std::fs::remove_file(&store);
    let p = open_with(
        builder(node, &lease, Role::Initiator),
        builder(node, &lease, Role::Responder).store(&store),
    );
    again(|| p.initiator.transfer(&p.r(), 9u64));
    wait_round(&p.responder, 2);
    let cfg = p.responder.config().clone();
    drop(p.responder);
    let responder = Channel::resume(cfg).unwrap();
    assert_eq!((responder.view().phase, responder.view().round), (Phase::Open, 2));
    assert_eq!(again(|| responder.transfer(&p.initiator.config().account(), 3u64)), 3);
    responder.shutdown(TxOptions::default()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

fn snapshot(role: Role) {
    let Some((node, lease)) = setup() else { return };
    let p = open(node, &lease);
    let (ch, other) = p.by(role);
    // Only an off-chain state can be snapshot.
    let r = ch.snapshot_solo(TxOptions::default());
    assert!(matches!(r, Err(Error::Rpc(_))), "{r:?}");
    again(|| other.transfer(&ch.config().account(), 3u64));
    wait_round(ch, 2);
    let tx = ch.snapshot_solo(TxOptions::default()).unwrap();
    let Tx::ChannelSnapshotSolo(s) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(
        s.payload.signed_tx().map(|t| t.innermost_tx()),
        ch.view().latest.as_ref().map(|t| t.innermost_tx())
    );
    assert_eq!(ch.view().phase, Phase::Open);
    assert_eq!(again(|| ch.transfer(&other.config().account(), 1u64)), 3);
    // A snapshot of the latest state, then a solo close: the node refers to the state on
    // chain with an empty payload, which the client accepts.
    ch.snapshot_solo(TxOptions::default()).unwrap();
    let tx = ch.close_solo(TxOptions::default()).unwrap();
    assert!(matches!(tx.innermost_tx(), Tx::ChannelCloseSolo(_)), "{tx:?}");
    settle(ch, node);
}

#[test]
fn snapshot_by_the_initiator() {
    snapshot(Role::Initiator);
}

#[test]
fn snapshot_by_the_responder() {
    snapshot(Role::Responder);
}

/// Settles once the lock period has passed (the node refuses an early settle).
fn settle(ch: &Channel, node: &RealNode) -> SignedTx {
    node.wait_blocks(LOCK_PERIOD + 1).unwrap();
    ch.settle(TxOptions::default()).unwrap()
}

fn close_solo_and_settle(role: Role) {
    let Some((node, lease)) = setup() else { return };
    let p = open(node, &lease);
    again(|| p.initiator.transfer(&p.r(), 10u64));
    wait_round(&p.responder, 2);
    let (ch, other) = p.by(role);
    let tx = ch.close_solo(TxOptions::default()).unwrap();
    let Tx::ChannelCloseSolo(c) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(c.from_id, ch.config().account());
    assert_eq!(ch.view().phase, Phase::Closing);
    assert!(on_chain(other, OnChainInfo::SoloClosing, Duration::from_secs(30)));
    let tx = settle(ch, node);
    let Tx::ChannelSettle(s) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(s.initiator_amount_final.to_u128(), Some(u128::from(INITIATOR_AMOUNT) - 10));
    assert_eq!(s.responder_amount_final.to_u128(), Some(u128::from(RESPONDER_AMOUNT) + 10));
    assert_eq!(ch.view().phase, Phase::Closed);
}

#[test]
fn close_solo_and_settle_by_the_initiator() {
    close_solo_and_settle(Role::Initiator);
}

#[test]
fn close_solo_and_settle_by_the_responder() {
    close_solo_and_settle(Role::Responder);
}

/// A solo close with an outdated co-signed state, built and posted by `cheater` itself.
fn post_stale_close(node: &RealNode, cheater: &SecretKey, state: &SignedTx, trees: &OffChainState) {
    let Tx::ChannelOffChain(o) = state.innermost_tx() else { panic!("{state:?}") };
    let who: Vec<AccountId> = trees.participants().copied().collect();
    let poi = trees.poi(&who).unwrap();
    let from = cheater.public_key();
    let mut close = ChannelCloseSoloTx {
        channel_id: o.channel_id,
        from_id: from,
        payload: Payload::Tx(Box::new(state.clone())),
        poi: poi.to_rlp(),
        ttl: 0,
        fee: Uint::from(0u64),
        nonce: node.nonce(&from).unwrap() + 1,
    };
    // Twice the minimum fee of this size at the minimum gas price.
    let size = SignedTx::unsigned(Tx::ChannelCloseSolo(close.clone())).to_rlp().len() as u64 + 80;
    close.fee = Uint::from((15_000 + 20 * size) * 1_000_000_000 * 2);
    let mut tx = SignedTx::unsigned(Tx::ChannelCloseSolo(close));
    tx.sign(cheater, node.network_id(), SignatureForm::Raw);
    node.post_tx(&tx.to_api_string()).unwrap();
}

fn slash_a_stale_close(slasher: Role) {
    let Some((node, lease)) = setup() else { return };
    let p = open(node, &lease);
    again(|| p.initiator.transfer(&p.r(), 10u64));
    wait_round(&p.responder, 2);
    let (ch, cheater) = p.by(slasher);
    let stale = cheater.view();
    again(|| p.initiator.transfer(&p.r(), 10u64));
    wait_round(&p.responder, 3);
    let cheater_key = match slasher {
        Role::Initiator => lease.key(1),
        Role::Responder => lease.key(0),
    };
    post_stale_close(
        node,
        cheater_key,
        stale.latest.as_ref().unwrap(),
        stale.state.as_ref().unwrap(),
    );
    assert!(on_chain(ch, OnChainInfo::CanSlash, Duration::from_secs(30)), "no can_slash");
    let tx = ch.slash(TxOptions::default()).unwrap();
    let Tx::ChannelSlash(s) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(s.from_id, ch.config().account());
    let payload = s.payload.signed_tx().unwrap();
    assert_eq!(Some(payload.innermost_tx()), ch.view().latest.as_ref().map(|t| t.innermost_tx()));
    let tx = settle(ch, node);
    let Tx::ChannelSettle(s) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(s.responder_amount_final.to_u128(), Some(u128::from(RESPONDER_AMOUNT) + 20));
}

#[test]
fn slash_by_the_responder() {
    slash_a_stale_close(Role::Responder);
}

#[test]
fn slash_by_the_initiator() {
    slash_a_stale_close(Role::Initiator);
}

#[test]
fn ping_and_stop() {
    let Some((node, lease)) = setup() else { return };
    let p = open(node, &lease);
    p.initiator.ping().unwrap();
    p.responder.ping().unwrap();
    p.responder.stop().unwrap();
    let died = p.responder.events().wait_for(Duration::from_secs(10), |e| e.info() == Some("died"));
    assert!(died.is_some());
    assert_eq!(p.responder.view().phase, Phase::Stopped);
}

#[test]
fn a_responder_signature_for_another_network_fails_the_open_at_once() {
    let Some((node, lease)) = setup() else { return };
    let wrong = NetworkId::new("ae_wrong");
    let responder =
        Channel::connect(builder_on(wrong, node, &lease, Role::Responder).build().unwrap());
    let initiator = Channel::connect(builder(node, &lease, Role::Initiator).build().unwrap());
    let start = std::time::Instant::now();
    let e = responder.unwrap().wait_open().unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
    assert!(e.to_string().contains("signature"), "{e}");
    drop(initiator);
}

#[test]
fn an_initiator_signature_for_another_network_is_named_in_the_open_deadline() {
    let Some((node, lease)) = setup() else { return };
    let responder = Channel::connect(builder(node, &lease, Role::Responder).build().unwrap());
    // The node ignores a create-tx signature it cannot verify: the open runs into its deadline,
    // whose error says what happened last.
    let wrong = NetworkId::new("ae_wrong");
    let initiator = builder_on(wrong, node, &lease, Role::Initiator)
        .deadlines(Deadlines {
            open: Duration::from_secs(3),
            ..Deadlines::all(Duration::from_secs(60))
        })
        .build()
        .unwrap();
    let e = Channel::connect(initiator).unwrap().wait_open().unwrap_err();
    assert_eq!(e.timeout(), Some(aesc_client::Timeout::Open), "{e}");
    let text = e.to_string();
    assert!(text.contains("initiator_sign (signed)"), "{text}");
    assert!(text.contains("no answer after this client's signature"), "{text}");
    drop(responder);
}

#[test]
fn two_channels_on_one_shared_reactor() {
    let Some((node, first)) = setup() else { return };
    let second = node.lease(2);
    let reactor = aesc_client::Reactor::named("real-node-reactor").unwrap();
    let pairs: Vec<Pair> = [&first, &second]
        .into_iter()
        .map(|lease| {
            open_with(
                builder(node, lease, Role::Initiator).reactor(&reactor),
                builder(node, lease, Role::Responder).reactor(&reactor),
            )
        })
        .collect();
    assert_eq!(reactor.connections(), 4);
    for p in &pairs {
        assert_eq!(again(|| p.initiator.transfer(&p.r(), 10u64)), 2);
        assert_eq!(again(|| p.responder.transfer(&p.i(), 4u64)), 3);
    }
    for p in &pairs {
        for ch in p.both() {
            wait_round(ch, 3);
            assert_eq!(amount(ch, &p.i()), u128::from(INITIATOR_AMOUNT) - 6);
        }
        p.initiator.shutdown(TxOptions::default()).unwrap();
    }
    drop(pairs);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while reactor.connections() > 0 {
        assert!(std::time::Instant::now() < deadline, "{} connections left", reactor.connections());
        std::thread::sleep(Duration::from_millis(10));
    }
}
