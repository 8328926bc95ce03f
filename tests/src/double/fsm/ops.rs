//! Operations on an open channel: off-chain updates, deposits, withdrawals, mutual close
//! (signed by both), and solo close, slash, settle and snapshot (signed by the requester);
//! their signing rounds, aborts and conflicts.

use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::tx::{
    ChannelCloseMutualTx, ChannelCloseSoloTx, ChannelDepositTx, ChannelOffChainTx, ChannelSettleTx,
    ChannelSlashTx, ChannelSnapshotSoloTx, ChannelWithdrawTx, Payload,
};
use aesc_codec::Uint;
use serde_json::{json, Value};

use super::super::chain::{Effect, Pending};
use super::super::frames::{self, DataCode, NodeError, RpcCode};
use super::super::ledger::{Ledger, UpdateError};
use super::super::outbox::Observation;
use super::super::request::Request;
use super::super::txs::{
    parse_reply, signature_of, signed_exactly_by, ReplyError, SignedTx, Tx, TxExt,
};
use super::super::Role;
use super::alter::alter;
use super::open::set_fee;
use super::{Channel, Ctx, Latest, PerRole, Phase};

/// The kinds of operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Update,
    Deposit,
    Withdraw,
    Shutdown,
    CloseSolo,
    Slash,
    Settle,
    Snapshot,
}

impl OpKind {
    /// The tag of the starter's sign request.
    pub(crate) const fn sign_tag(self) -> &'static str {
        match self {
            OpKind::Update => "update",
            OpKind::Deposit => "deposit_tx",
            OpKind::Withdraw => "withdraw_tx",
            OpKind::Shutdown => "shutdown_sign",
            OpKind::CloseSolo => "close_solo_sign",
            OpKind::Slash => "slash_tx",
            OpKind::Settle => "settle_sign",
            OpKind::Snapshot => "snapshot_solo_tx",
        }
    }

    /// The tag of the acknowledger's sign request (two-party operations only).
    pub(crate) const fn ack_tag(self) -> Option<&'static str> {
        match self {
            OpKind::Update => Some("update_ack"),
            OpKind::Deposit => Some("deposit_ack"),
            OpKind::Withdraw => Some("withdraw_ack"),
            OpKind::Shutdown => Some("shutdown_sign_ack"),
            _ => None,
        }
    }

    /// The `channels.info` event the acknowledger gets with its sign request.
    const fn ack_event(self) -> &'static str {
        match self {
            OpKind::Update => "update",
            OpKind::Deposit => "deposit_created",
            OpKind::Withdraw => "withdraw_created",
            _ => "shutdown",
        }
    }
}

/// A signing reply method (protocol §6.5), aliases included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignReply {
    InitiatorSign,
    ResponderSign,
    Starter(OpKind),
    Ack(OpKind),
}

impl SignReply {
    pub(crate) fn from_method(method: &str) -> Option<Self> {
        use OpKind::*;
        Some(match method {
            "channels.initiator_sign" => SignReply::InitiatorSign,
            "channels.responder_sign" => SignReply::ResponderSign,
            "channels.update" => SignReply::Starter(Update),
            "channels.update_ack" => SignReply::Ack(Update),
            "channels.deposit_tx" => SignReply::Starter(Deposit),
            "channels.deposit_ack" => SignReply::Ack(Deposit),
            "channels.withdraw_tx" => SignReply::Starter(Withdraw),
            "channels.withdraw_ack" => SignReply::Ack(Withdraw),
            "channels.shutdown_sign" => SignReply::Starter(Shutdown),
            "channels.shutdown_sign_ack" => SignReply::Ack(Shutdown),
            "channels.close_solo_sign" | "channels.close_solo_tx" => SignReply::Starter(CloseSolo),
            "channels.slash_tx" | "channels.slash_sign" => SignReply::Starter(Slash),
            "channels.settle_sign" | "channels.settle_tx" => SignReply::Starter(Settle),
            "channels.snapshot_solo_sign" => SignReply::Starter(Snapshot),
            _ => return None,
        })
    }
}

