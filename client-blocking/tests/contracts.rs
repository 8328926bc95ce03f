//! Contract operations against a scripted node (the node double does not run contracts):
//! create, call, dry run, get, force progress, and the other party's contract proposals.
//!
//! The client cannot compute the state a contract update produces; it checks everything else,
//! signs, then adopts the node's trees only if they hash to the co-signed state hash, and
//! checks later updates against them.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_client::aesc_codec::derive::offchain_contract_id;
use aesc_client::aesc_codec::encoding::{self, Prefix};
use aesc_client::aesc_codec::id::{AccountId, ChannelId, ContractId, FsmId};
use aesc_client::aesc_codec::jsonrpc::{ContractBytes, EncodedTx, ForceProgress, TxOptions};
use aesc_client::aesc_codec::object::Object;
use aesc_client::aesc_codec::state::{Account, MtreeValue, OffChainState, StateTrees};
use aesc_client::aesc_codec::tx::{
    ChannelCloseSoloTx, ChannelCreateTx, ChannelForceProgressTx, ChannelOffChainTx, Delegates,
    Payload, SignedTx, Tx, Update,
};
use aesc_client::aesc_codec::Uint;
use aesc_client::policy::{AcceptAll, DefaultPolicy, PolicyReason, Refusal, SigningPolicy};
use aesc_client::{Channel, ChannelConfig, Error, Event, Role};
use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

const NET: &str = "ae_dev";
const AMOUNT: u64 = 1_000_000;

/// The node side of one client's connection, scripted.
struct Script {
    ws: WebSocket<TcpStream>,
    net: NetworkId,
    client: Role,
    i: SecretKey,
    r: SecretKey,
    channel: ChannelId,
    round: u64,
    state: OffChainState,
    latest: Option<SignedTx>,
    pending: Option<OffChainState>,
    /// The updates of the last proposal.
    proposed: Vec<Update>,
    lie: Lie,
}

/// How the scripted node misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lie {
    None,
    /// Its trees after a contract update do not hash to the co-signed state hash.
    Trees,
    /// The contract update it asks to sign has another deposit than requested.
    Deposit,
    /// Once the client signed an update, it asks for a second signature on the same updates
    /// committing to another state.
    Twice,
}

impl Script {
    fn peer(&self) -> &SecretKey {
        if self.client == Role::Initiator {
            &self.r
        } else {
            &self.i
        }
    }

    fn send(&mut self, v: Value) {
        self.ws.send(Message::text(v.to_string())).unwrap();
    }

    fn note(&mut self, method: &str, data: Value) {
        let ch = self.channel.to_string();
        self.send(json!({"jsonrpc": "2.0", "version": 1, "method": method,
            "params": {"channel_id": ch, "data": data}}));
    }

    fn reply(&mut self, id: &Value, result: Value) {
        let ch = self.channel.to_string();
        self.send(json!({"jsonrpc": "2.0", "version": 1, "channel_id": ch, "id": id,
            "result": result}));
    }

    fn text(tx: &SignedTx) -> String {
        EncodedTx::from_bytes(&tx.to_rlp()).as_str().to_owned()
    }

    fn cosign(&self, text: &str) -> SignedTx {
        let mut tx = SignedTx::from_api_str(text).unwrap();
        tx.sign(self.peer(), &self.net, SignatureForm::Raw);
        tx
    }

    /// Asks the client to sign the next off-chain state, leading to `next`; the request's
    /// `meta` strings follow as meta updates.
    fn propose_with(&mut self, next: OffChainState, update: Update, params: &Value) {
        let mut updates = vec![update];
        for m in params["meta"].as_array().into_iter().flatten() {
            updates.push(Update::Meta { data: m.as_str().unwrap().as_bytes().to_vec() });
        }
        self.propose(next, &updates, "update");
    }

