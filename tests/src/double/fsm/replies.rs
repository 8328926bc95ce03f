//! The signing round of an operation: replies of the starter and the acknowledger, aborts,
//! delivery between the two FSMs after the peer latency, and pushing what both signed on chain.

use serde_json::Value;

use super::super::chain::{Effect, Pending};
use super::super::clock::later;
use super::super::frames::{self, DataCode, NodeError, RpcCode};
use super::super::ids::Role;
use super::super::outbox::Observation;
use super::super::request::Request;
use super::super::txs::{
    parse_reply, signature_of, signed_exactly_by, ReplyError, SignedTx, Tx, TxExt,
};
use super::alter::alter;
use super::ops::unknown_request;
use super::state::{Channel, Ctx, Latest, Op, OpKind, PerRole, Phase, SignReply, Stage};

impl Channel {
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

    pub(super) fn on_abort(
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

    pub(super) fn on_starter_signed(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        kind: OpKind,
        signed: SignedTx,
    ) {
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
        let at = later(ctx.now, ctx.settings.peer_latency);
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

    pub(super) fn deliver(&mut self, ctx: &mut Ctx<'_>, role: Role) {
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

    pub(super) fn on_ack_signed(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        kind: OpKind,
        signed: SignedTx,
    ) {
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
    pub(super) fn reject_reply(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        reason: &str,
        conflict_to: &[Role],
    ) {
        let frame = frames::channel_error(self.id.as_ref(), reason);
        self.send(ctx, role, &frame);
        self.conflict(ctx, 1, conflict_to);
    }

    /// Both signatures are there.
    pub(super) fn finish_cosigned(
        &mut self,
        ctx: &mut Ctx<'_>,
        starter: Role,
        op: Op,
        signed: SignedTx,
    ) {
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

    pub(super) fn push_solo(&mut self, ctx: &mut Ctx<'_>, role: Role, op: Op, signed: SignedTx) {
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
    pub(super) fn push_tx(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        op: &Op,
        signed: &SignedTx,
    ) -> [u8; 32] {
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

    /// Keeps the current latest state in the history (for stale-state tests): the first
    /// [`HISTORY_KEPT`] states of the channel and the last [`HISTORY_KEPT`], so that a channel
    /// costs the same memory however many updates it has seen.
    pub(crate) fn push_history(&mut self) {
        if let Some(l) = &self.latest {
            if self.history.len() >= 2 * HISTORY_KEPT {
                self.history.remove(HISTORY_KEPT);
            }
            self.history.push(l.clone());
        }
    }
}

/// How many of a channel's first, and of its last, co-signed states the double keeps.
pub(crate) const HISTORY_KEPT: usize = 2;
