//! The life of the two FSMs around the channel: clients leaving and coming back, timers,
//! stops, and what the chain reports.

use aesc_codec::id::FsmId;
use aesc_codec::Uint;
use serde_json::json;

use super::super::chain::{Effect, Included, Pending};
use super::super::frames::{self, DataCode, NodeError};
use super::super::hub::ConnId;
use super::super::query::{Refusal, SideOptions};
use super::super::request::Request;
use aesc_codec::tx::{ChannelCloseSoloTx, Payload};

use super::super::txs::{raw_hash_text, SignedTx, Tx, TxExt};
use super::super::Role;
use super::ops::{OpKind, Stage};
use super::{idx, Channel, Ctx, Phase, Timer};

impl Channel {
    /// Whether the channel is established (on chain or being funded).
    fn established(&self) -> bool {
        !matches!(
            self.phase,
            Phase::AwaitingPeer | Phase::AwaitingInitiatorSig { .. } | Phase::AwaitingResponderSig { .. }
        )
    }

    /// `role`'s FSM stopped (stop request, timeout): it reports `died`, and the peer's FSM
    /// follows unless it is a responder told to keep running on an established channel.
    pub(crate) fn fsm_stopped(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        self.ops = [None, None];
        self.die(ctx, role);
        let peer = role.other();
        if self.side(peer).running {
            let keeps = self.side(peer).opts.as_ref().is_some_and(|o| o.keep_running);
            if keeps && self.established() {
                self.info(ctx, peer, "peer_disconnected");
            } else {
                self.die(ctx, peer);
            }
        }
        self.after_stop();
    }

    /// The phase once FSMs stopped: an established, unclosed channel can be reestablished.
    fn after_stop(&mut self) {
        if self.sides.iter().any(|s| s.running) {
            if self.established() && !matches!(self.phase, Phase::Closed | Phase::Finalizing { .. }) {
                self.phase = Phase::Left;
            }
            return;
        }
        self.phase = match self.phase {
            Phase::Open | Phase::Closing | Phase::AwaitingLocked { .. } | Phase::Left => Phase::Left,
            _ => Phase::Closed,
        };
    }

    /// `channels.leave`: both clients get the latest state and their FSMs stop.
    pub(crate) fn request_leave(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        if !matches!(self.phase, Phase::Open) || self.ops.iter().any(Option::is_some) {
            return self.reply_err(ctx, role, req, &NodeError::rpc(frames::RpcCode::InternalError));
        }
        self.reply_ok(ctx, role, req);
        let Some(latest) = &self.latest else { return };
        let leave =
            frames::notification("channels.leave", self.id.as_ref(), json!({"state": latest.signed.to_api_string()}));
        let peer = role.other();
        for r in [peer, role] {
            self.send(ctx, r, &leave);
            let keeps = self.side(r).opts.as_ref().is_some_and(|o| o.keep_running);
            if !keeps {
                self.die(ctx, r);
            }
        }
        if self.side(peer).running {
            self.info(ctx, peer, "peer_disconnected");
        }
        self.phase = Phase::Left;
    }

    /// A client's socket closed.
    pub(crate) fn on_client_gone(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        if !self.side(role).running {
            return;
        }
        if !self.established() && !self.side(role).signed_create {
            // Before its signature on the create tx a client cannot leave its FSM behind.
            self.side_mut(role).running = false;
            self.side_mut(role).timer = None;
            let peer = role.other();
            if self.side(peer).running {
                self.die(ctx, peer);
            }
            self.phase = Phase::Closed;
        }
    }

    /// A reconnect (`existing_channel_id` + `existing_fsm_id`): re-attach to the running FSM,
    /// or reestablish a channel whose FSMs stopped.
    pub(crate) fn connect_existing(
        &mut self,
        ctx: &mut Ctx<'_>,
        conn: ConnId,
        opts: SideOptions,
        fsm_id: FsmId,
    ) -> Result<(), Refusal> {
        let role = opts.role;
        let side = self.side(role);
        if !side.present || !constant_time_eq(side.fsm_id.as_bytes(), fsm_id.as_bytes()) {
            return Err(DataCode::InvalidFsmId.into());
        }
        if matches!(self.phase, Phase::Closed) {
            return Err(Refusal::Silent);
        }
        if side.running {
            self.attach(ctx, role, conn, opts);
            self.report_fsm_up(ctx, role);
            return Ok(());
        }
        if !matches!(self.phase, Phase::Left) {
            return Err(Refusal::Silent);
        }
        self.side_mut(role).conn = Some(conn);
        self.side_mut(role).opts = Some(opts);
        self.start_fsm(ctx, role);
        if self.side(role.other()).running {
            self.reestablished(ctx);
        }
        self.rearm(ctx);
        Ok(())
    }