    /// Asks the client to sign the next off-chain state, leading to `next`.
    fn propose(&mut self, next: OffChainState, updates: &[Update], tag: &str) {
        let mut tx = SignedTx::unsigned(Tx::ChannelOffChain(ChannelOffChainTx {
            channel_id: self.channel,
            round: self.round + 1,
            updates: None,
            state_hash: next.state_hash(),
        }));
        if tag == "update_ack" {
            tx.sign(self.peer(), &self.net, SignatureForm::Raw);
        }
        self.pending = Some(next);
        self.proposed = updates.to_vec();
        let updates: Vec<Value> = updates.iter().map(Update::to_json).collect();
        self.note(
            &format!("channels.sign.{tag}"),
            json!({"signed_tx": Self::text(&tx), "updates": updates}),
        );
    }

    fn commit(&mut self, tx: SignedTx) {
        self.round += 1;
        self.state = self.pending.take().unwrap();
        self.latest = Some(tx.clone());
        let t = Self::text(&tx);
        self.note("channels.update", json!({"state": t}));
    }

    /// A force progress by `from` from the latest state, leading to `post`.
    fn force_progress_tx(
        &self,
        from: AccountId,
        update: Update,
        post: &OffChainState,
        nonce: u64,
    ) -> SignedTx {
        SignedTx::unsigned(Tx::ChannelForceProgress(ChannelForceProgressTx {
            channel_id: self.channel,
            from_id: from,
            payload: Payload::Tx(Box::new(self.latest.clone().unwrap())),
            round: self.round + 1,
            update,
            state_hash: post.state_hash(),
            offchain_trees: self.state.to_trees().to_rlp(),
            ttl: 0,
            fee: 30_000_000_000_000u64.into(),
            nonce,
        }))
    }

    fn trees_text(&self) -> String {
        encoding::encode(Prefix::StateTrees, &self.state.to_trees().to_rlp())
    }
}

/// `state` with a contract `ct` holding `balance`, and extra entries in the contracts and
/// calls trees (what a VM would have written).
fn with_contract(
    state: &OffChainState,
    ct: &ContractId,
    balance: u64,
    store: &[u8],
    call: Option<&[u8]>,
) -> OffChainState {
    let mut trees: StateTrees = state.to_trees();
    trees.accounts.0.values.retain(|v| v.key != ct.as_bytes());
    trees.accounts.0.values.push(MtreeValue {
        key: ct.as_bytes().to_vec(),
        value: Account::basic(balance.into()).to_rlp(),
    });
    trees.contracts.0.values.retain(|v| v.key != ct.as_bytes());
    trees
        .contracts
        .0
        .values
        .push(MtreeValue { key: ct.as_bytes().to_vec(), value: store.to_vec() });
    if let Some(c) = call {
        let mut key = ct.as_bytes().to_vec();
        key.extend_from_slice(c);
        trees.calls.0.values.push(MtreeValue { key, value: b"call result".to_vec() });
    }
    OffChainState::from_trees(&trees).unwrap()
}

fn balance(s: &OffChainState, a: &AccountId) -> u64 {
    s.balance(a).and_then(|b| b.to_u64()).unwrap_or(0)
}

fn set_balance(s: &OffChainState, a: &AccountId, v: u64) -> OffChainState {
    let mut trees = s.to_trees();
    for e in &mut trees.accounts.0.values {
        if e.key == a.as_bytes() {
            e.value = Account::basic(v.into()).to_rlp();
        }
    }
    OffChainState::from_trees(&trees).unwrap()
}