/// Where an operation is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Waiting for the starter's signature.
    StarterSig,
    /// Signed by the starter; on its way to the peer's FSM until `at`.
    InFlight { at: std::time::Instant },
    /// Waiting for the acknowledger's signature.
    AckSig,
    /// Pushed; waiting for inclusion and depth.
    OnChain { hash: [u8; 32], included: Option<u64> },
}

/// An operation in progress, started by one side.
#[derive(Debug, Clone)]
pub(crate) struct Op {
    pub kind: OpKind,
    pub stage: Stage,
    /// The transaction as agreed.
    pub tx: Tx,
    /// What the current signer was sent (differs from `tx` when a fault altered it).
    pub sent: SignedTx,
    pub altered: bool,
    /// The state after the operation (update, deposit, withdraw).
    pub next: Option<(Ledger, u64)>,
    /// The `updates` list of the sign requests.
    pub updates: Value,
    /// The fully signed transaction, once there is one.
    pub signed: Option<SignedTx>,
}

fn json_update_transfer(from: &AccountId, to: &AccountId, amount: &Uint) -> Value {
    json!({"op": "OffChainTransfer", "from": from.to_string(), "to": to.to_string(), "amount": amount.to_json()})
}

fn unknown_request() -> NodeError {
    NodeError::rpc(RpcCode::InternalError)
}

impl Channel {
    fn latest_or_err(&self) -> Result<&Latest, NodeError> {
        self.latest.as_ref().ok_or_else(unknown_request)
    }

    fn channel_or_err(&self) -> Result<ChannelId, NodeError> {
        self.id.ok_or_else(unknown_request)
    }

    /// Whether `role` may start an operation now; a pending own signature or an awaited
    /// acknowledgement turns the request into a conflict, as the node does.
    fn may_start(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) -> bool {
        let me = role;
        let peer = role.other();
        let on_chain =
            |op: &Option<Op>| matches!(op, Some(Op { stage: Stage::OnChain { .. }, .. }));
        if on_chain(self.ops.get(me)) || on_chain(self.ops.get(peer)) {
            self.reply_err(ctx, role, req, &unknown_request());
            return false;
        }
        let mine_pending = self.ops.get(me).is_some();
        let peer_awaits_me = matches!(self.ops.get(peer), Some(Op { stage: Stage::AckSig, .. }));
        if mine_pending || peer_awaits_me {
            self.conflict(ctx, 2, &[role.other(), role]);
            return false;
        }
        true
    }

    /// Rolls back every operation in progress and reports a conflict to `to`.
    pub(crate) fn conflict(&mut self, ctx: &mut Ctx<'_>, code: u64, to: &[Role]) {
        self.conflict_via(ctx, code, to, &[]);
    }

    /// Like [`Channel::conflict`], `later` hearing of it through the peer's FSM.
    pub(crate) fn conflict_via(
        &mut self,
        ctx: &mut Ctx<'_>,
        code: u64,
        now: &[Role],
        later: &[Role],
    ) {
        self.ops = PerRole::default();
        let round = self.latest.as_ref().map_or(0, |l| l.round);
        if let Some(id) = self.id {
            let frame = frames::conflict(&id, code, round);
            for role in now {
                self.send(ctx, *role, &frame);
            }
            for role in later {
                self.send_via_peer(ctx, *role, &frame);
            }
        }
    }