    fn reestablished(&mut self, ctx: &mut Ctx<'_>) {
        let closing = self
            .id
            .and_then(|id| ctx.chain.channel(&id).map(|c| c.locked_until > 0))
            .unwrap_or(false);
        self.phase = if closing { Phase::Closing } else { Phase::Open };
        for role in [Role::Responder, Role::Initiator] {
            self.info(ctx, role, "channel_reestablished");
            self.info(ctx, role, if closing { "closing" } else { "open" });
            self.send_update(ctx, role);
        }
    }

    /// A timer of `role` fired.
    pub(crate) fn on_timeout(&mut self, ctx: &mut Ctx<'_>, role: Role, kind: Timer) {
        let in_update = self.ops.iter().flatten().any(|op| !matches!(op.stage, Stage::OnChain { .. }));
        if in_update {
            self.conflict(ctx, 3, &[Role::Initiator, Role::Responder]);
            return;
        }
        if kind == Timer::Idle {
            let keeps = self.side(role).opts.as_ref().is_some_and(|o| o.keep_running);
            if keeps {
                return;
            }
        }
        self.info(ctx, role, "timeout");
        self.fsm_stopped(ctx, role);
    }

    /// The timer an operation sets for `role`, if one is running.
    pub(crate) fn op_timer(&self, role: Role) -> Option<Timer> {
        let mine = self.ops[idx(role)].as_ref();
        let theirs = self.ops[idx(role.other())].as_ref();
        match (mine.map(|o| &o.stage), theirs.map(|o| &o.stage)) {
            (Some(Stage::StarterSig), _) | (_, Some(Stage::AckSig)) => Some(Timer::Sign),
            (Some(Stage::AckSig), _) => Some(Timer::Accept),
            (Some(Stage::OnChain { .. }), _) | (_, Some(Stage::OnChain { .. })) => Some(Timer::FundingLock),
            _ => None,
        }
    }

    /// A new block: what it included for this channel, and minimum-depth progress.
    pub(crate) fn on_block(&mut self, ctx: &mut Ctx<'_>, height: u64, included: &[Included]) {
        let Some(id) = self.id else { return };
        for inc in included.iter().filter(|i| i.channel == id) {
            self.on_included(ctx, inc);
        }
        if matches!(self.phase, Phase::AwaitingLocked { .. }) {
            self.funding_block(ctx, height);
        }
        self.ops_depth(ctx, height);
        self.finalizing_depth(ctx, height);
        self.rearm(ctx);
    }

    fn on_included(&mut self, ctx: &mut Ctx<'_>, inc: &Included) {
        let api = inc.signed.to_api_string();
        let ty = inc.signed.tx.type_name();
        for i in 0..2 {
            if let Some(op) = self.ops[i].as_mut() {
                if let Stage::OnChain { hash, included } = &mut op.stage {
                    if *hash == inc.hash {
                        *included = Some(inc.height);
                    }
                }
            }
        }
        match &inc.effect {
            Effect::Create { .. } => {}
            Effect::State { round, .. } => {
                for role in [Role::Initiator, Role::Responder] {
                    self.send(ctx, role, &frames::on_chain_tx(self.id.as_ref(), "channel_changed", &api, ty));
                }
                if let Some(l) = self.latest.as_mut() {
                    if l.round == *round {
                        l.on_chain = true;
                    }
                }
            }
            Effect::SoloClose { round, .. } => {
                let latest_round = self.latest.as_ref().map_or(0, |l| l.round);
                let was_closing = matches!(self.phase, Phase::Closing);
                let info = if *round < latest_round { "can_slash" } else { "solo_closing" };
                for role in [Role::Initiator, Role::Responder] {
                    self.send(ctx, role, &frames::on_chain_tx(self.id.as_ref(), info, &api, ty));
                    if !was_closing {
                        self.info(ctx, role, "closing");
                    }
                }
                for op in &mut self.ops {
                    if op.as_ref().is_some_and(|o| matches!(o.kind, OpKind::CloseSolo | OpKind::Slash)) {
                        *op = None;
                    }
                }
                if !matches!(self.phase, Phase::Left | Phase::Closed) {
                    self.phase = Phase::Closing;
                }
            }
            Effect::Closed => {
                for role in [Role::Initiator, Role::Responder] {
                    self.send(ctx, role, &frames::on_chain_tx(self.id.as_ref(), "channel_closed", &api, ty));
                }
                self.ops = [None, None];
                let fee = inc.signed.tx.fee();
                self.phase = Phase::Finalizing { hash: inc.hash, fee, included: Some(inc.height) };
            }
        }
    }