fn serve(mut s: Script) {
    // Open.
    s.note("channels.info", json!({"event": "fsm_up", "fsm_id": FsmId([9; 32]).to_string()}));
    let (i, r) = (s.i.public_key(), s.r.public_key());
    let create = ChannelCreateTx {
        initiator_id: i,
        initiator_amount: AMOUNT.into(),
        responder_id: r,
        responder_amount: AMOUNT.into(),
        channel_reserve: 1u64.into(),
        lock_period: 10,
        ttl: 0,
        fee: 20_000_000_000_000u64.into(),
        delegates: Delegates::none(),
        state_hash: s.state.state_hash(),
        nonce: 1,
    };
    let mut unsigned = SignedTx::unsigned(Tx::ChannelCreate(create));
    let tag = if s.client == Role::Initiator {
        "initiator_sign"
    } else {
        unsigned.sign(&s.i, &s.net, SignatureForm::Raw);
        "responder_sign"
    };
    s.note(
        &format!("channels.sign.{tag}"),
        json!({"signed_tx": Script::text(&unsigned), "updates": []}),
    );
    let mut fp_post: Option<(OffChainState, SignedTx)> = None;
    while let Ok(msg) = s.ws.read() {
        let Message::Text(t) = msg else { continue };
        let req: Value = serde_json::from_str(t.as_str()).unwrap();
        let id = req["id"].clone();
        let p = req["params"].clone();
        let me = if s.client == Role::Initiator { i } else { r };
        match req["method"].as_str().unwrap_or_default() {
            "channels.initiator_sign" | "channels.responder_sign" => {
                s.reply(&id, json!("ok"));
                let tx = s.cosign(p["signed_tx"].as_str().unwrap());
                s.round = 1;
                s.latest = Some(tx.clone());
                s.note("channels.info", json!({"event": "open"}));
                let t = Script::text(&tx);
                s.note("channels.update", json!({"state": t}));
            }
            "channels.update.new_contract" => {
                s.reply(&id, json!("ok"));
                let deposit = Uint::from_json(&p["deposit"]).unwrap().to_u64().unwrap();
                let ct = offchain_contract_id(&me, &Uint::from(s.round + 1));
                let next = set_balance(&s.state, &me, balance(&s.state, &me) - deposit);
                let next = with_contract(&next, &ct, deposit, b"store v1", None);
                let code = ContractBytes::from_str_checked(p["code"].as_str().unwrap());
                let call_data = ContractBytes::from_str_checked(p["call_data"].as_str().unwrap());
                let shown = if s.lie == Lie::Deposit { deposit + 1 } else { deposit };
                let update = Update::CreateContract {
                    owner: me,
                    vm_version: p["vm_version"].as_u64().unwrap(),
                    abi_version: p["abi_version"].as_u64().unwrap(),
                    code,
                    deposit: shown.into(),
                    call_data,
                };
                s.propose_with(next, update, &p);
            }
            "channels.update.call_contract" => {
                s.reply(&id, json!("ok"));
                let ct: ContractId = p["contract_id"].as_str().unwrap().parse().unwrap();
                let amount = Uint::from_json(&p["amount"]).unwrap().to_u64().unwrap();
                let next = set_balance(&s.state, &me, balance(&s.state, &me) - amount);
                let ct_acc = AccountId(ct.0);
                let next = with_contract(
                    &next,
                    &ct,
                    balance(&s.state, &ct_acc) + amount,
                    b"store v2",
                    Some(&[s.round as u8 + 1; 32]),
                );
                let update = Update::CallContract {
                    caller: me,
                    contract: ct,
                    abi_version: p["abi_version"].as_u64().unwrap(),
                    amount: amount.into(),
                    gas: 1_000_000,
                    gas_price: 1u64.into(),
                    call_data: ContractBytes::from_str_checked(p["call_data"].as_str().unwrap()),
                    call_stack: Vec::new(),
                };
                s.propose_with(next, update, &p);
            }
            "channels.update.new" => {
                s.reply(&id, json!("ok"));
                let (from, to): (AccountId, AccountId) = (
                    p["from"].as_str().unwrap().parse().unwrap(),
                    p["to"].as_str().unwrap().parse().unwrap(),
                );
                let amount = Uint::from_json(&p["amount"]).unwrap();
                let mut next = s.state.clone();
                next.transfer(&from, &to, &amount, &1u64.into()).unwrap();
                s.propose_with(next, Update::Transfer { from, to, amount }, &p);
            }
            "channels.update" | "channels.update_ack" => {
                s.reply(&id, json!("ok"));
                let Some(text) = p["signed_tx"].as_str() else {
                    // An abort: the proposal is dropped.
                    s.pending = None;
                    continue;
                };
                if s.lie == Lie::Twice {
                    s.lie = Lie::None;
                    let other = set_balance(s.pending.as_ref().unwrap(), &me, 1);
                    let updates = s.proposed.clone();
                    s.propose(other, &updates, "update");
                    continue;
                }
                let tx = s.cosign(text);
                s.commit(tx);
            }
            "channels.get.offchain_state" => {
                let trees = if s.lie == Lie::Trees {
                    let other = set_balance(&s.state, &me, 1);
                    encoding::encode(Prefix::StateTrees, &other.to_trees().to_rlp())
                } else {
                    s.trees_text()
                };
                let calls =
                    encoding::encode(Prefix::CallStateTree, &s.state.to_trees().calls.to_rlp());
                let latest = s.latest.as_ref().map(Script::text).unwrap_or_default();
                s.reply(&id, json!({"trees": trees, "calls": calls, "signed_tx": latest, "half_signed_tx": ""}));
            }
            "channels.dry_run.call_contract" | "channels.get.contract_call" => {
                let ct = p["contract_id"].as_str().unwrap().to_owned();
                s.reply(
                    &id,
                    json!({"caller_id": me.to_string(), "caller_nonce": s.round,
                    "height": s.round, "contract_id": ct, "gas_price": 1, "gas_used": 211,
                    "return_value": "cb_P4fvHVw=", "return_type": "ok", "log": []}),
                );
            }
            "channels.get.contract" => {
                let ct = p["pubkey"].as_str().unwrap().to_owned();
                s.reply(
                    &id,
                    json!({"contract": {"id": ct, "owner_id": me.to_string(),
                    "vm_version": 8, "abi_version": 3, "active": true, "referrer_ids": [],
                    "deposit": 10}, "contract_state": {}}),
                );
            }
            "channels.force_progress" => {
                s.reply(&id, json!("ok"));
                let ct: ContractId = p["contract_id"].as_str().unwrap().parse().unwrap();
                let post = with_contract(&s.state, &ct, 10, b"store forced", None);
                let update = Update::CallContract {
                    caller: me,
                    contract: ct,
                    abi_version: p["abi_version"].as_u64().unwrap(),
                    amount: Uint::from_json(&p["amount"]).unwrap(),
                    gas: p["gas"].as_u64().unwrap_or(1_000_000),
                    gas_price: Uint::from_json(&p["gas_price"]).unwrap(),
                    call_data: ContractBytes::from_str_checked(p["call_data"].as_str().unwrap()),
                    call_stack: Vec::new(),
                };
                let fp = s.force_progress_tx(me, update, &post, 3);
                fp_post = Some((post, fp.clone()));
                s.note(
                    "channels.sign.force_progress_tx",
                    json!({"signed_tx": Script::text(&fp), "updates": []}),
                );
            }
            "channels.force_progress_tx" => {
                s.reply(&id, json!("ok"));
                let signed = SignedTx::from_api_str(p["signed_tx"].as_str().unwrap()).unwrap();
                let (post, _) = fp_post.take().unwrap();
                s.round += 1;
                s.state = post;
                let t = Script::text(&signed);
                s.note(
                    "channels.on_chain_tx",
                    json!({"info": "channel_changed", "tx": t,
                    "type": "channel_force_progress_tx"}),
                );
            }
            "channels.close_solo" => {
                s.reply(&id, json!("ok"));
                let accounts: Vec<AccountId> = s.state.participants().copied().collect();
                let close = SignedTx::unsigned(Tx::ChannelCloseSolo(ChannelCloseSoloTx {
                    channel_id: s.channel,
                    from_id: me,
                    payload: Payload::Tx(Box::new(s.latest.clone().unwrap())),
                    poi: s.state.poi(&accounts).unwrap().to_rlp(),
                    ttl: 0,
                    fee: 30_000_000_000_000u64.into(),
                    nonce: 5,
                }));
                s.note(
                    "channels.sign.close_solo_sign",
                    json!({"signed_tx": Script::text(&close), "updates": []}),
                );
            }
            "channels.close_solo_sign" => {
                s.reply(&id, json!("ok"));
                let t = p["signed_tx"].as_str().unwrap().to_owned();
                s.note(
                    "channels.on_chain_tx",
                    json!({"info": "solo_closing", "tx": t, "type": "channel_close_solo_tx"}),
                );
            }
            "peer.force_progress" => {
                // Test hook: the other party forces a call of the contract in `params` on chain,
                // from the latest state; the node reports it as consumed.
                s.reply(&id, json!("ok"));
                let peer = s.peer().public_key();
                let ct: ContractId = p["contract_id"].as_str().unwrap().parse().unwrap();
                let post = with_contract(&s.state, &ct, 10, b"store forced by peer", None);
                let update = Update::CallContract {
                    caller: peer,
                    contract: ct,
                    abi_version: 3,
                    amount: 0u64.into(),
                    gas: 1_000,
                    gas_price: 1_000_000_000u64.into(),
                    call_data: b"forced".to_vec(),
                    call_stack: Vec::new(),
                };
                let mut fp = s.force_progress_tx(peer, update, &post, 4);
                fp.sign(s.peer(), &s.net, SignatureForm::Raw);
                s.round += 1;
                s.state = post;
                s.note(
                    "channels.on_chain_tx",
                    json!({"info": "consumed_forced_progress", "tx": Script::text(&fp),
                    "type": "channel_force_progress_tx"}),
                );
            }
            "peer.new_contract" => {
                // Test hook: the other party creates a contract.
                s.reply(&id, json!("ok"));
                let peer = s.peer().public_key();
                let ct = offchain_contract_id(&peer, &Uint::from(s.round + 1));
                let next = set_balance(&s.state, &peer, balance(&s.state, &peer) - 100);
                let next = with_contract(&next, &ct, 100, b"peer store", None);
                let update = Update::CreateContract {
                    owner: peer,
                    vm_version: 8,
                    abi_version: 3,
                    code: b"peer code".to_vec(),
                    deposit: 100u64.into(),
                    call_data: b"init".to_vec(),
                };
                s.propose(next, &[update], "update_ack");
            }
            _ => {}
        }
    }
}