    /// `channels.update.new`.
    pub(crate) fn request_update(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let checked = (|| {
            let amount = req.amount("amount")?;
            let from = req.account("from")?;
            let to = req.account("to")?;
            let meta = req.meta()?;
            Ok::<_, NodeError>((amount, from, to, meta))
        })();
        let (amount, from, to, meta) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if !matches!(self.phase, Phase::Open) {
            return self.reply_err(ctx, role, req, &unknown_request());
        }
        let (mut ledger, round) = match self.latest_or_err() {
            Ok(l) => (l.ledger.clone(), l.round),
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let participants =
            self.role_of_account(&from).is_some() && self.role_of_account(&to).is_some();
        if !participants {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::InvalidPubkeys));
        }
        if let Err(e) = ledger.transfer(&from, &to, &amount, &self.reserve()) {
            return self.reply_err(ctx, role, req, &update_error(e));
        }
        if !self.may_start(ctx, role, req) {
            return;
        }
        let Ok(channel) = self.channel_or_err() else { return };
        let mut updates = vec![json_update_transfer(&from, &to, &amount)];
        updates.extend(meta.iter().map(|m| json!({"op": "OffChainMeta", "data": m})));
        let tx = Tx::ChannelOffChain(ChannelOffChainTx {
            channel_id: channel,
            round: round + 1,
            updates: None,
            state_hash: StateHash(ledger.state_hash()),
        });
        self.start_op(
            ctx,
            role,
            req,
            OpKind::Update,
            tx,
            Some((ledger, round + 1)),
            Value::Array(updates),
        );
    }

    /// `channels.deposit` / `channels.withdraw`.
    pub(crate) fn request_deposit_withdraw(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        deposit: bool,
    ) {
        let checked = (|| {
            let amount = req.amount("amount")?;
            let fee = req.opt_uint("fee")?;
            let gas_price = req.opt_uint("gas_price")?;
            let nonce = req.opt_u64("nonce")?;
            Ok::<_, NodeError>((amount, fee, gas_price, nonce))
        })();
        let (amount, fee, gas_price, nonce) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if amount.is_zero() || !matches!(self.phase, Phase::Open) {
            return self.reply_err(ctx, role, req, &unknown_request());
        }
        let (mut ledger, round) = match self.latest_or_err() {
            Ok(l) => (l.ledger.clone(), l.round),
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let account = self.account(role);
        let applied = if deposit {
            ledger.deposit(&account, &amount)
        } else {
            ledger.withdraw(&account, &amount, &self.reserve())
        };
        if let Err(e) = applied {
            return self.reply_err(ctx, role, req, &update_error(e));
        }
        if !self.may_start(ctx, role, req) {
            return;
        }
        let Ok(channel) = self.channel_or_err() else { return };
        let nonce = nonce.unwrap_or_else(|| ctx.chain.next_nonce(&account));
        let state_hash = StateHash(ledger.state_hash());
        let ttl = self.ttl(role);
        let mut tx = if deposit {
            Tx::ChannelDeposit(ChannelDepositTx {
                channel_id: channel,
                from_id: account,
                amount: amount.clone(),
                ttl,
                fee: Uint::zero(),
                state_hash,
                round: round + 1,
                nonce,
            })
        } else {
            Tx::ChannelWithdraw(ChannelWithdrawTx {
                channel_id: channel,
                to_id: account,
                amount: amount.clone(),
                ttl,
                fee: Uint::zero(),
                state_hash,
                round: round + 1,
                nonce,
            })
        };
        set_fee(&mut tx, fee.as_ref(), gas_price.as_ref(), &ctx.settings.min_gas_price);
        let update = if deposit {
            json!({"op": "OffChainDeposit", "from": account.to_string(), "amount": amount.to_json()})
        } else {
            json!({"op": "OffChainWithdrawal", "to": account.to_string(), "amount": amount.to_json()})
        };
        let kind = if deposit { OpKind::Deposit } else { OpKind::Withdraw };
        self.start_op(ctx, role, req, kind, tx, Some((ledger, round + 1)), json!([update]));
    }

    /// `channels.shutdown`.
    pub(crate) fn request_shutdown(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let checked = (|| {
            Ok::<_, NodeError>((
                req.opt_uint("fee")?,
                req.opt_uint("gas_price")?,
                req.opt_u64("nonce")?,
            ))
        })();
        let (fee, gas_price, nonce) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if !matches!(self.phase, Phase::Open | Phase::Closing) {
            return self.reply_err(ctx, role, req, &unknown_request());
        }
        let Ok(latest) = self.latest_or_err() else { return };
        let ledger = latest.ledger.clone();
        if !self.may_start(ctx, role, req) {
            return;
        }
        let Ok(channel) = self.channel_or_err() else { return };
        let from = self.account(role);
        let i_bal = ledger.balance(&self.account(Role::Initiator)).cloned().unwrap_or_default();
        let r_bal = ledger.balance(&self.account(Role::Responder)).cloned().unwrap_or_default();
        let nonce = nonce.unwrap_or_else(|| ctx.chain.next_nonce(&from));
        let ttl = self.ttl(role);
        let build = |fee: &Uint| -> Option<Tx> {
            let (i, r) = split_close_fee(&i_bal, &r_bal, fee)?;
            Some(Tx::ChannelCloseMutual(ChannelCloseMutualTx {
                channel_id: channel,
                from_id: from,
                initiator_amount_final: i,
                responder_amount_final: r,
                ttl,
                fee: fee.clone(),
                nonce,
            }))
        };
        let gp = gas_price.clone().unwrap_or_else(|| ctx.settings.min_gas_price.clone());
        let mut f = fee.clone().unwrap_or_default();
        let mut tx = None;
        for _ in 0..5 {
            let Some(t) = build(&f) else { break };
            let min = t.minimum_fee(&gp);
            let wanted = match (&fee, &gas_price) {
                (Some(given), None) => given.clone(),
                (Some(given), Some(_)) => given.clone().max(min),
                (None, _) => min,
            };
            let stable = wanted == f;
            f = wanted;
            tx = build(&f);
            if stable {
                break;
            }
        }
        let Some(tx) = tx else {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::InsufficientBalance));
        };
        self.start_op(ctx, role, req, OpKind::Shutdown, tx, None, json!([]));
    }

    /// `channels.close_solo`, `channels.slash`, `channels.settle`, `channels.snapshot_solo`.
    pub(crate) fn request_solo(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        kind: OpKind,
    ) {
        let checked = (|| {
            Ok::<_, NodeError>((
                req.opt_uint("fee")?,
                req.opt_uint("gas_price")?,
                req.opt_u64("nonce")?,
            ))
        })();
        let (fee, gas_price, nonce) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let allowed = match kind {
            OpKind::CloseSolo | OpKind::Snapshot => matches!(self.phase, Phase::Open),
            _ => matches!(self.phase, Phase::Closing),
        };
        let (Some(latest), Some(channel), true) = (self.latest.clone(), self.id, allowed) else {
            return self.reply_err(ctx, role, req, &unknown_request());
        };
        let from = self.account(role);
        let payload = if latest.on_chain {
            Payload::Empty
        } else {
            Payload::Tx(Box::new(latest.signed.clone()))
        };
        let ttl = self.ttl(role);
        let on_chain = ctx.chain.channel(&channel).cloned();
        let fee0 = Uint::zero();
        let mut tx = match kind {
            OpKind::Snapshot => {
                if !latest.offchain {
                    return self.reply_err(
                        ctx,
                        role,
                        req,
                        &NodeError::data(DataCode::OffchainTxExpected),
                    );
                }
                if latest.on_chain {
                    return self.reply_err(
                        ctx,
                        role,
                        req,
                        &NodeError::data(DataCode::AlreadyOnChain),
                    );
                }
                Tx::ChannelSnapshotSolo(ChannelSnapshotSoloTx {
                    channel_id: channel,
                    from_id: from,
                    payload,
                    ttl,
                    fee: fee0,
                    nonce: 0,
                })
            }
            OpKind::CloseSolo => Tx::ChannelCloseSolo(ChannelCloseSoloTx {
                channel_id: channel,
                from_id: from,
                payload,
                poi: latest.ledger.poi(),
                ttl,
                fee: fee0,
                nonce: 0,
            }),
            OpKind::Slash => {
                if on_chain.as_ref().is_none_or(|c| c.round >= latest.round) {
                    return self.reply_err(ctx, role, req, &unknown_request());
                }
                Tx::ChannelSlash(ChannelSlashTx {
                    channel_id: channel,
                    from_id: from,
                    payload,
                    poi: latest.ledger.poi(),
                    ttl,
                    fee: fee0,
                    nonce: 0,
                })
            }
            _ => {
                let Some(c) = on_chain else {
                    return self.reply_err(ctx, role, req, &unknown_request());
                };
                Tx::ChannelSettle(ChannelSettleTx {
                    channel_id: channel,
                    from_id: from,
                    initiator_amount_final: c.initiator_amount.clone(),
                    responder_amount_final: c.responder_amount.clone(),
                    ttl,
                    fee: fee0,
                    nonce: 0,
                })
            }
        };
        if !self.may_start(ctx, role, req) {
            return;
        }
        tx.set_nonce(nonce.unwrap_or_else(|| ctx.chain.next_nonce(&from)));
        set_fee(&mut tx, fee.as_ref(), gas_price.as_ref(), &ctx.settings.min_gas_price);
        self.start_op(ctx, role, req, kind, tx, None, json!([]));
    }

    /// Records the operation and asks the starter to sign.
    #[allow(clippy::too_many_arguments)]
    fn start_op(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        kind: OpKind,
        tx: Tx,
        next: Option<(Ledger, u64)>,
        updates: Value,
    ) {
        self.reply_ok(ctx, role, req);
        let method = format!("channels.sign.{}", kind.sign_tag());
        let how = ctx.out.faults.take_alteration(role, &method);
        let (sent, shown) = match how {
            Some(how) => {
                let a = alter(&tx, &updates, how, next.as_ref().map(|(l, _)| l));
                (SignedTx::unsigned(a.tx), a.updates)
            }
            None => (SignedTx::unsigned(tx.clone()), updates.clone()),
        };
        let frame =
            frames::sign_request(self.id.as_ref(), kind.sign_tag(), &sent.to_api_string(), shown);
        self.send(ctx, role, &frame);
        *self.ops.get_mut(role) = Some(Op {
            kind,
            stage: Stage::StarterSig,
            tx,
            sent,
            altered: how.is_some(),
            next,
            updates,
            signed: None,
        });
    }

    /// A signing reply (or an abort) from `role`.
    pub(crate) fn on_sign_reply(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        reply: SignReply,
    ) {
        if let Some(code) = req.params.get("error") {
            return self.on_abort(ctx, role, req, reply, code);
        }
        let Some(text) = req.params.get("signed_tx").and_then(Value::as_str) else {
            return self.reply_err(ctx, role, req, &NodeError::rpc(RpcCode::MethodNotFound));
        };
        let signed = match parse_reply(text) {
            Ok(s) => s,
            Err(ReplyError::Encoding) => {
                return self.reply_err(ctx, role, req, &NodeError::data(DataCode::BrokenTx));
            }
            // The node ignores a tx it cannot deserialize and keeps waiting.
            Err(ReplyError::Structure) => return self.reply_ok(ctx, role, req),
        };
        self.reply_ok(ctx, role, req);
        self.touch();
        match reply {
            SignReply::InitiatorSign | SignReply::ResponderSign => {
                self.on_create_signed(ctx, role, signed)
            }
            SignReply::Starter(kind) => self.on_starter_signed(ctx, role, kind, signed),
            SignReply::Ack(kind) => self.on_ack_signed(ctx, role, kind, signed),
        }
    }

    fn on_abort(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        reply: SignReply,
        code: &Value,
    ) {
        let code = match code {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.parse::<u64>().ok(),
            _ => None,
        };
        let Some(code) = code.filter(|c| (1..=65535).contains(c)) else {
            return self.reply_err(ctx, role, req, &unknown_request());
        };
        let me = role;
        let peer = role.other();
        let own = matches!(
            (self.ops.get(me), reply),
            (Some(Op { stage: Stage::StarterSig, kind, .. }), SignReply::Starter(k)) if *kind == k
        );
        let ack = matches!(
            (self.ops.get(peer), reply),
            (Some(Op { stage: Stage::AckSig, kind, .. }), SignReply::Ack(k)) if *kind == k
        );
        if !own && !ack {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::NotAllowedNow));
        }
        let altered = if own { self.ops.get(me) } else { self.ops.get(peer) };
        if altered.as_ref().is_some_and(|o| o.altered) {
            ctx.out.observe(Observation::RefusedAlteredTx { role, code });
        }
        self.reply_ok(ctx, role, req);
        self.info(ctx, role, "aborted_update");
        if own {
            *self.ops.get_mut(me) = None;
        } else {
            self.conflict_via(ctx, code, &[], &[role.other()]);
        }
    }

    fn on_starter_signed(&mut self, ctx: &mut Ctx<'_>, role: Role, kind: OpKind, signed: SignedTx) {
        let me = role;
        let Some(op) = self.ops.get(me).clone() else { return };
        if op.kind != kind || op.stage != Stage::StarterSig {
            return;
        }
        let network = ctx.settings.network_id.clone();
        let me_acc = self.account(role);
        let peer_acc = self.account(role.other());
        let two_party = kind.ack_tag().is_some();
        let mine = signature_of(&signed, &network, &me_acc);
        let theirs = if two_party { signature_of(&signed, &network, &peer_acc) } else { None };
        let extra = signed.signatures.iter().any(|s| Some(*s) != mine && Some(*s) != theirs);
        if signed.tx != op.sent.tx || mine.is_none() || extra {
            self.reject_reply(ctx, role, "bad_signature", &[role]);
            return;
        }
        if op.altered {
            ctx.out.observe(Observation::SignedAlteredTx {
                role,
                method: format!("channels.sign.{}", kind.sign_tag()),
            });
            self.reject_reply(ctx, role, "altered_tx_signed", &[role]);
            return;
        }
        if !two_party {
            return self.push_solo(ctx, role, op, signed);
        }
        if theirs.is_some() {
            // The client brought the peer's signature too: nothing to ask the peer.
            return self.finish_cosigned(ctx, role, op, signed);
        }
        let at = super::super::later(ctx.now, ctx.settings.peer_latency);
        *self.ops.get_mut(me) =
            Some(Op { stage: Stage::InFlight { at }, signed: Some(signed), ..op });
        if ctx.settings.peer_latency.is_zero() {
            self.deliver_due(ctx);
        }
    }

    /// Messages between the FSMs that arrived: a starter's signed update reaches the peer's
    /// FSM, which asks its client to acknowledge it, or finds its own update in progress.
    pub(crate) fn deliver_due(&mut self, ctx: &mut Ctx<'_>) {
        for role in [Role::Initiator, Role::Responder] {
            let due = matches!(
                self.ops.get(role),
                Some(Op { stage: Stage::InFlight { at }, .. }) if *at <= ctx.now
            );
            if due {
                self.deliver(ctx, role);
            }
        }
    }

    fn deliver(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        let me = role;
        let Some(op) = self.ops.get(me).clone() else { return };
        let Some(signed) = op.signed.clone() else { return };
        let peer = role.other();
        let peer_busy = matches!(
            self.ops.get(peer),
            Some(Op { stage: Stage::StarterSig | Stage::InFlight { .. } | Stage::AckSig, .. })
        );
        if peer_busy {
            // Both started at once: the peer's FSM sees an update while it waits for its own.
            self.conflict_via(ctx, 2, &[peer], &[role]);
            return;
        }
        let peer_side = self.side(peer);
        if peer_side.conn.is_none() || !peer_side.running {
            self.conflict(ctx, 2, &[role]);
            return;
        }
        let Some(ack_tag) = op.kind.ack_tag() else { return };
        let method = format!("channels.sign.{ack_tag}");
        let how = ctx.out.faults.take_alteration(peer, &method);
        let (inner, shown) = match how {
            Some(how) => {
                let a = alter(&op.tx, &op.updates, how, op.next.as_ref().map(|(l, _)| l));
                (a.tx, a.updates)
            }
            None => (signed.tx.clone(), op.updates.clone()),
        };
        let sent = SignedTx { signatures: signed.signatures.clone(), tx: inner };
        self.info(ctx, peer, op.kind.ack_event());
        let frame = frames::sign_request(self.id.as_ref(), ack_tag, &sent.to_api_string(), shown);
        self.send(ctx, peer, &frame);
        *self.ops.get_mut(me) =
            Some(Op { stage: Stage::AckSig, sent, altered: how.is_some(), ..op });
        self.rearm(ctx);
    }

    fn on_ack_signed(&mut self, ctx: &mut Ctx<'_>, role: Role, kind: OpKind, signed: SignedTx) {
        let starter = role.other();
        let Some(op) = self.ops.get(starter).clone() else { return };
        if op.kind != kind || op.stage != Stage::AckSig {
            return;
        }
        let network = ctx.settings.network_id.clone();
        let both = [self.account(Role::Initiator), self.account(Role::Responder)];
        if op.altered {
            if signature_of(&signed, &network, &self.account(role)).is_some() {
                ctx.out.observe(Observation::SignedAlteredTx {
                    role,
                    method: format!("channels.sign.{}", kind.ack_tag().unwrap_or_default()),
                });
            }
            self.reject_reply(ctx, role, "altered_tx_signed", &[role, starter]);
            return;
        }
        if signed.tx != op.sent.tx || !signed_exactly_by(&signed, &network, &both) {
            self.reject_reply(ctx, role, "bad_signature", &[role, starter]);
            return;
        }
        self.finish_cosigned(ctx, starter, op, signed);
    }

    /// A reply that fails the node's checks: `channels.error` to the sender, a conflict with
    /// code 1 to `conflict_to`, and the operation is rolled back.
    fn reject_reply(&mut self, ctx: &mut Ctx<'_>, role: Role, reason: &str, conflict_to: &[Role]) {
        let frame = frames::channel_error(self.id.as_ref(), reason);
        self.send(ctx, role, &frame);
        self.conflict(ctx, 1, conflict_to);
    }

    /// Both signatures are there.
    fn finish_cosigned(&mut self, ctx: &mut Ctx<'_>, starter: Role, op: Op, signed: SignedTx) {
        let acker = starter.other();
        match op.kind {
            OpKind::Update => {
                *self.ops.get_mut(starter) = None;
                if let Some((ledger, round)) = op.next {
                    let state_hash = ledger.state_hash();
                    self.push_history();
                    self.latest = Some(Latest {
                        signed,
                        ledger,
                        round,
                        state_hash,
                        offchain: true,
                        on_chain: false,
                    });
                }
                self.send_update(ctx, acker);
                self.send_update_via_peer(ctx, starter);
            }
            OpKind::Deposit | OpKind::Withdraw | OpKind::Shutdown => {
                let (created, signed_info) = match op.kind {
                    OpKind::Deposit => ("deposit_created", "deposit_signed"),
                    OpKind::Withdraw => ("withdraw_created", "withdraw_signed"),
                    _ => ("close_mutual", "close_mutual"),
                };
                let api = signed.to_api_string();
                let ty = op.tx.type_name();
                self.send(ctx, acker, &frames::on_chain_tx(self.id.as_ref(), created, &api, ty));
                if op.kind == OpKind::Shutdown {
                    self.info(ctx, acker, "closing");
                }
                // The starter's FSM gets the co-signed tx from the acknowledger's, and pushes it.
                let signed_frame = frames::on_chain_tx(self.id.as_ref(), signed_info, &api, ty);
                self.send_via_peer(ctx, starter, &signed_frame);
                if op.kind == OpKind::Shutdown {
                    let closing = frames::info(self.id.as_ref(), "closing", &[]);
                    self.send_via_peer(ctx, starter, &closing);
                }
                let hash = self.push_tx(ctx, starter, &op, &signed);
                if op.kind == OpKind::Shutdown {
                    self.ops = PerRole::default();
                    self.phase = Phase::Finalizing { fee: op.tx.fee(), included: None };
                } else {
                    for s in self.sides.iter_mut() {
                        s.own_locked = false;
                        s.peer_locked = false;
                    }
                    *self.ops.get_mut(starter) = Some(Op {
                        stage: Stage::OnChain { hash, included: None },
                        signed: Some(signed),
                        ..op
                    });
                }
            }
            _ => {}
        }
    }

    fn push_solo(&mut self, ctx: &mut Ctx<'_>, role: Role, op: Op, signed: SignedTx) {
        let hash = self.push_tx(ctx, role, &op, &signed);
        if op.kind == OpKind::Snapshot {
            // The FSM is back to open at once; the snapshot is only watched.
            *self.ops.get_mut(role) = None;
            self.snapshot = Some((role, hash, None));
            return;
        }
        *self.ops.get_mut(role) =
            Some(Op { stage: Stage::OnChain { hash, included: None }, signed: Some(signed), ..op });
    }

    /// Puts an operation's transaction in the mempool; returns its hash.
    fn push_tx(&mut self, ctx: &mut Ctx<'_>, role: Role, op: &Op, signed: &SignedTx) -> [u8; 32] {
        let hash = signed.hash().0;
        let Some(channel) = self.id else { return hash };
        let latest = self.latest.clone();
        let (effect, not_before) = match &op.tx {
            Tx::ChannelDeposit(t) => (
                Effect::State {
                    round: t.round,
                    state_hash: t.state_hash.0,
                    delta: Some((true, t.amount.clone())),
                },
                0,
            ),
            Tx::ChannelWithdraw(t) => (
                Effect::State {
                    round: t.round,
                    state_hash: t.state_hash.0,
                    delta: Some((false, t.amount.clone())),
                },
                0,
            ),
            Tx::ChannelSnapshotSolo(_) => {
                let l = latest.as_ref();
                (
                    Effect::State {
                        round: l.map_or(0, |l| l.round),
                        state_hash: l.map_or([0; 32], |l| l.state_hash),
                        delta: None,
                    },
                    0,
                )
            }
            Tx::ChannelCloseSolo(_) | Tx::ChannelSlash(_) => {
                let Some(l) = latest.as_ref() else { return hash };
                let i =
                    l.ledger.balance(&self.account(Role::Initiator)).cloned().unwrap_or_default();
                let r =
                    l.ledger.balance(&self.account(Role::Responder)).cloned().unwrap_or_default();
                (
                    Effect::SoloClose {
                        round: l.round,
                        state_hash: l.state_hash,
                        initiator_amount: i,
                        responder_amount: r,
                    },
                    0,
                )
            }
            Tx::ChannelSettle(_) => {
                let until = ctx.chain.channel(&channel).map_or(0, |c| c.locked_until);
                (Effect::Closed, until)
            }
            _ => (Effect::Closed, 0),
        };
        ctx.chain.push(Pending {
            hash,
            signed: signed.clone(),
            channel,
            payer: self.account(role),
            fee: op.tx.fee(),
            effect,
            not_before,
        });
        hash
    }

    /// Keeps the current latest state in the history (for stale-state tests).
    pub(crate) fn push_history(&mut self) {
        if let Some(l) = &self.latest {
            if self.history.len() >= 256 {
                self.history.remove(0);
            }
            self.history.push(l.clone());
        }
    }
}