    fn ops_depth(&mut self, ctx: &mut Ctx<'_>, height: u64) {
        for starter in [Role::Initiator, Role::Responder] {
            let Some(op) = self.ops[idx(starter)].clone() else { continue };
            let Stage::OnChain { included: Some(included), hash } = op.stage else { continue };
            let fee = op.tx.fee();
            match op.kind {
                OpKind::Deposit | OpKind::Withdraw => {
                    let (own, peer) = if op.kind == OpKind::Deposit {
                        ("own_deposit_locked", "deposit_locked")
                    } else {
                        ("own_withdraw_locked", "withdraw_locked")
                    };
                    if self.locking_step(ctx, height, included, &fee, own, peer) {
                        self.ops[idx(starter)] = None;
                        if let (Some((ledger, round)), Some(signed)) = (op.next, op.signed) {
                            self.push_history();
                            self.latest = Some(super::Latest {
                                state_hash: ledger.state_hash(),
                                signed,
                                ledger,
                                round,
                                offchain: false,
                                on_chain: true,
                            });
                        }
                        for role in [Role::Initiator, Role::Responder] {
                            self.send_update(ctx, role);
                        }
                    }
                }
                OpKind::Snapshot => {
                    let depth = height.saturating_sub(included).saturating_add(1);
                    if depth >= self.min_depth(ctx, starter, &fee) {
                        self.ops[idx(starter)] = None;
                        let frame = frames::info(
                            self.id.as_ref(),
                            "min_depth_achieved",
                            &[
                                ("tx_hash", json!(raw_hash_text(&hash))),
                                ("type", json!("channel_snapshot_solo_tx")),
                            ],
                        );
                        self.send(ctx, starter, &frame);
                    }
                }
                _ => {}
            }
        }
    }

    fn finalizing_depth(&mut self, ctx: &mut Ctx<'_>, height: u64) {
        let Phase::Finalizing { included: Some(included), fee, .. } = self.phase.clone() else {
            return;
        };
        let depth = height.saturating_sub(included).saturating_add(1);
        for role in [Role::Initiator, Role::Responder] {
            if self.side(role).running && depth >= self.min_depth(ctx, role, &fee) {
                self.info(ctx, role, "closed_confirmed");
                self.die(ctx, role);
            }
        }
        if self.sides.iter().all(|s| !s.running) {
            self.phase = Phase::Closed;
        }
    }

    /// Test hook: a solo close of the co-signed state of `round` (the oldest one kept when
    /// `None`) goes on chain as if a participant had posted it, without a signature.
    pub(crate) fn inject_stale_close(&mut self, ctx: &mut Ctx<'_>, from: Role, round: Option<u64>) -> bool {
        let Some(id) = self.id else { return false };
        let state = match round {
            Some(r) => self.history.iter().chain(self.latest.iter()).find(|l| l.round == r).cloned(),
            None => self.history.first().or(self.latest.as_ref()).cloned(),
        };
        let Some(state) = state else { return false };
        let payload =
            if state.on_chain { Payload::Empty } else { Payload::Tx(Box::new(state.signed.clone())) };
        let from_acc = self.account(from);
        let tx = Tx::ChannelCloseSolo(ChannelCloseSoloTx {
            channel_id: id,
            from_id: from_acc,
            payload,
            poi: state.ledger.poi(),
            ttl: 0,
            fee: Uint::from(20_000_000_000_000u64),
            nonce: ctx.chain.next_nonce(&from_acc),
        });
        let signed = SignedTx::unsigned(tx.clone());
        let i = state.ledger.balance(&self.account(Role::Initiator)).cloned().unwrap_or_default();
        let r = state.ledger.balance(&self.account(Role::Responder)).cloned().unwrap_or_default();
        ctx.chain.push(Pending {
            hash: signed.hash().0,
            signed,
            channel: id,
            payer: from_acc,
            fee: tx.fee(),
            effect: Effect::SoloClose {
                round: state.round,
                state_hash: state.state_hash,
                initiator_amount: i,
                responder_amount: r,
            },
            not_before: 0,
        });
        true
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