/// Parses `cb_` text (checked by the client already).
trait FromChecked {
    fn from_str_checked(s: &str) -> Vec<u8>;
}

impl FromChecked for ContractBytes {
    fn from_str_checked(s: &str) -> Vec<u8> {
        encoding::decode_as(Prefix::ContractBytearray, s).unwrap()
    }
}

fn start(client: Role) -> (Channel, SecretKey, SecretKey, String) {
    start_with(client, Lie::None)
}

fn start_with(client: Role, lie: Lie) -> (Channel, SecretKey, SecretKey, String) {
    start_with_policy(client, lie, Arc::new(DefaultPolicy))
}

fn start_with_policy(
    client: Role,
    lie: Lie,
    policy: Arc<dyn SigningPolicy>,
) -> (Channel, SecretKey, SecretKey, String) {
    let (i, r) = (SecretKey::from_seed(&[1; 32]), SecretKey::from_seed(&[2; 32]));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/channel", listener.local_addr().unwrap());
    let (si, sr) = (i.clone(), r.clone());
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let ws = tungstenite::accept(stream).unwrap();
        let state = OffChainState::initial(
            si.public_key(),
            AMOUNT.into(),
            sr.public_key(),
            AMOUNT.into(),
            Uint::zero(),
        )
        .unwrap();
        let channel = aesc_client::aesc_codec::derive::channel_id(
            &si.public_key(),
            1u64.into(),
            &sr.public_key(),
        );
        let net = NetworkId::new(NET);
        serve(Script {
            ws,
            net,
            client,
            i: si,
            r: sr,
            channel,
            round: 0,
            state,
            latest: None,
            pending: None,
            proposed: Vec::new(),
            lie,
        });
    });
    let (me, peer) = if client == Role::Initiator { (&i, &r) } else { (&r, &i) };
    let cfg = ChannelConfig::builder(url.clone(), client, NetworkId::new(NET), me.clone())
        .peer(peer.public_key())
        .host("127.0.0.1")
        .port(3333)
        .initiator_amount(AMOUNT)
        .responder_amount(AMOUNT)
        .channel_reserve(1u64)
        .lock_period(10)
        .policy(policy)
        .build()
        .unwrap();
    (Channel::open(cfg).unwrap(), i, r, url)
}