fn update_error(e: UpdateError) -> NodeError {
    match e {
        UpdateError::InsufficientBalance => NodeError::data(DataCode::InsufficientBalance),
        UpdateError::InvalidPubkeys => NodeError::data(DataCode::InvalidPubkeys),
    }
}

/// `aesc_fsm:pay_close_mutual_fee/3`: the final amounts after the fee is paid.
pub(crate) fn split_close_fee(i: &Uint, r: &Uint, fee: &Uint) -> Option<(Uint, Uint)> {
    let two = Uint::from(2u64);
    let half_down = Uint::from(fee.as_big() / two.as_big());
    let half_up = fee.checked_sub(&half_down)?;
    if &(i + r) < fee {
        return None;
    }
    if i >= &half_up && r >= &half_down {
        return Some((i.checked_sub(&half_up)?, r.checked_sub(&half_down)?));
    }
    if r >= &half_up && i >= &half_down {
        return Some((i.checked_sub(&half_down)?, r.checked_sub(&half_up)?));
    }
    if i > r {
        let rest = fee.checked_sub(r)?;
        Some((i.checked_sub(&rest)?, Uint::zero()))
    } else {
        let rest = fee.checked_sub(i)?;
        Some((Uint::zero(), r.checked_sub(&rest)?))
    }
}