#[test]
fn create_call_then_transfer_checked_against_the_adopted_trees() {
    let (ch, i, r, _) = start(Role::Initiator);
    let me = i.public_key();
    let (ct, round) = ch.create_contract(b"fate code", b"init call", 8, 3, 10u64, &[]).unwrap();
    assert_eq!(round, 2);
    assert_eq!(ct, offchain_contract_id(&me, &Uint::from(2u64)));
    let v = ch.view();
    assert!(v.has_contracts(), "the node's trees were adopted");
    assert_eq!(v.balance(&me).and_then(|b| b.to_u64()), Some(AMOUNT - 10));
    assert_eq!(v.balance(&AccountId(ct.0)).and_then(|b| b.to_u64()), Some(10));

    assert_eq!(ch.call_contract(&ct, 3, 5u64, b"call data", &["note".into()]).unwrap(), 3);
    assert_eq!(ch.view().balance(&me).and_then(|b| b.to_u64()), Some(AMOUNT - 15));

    // A transfer in a channel with contracts: its state hash is still recomputed and checked.
    assert_eq!(ch.transfer(&r.public_key(), 7u64).unwrap(), 4);
    assert_eq!(ch.view().balance(&r.public_key()).and_then(|b| b.to_u64()), Some(AMOUNT + 7));

    let call = ch.dry_run(&ct, 3, 0u64, b"get").unwrap();
    assert_eq!(call.gas_used, 211);
    let call = ch.get_contract_call(&ct, &me, 3).unwrap();
    assert_eq!(call.contract_id, ct);
    let c = ch.get_contract(&ct).unwrap();
    assert_eq!(c.contract.id, ct);
}

#[test]
fn force_progress_is_checked_and_the_new_state_learned() {
    let (ch, i, _r, _) = start(Role::Initiator);
    let (ct, _) = ch.create_contract(b"fate code", b"init", 8, 3, 10u64, &[]).unwrap();
    let tx = ch
        .force_progress(ForceProgress {
            contract_id: ct,
            abi_version: 3,
            amount: 0u64.into(),
            call_data: ContractBytes::from_bytes(b"forced"),
            gas_price: 1_000_000_000u64.into(),
            gas: Some(1_000),
            nonce: None,
        })
        .unwrap();
    let Tx::ChannelForceProgress(fp) = tx.innermost_tx() else { panic!("{tx:?}") };
    assert_eq!(fp.from_id, i.public_key());
    assert_eq!(fp.round, 3);
    // The client learns the forced state from the node, checked against the tx's state hash.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ch.view().state.is_none() || ch.view().round != 3 {
        assert!(std::time::Instant::now() < deadline);
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ch.view().state_hash(), Some(fp.state_hash));
}

#[test]
fn the_other_partys_force_progress_moves_the_channel_on() {
    let (ch, i, r, _) = start(Role::Initiator);
    let (ct, _) = ch.create_contract(b"fate code", b"init", 8, 3, 10u64, &[]).unwrap();
    let raw = ch.call_raw("peer.force_progress", &json!({"contract_id": ct.to_string()}));
    assert!(raw.is_ok(), "{raw:?}");
    // The client learns the forced state (round 3) from the node, checked against the hash.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ch.view().state.is_none() || ch.view().round != 3 {
        assert!(std::time::Instant::now() < deadline, "round {}", ch.view().round);
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ch.view().balance(&AccountId(ct.0)).and_then(|b| b.to_u64()), Some(10));
    // And the channel goes on from there.
    assert_eq!(ch.transfer(&r.public_key(), 7u64).unwrap(), 4);
    assert_eq!(ch.view().balance(&i.public_key()).and_then(|b| b.to_u64()), Some(AMOUNT - 17));
}

#[test]
fn the_other_partys_contract_is_not_signed_by_the_default_policy() {
    let (ch, ..) = start(Role::Responder);
    // The scripted node plays the initiator creating a contract.
    let raw = ch_request(&ch, "peer.new_contract");
    assert!(raw.is_ok(), "{raw:?}");
    let refused = ch.events().wait_for(Duration::from_secs(5), |e| {
        matches!(e, Event::Refused { refusal: Refusal::Policy(p), .. }
            if p.reason == PolicyReason::Unverifiable)
    });
    assert!(refused.is_some());
    assert_eq!(ch.view().round, 1);
    assert!(!ch.view().has_contracts());
}

#[test]
fn the_other_partys_contract_is_accepted_by_a_trusting_policy_without_touching_the_own_balance() {
    let (ch, _i, r, _) = start_with_policy(Role::Responder, Lie::None, Arc::new(AcceptAll));
    let before = ch.view().balance(&r.public_key()).cloned();
    let raw = ch_request(&ch, "peer.new_contract");
    assert!(raw.is_ok(), "{raw:?}");
    let accepted = ch
        .events()
        .wait_for(Duration::from_secs(5), |e| matches!(e, Event::Accepted { round: Some(2), .. }));
    assert!(accepted.is_some());
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while ch.view().round != 2 || ch.view().state.is_none() {
        assert!(std::time::Instant::now() < deadline, "{:?}", ch.view().round);
        thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ch.view().balance(&r.public_key()).cloned(), before);
    assert!(ch.view().has_contracts());
}

/// Sends a raw request on the channel's connection.
fn ch_request(ch: &Channel, method: &str) -> Result<Value, Error> {
    ch.call_raw(method, &json!({}))
}

#[test]
fn a_contract_update_unlike_the_request_is_refused() {
    let (ch, ..) = start_with(Role::Initiator, Lie::Deposit);
    let r = ch.create_contract(b"fate code", b"init", 8, 3, 10u64, &[]);
    assert!(matches!(&r, Err(Error::Refused(_))), "{r:?}");
    assert_eq!(ch.view().round, 1);
}

#[test]
fn a_second_transaction_for_one_operation_is_not_signed() {
    // The node's state hash of an own contract update is not computable here, so only the rule
    // "one operation, one transaction" stops a second signature on another state.
    let (ch, ..) = start_with(Role::Initiator, Lie::Twice);
    let r = ch.create_contract(b"fate code", b"init", 8, 3, 10u64, &[]);
    assert!(
        matches!(&r, Err(Error::Refused(b)) if matches!(**b, Refusal::AlreadySigned { .. })),
        "{r:?}"
    );
    assert_eq!(ch.view().round, 1);
}

#[test]
fn trees_that_do_not_match_the_co_signed_hash_are_not_adopted() {
    let (ch, ..) = start_with(Role::Initiator, Lie::Trees);
    let r = ch.create_contract(b"fate code", b"init", 8, 3, 10u64, &[]);
    assert!(matches!(&r, Err(Error::Refused(_))), "{r:?}");
    // The co-signed state is recorded, its balances stay unknown: nothing is signed on a
    // guess.
    let v = ch.view();
    assert_eq!(v.round, 2);
    assert!(v.state.is_none());
    let t = ch.transfer(&v.peer(), 1u64);
    assert!(matches!(&t, Err(Error::Refused(_))), "{t:?}");
    // The exit stays open: a solo close on the co-signed state, its PoI checked against the
    // co-signed state hash.
    let close = ch.close_solo(TxOptions::default()).unwrap();
    assert!(matches!(close.innermost_tx(), Tx::ChannelCloseSolo(_)));
}
