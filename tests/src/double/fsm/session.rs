//! The life of the two FSMs around the channel: clients leaving and coming back, timers,
//! stops, and what the chain reports.

use aesc_codec::id::FsmId;
use aesc_codec::Uint;
use serde_json::json;

use super::super::chain::{Effect, Included, Pending};
use super::super::clock::later;
use super::super::frames::{self, DataCode, NodeError};
use super::super::ids::{ConnId, Role};
use super::super::query::{Refusal, SideOptions};
use super::super::request::Request;
use aesc_codec::tx::{ChannelCloseSoloTx, Payload};

use super::super::txs::{raw_hash_text, SignedTx, Tx, TxExt};
use super::state::{Channel, Ctx, Latest, OpKind, PerRole, Phase, Stage, Timer};

impl Channel {
    /// Whether the channel is established (on chain or being funded).
    fn established(&self) -> bool {
        !matches!(
            self.phase,
            Phase::AwaitingPeer
                | Phase::AwaitingInitiatorSig { .. }
                | Phase::AwaitingResponderSig { .. }
        )
    }

    /// `role`'s FSM stopped (stop request, timeout): it reports `died`, and the peer's FSM
    /// follows unless it is a responder told to keep running on an established channel.
    pub(crate) fn fsm_stopped(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        self.ops = PerRole::default();
        self.die(ctx, role);
        let peer = role.other();
        if self.side(peer).running && self.side(peer).dying_at.is_none() {
            let keeps = self.side(peer).opts.as_ref().is_some_and(|o| o.keep_running);
            if keeps && self.established() {
                // A node tells an open channel's peer; a closing one's peer hears nothing.
                if matches!(self.phase, Phase::Open) {
                    self.info(ctx, peer, "peer_disconnected");
                }
            } else {
                // The peer's FSM notices when the noise session drops.
                self.side_mut(peer).dying_at = Some(later(ctx.now, ctx.settings.peer_latency));
            }
        }
        self.after_stop();
    }

    /// The phase once FSMs stopped: an established, unclosed channel can be reestablished.
    pub(crate) fn after_stop(&mut self) {
        if self.sides.iter().any(|s| s.running) {
            if self.established() && !matches!(self.phase, Phase::Closed | Phase::Finalizing { .. })
            {
                self.phase = Phase::Left;
            }
            return;
        }
        self.phase = match self.phase {
            Phase::Open | Phase::Closing | Phase::AwaitingLocked { .. } | Phase::Left => {
                Phase::Left
            }
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
        let leave = frames::notification(
            "channels.leave",
            self.id.as_ref(),
            json!({"state": latest.signed.to_api_string()}),
        );
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
            if matches!(self.phase, Phase::Left) {
                self.side_mut(role).reattached = true;
            }
            self.attach(ctx, role, conn, opts);
            self.report_fsm_up(ctx, role);
            return Ok(());
        }
        if !matches!(self.phase, Phase::Left) {
            return Err(Refusal::Silent);
        }
        self.side_mut(role).conn = Some(conn);
        self.side_mut(role).opts = Some(opts);
        self.side_mut(role).fresh = true;
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
            // A new FSM reports the state, and so does one that kept running if its client
            // re-attached meanwhile (as a node does).
            let fresh = std::mem::take(&mut self.side_mut(role).fresh);
            let reattached = std::mem::take(&mut self.side_mut(role).reattached);
            if fresh {
                self.side_mut(role).reestablished = true;
            }
            if fresh || reattached {
                self.send_update(ctx, role);
            }
        }
    }

    /// A timer of `role` fired.
    pub(crate) fn on_timeout(&mut self, ctx: &mut Ctx<'_>, role: Role, kind: Timer) {
        let in_update =
            self.ops.iter().flatten().any(|op| !matches!(op.stage, Stage::OnChain { .. }));
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
        let mine = self.ops.get(role).as_ref();
        let theirs = self.ops.get(role.other()).as_ref();
        match (mine.map(|o| &o.stage), theirs.map(|o| &o.stage)) {
            (Some(Stage::StarterSig), _) | (_, Some(Stage::AckSig)) => Some(Timer::Sign),
            (Some(Stage::AckSig | Stage::InFlight { .. }), _) => Some(Timer::Accept),
            (_, Some(Stage::InFlight { .. })) => Some(Timer::Idle),
            (Some(Stage::OnChain { .. }), _) | (_, Some(Stage::OnChain { .. })) => {
                Some(Timer::FundingLock)
            }
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
        self.snapshot_depth(ctx, height);
        self.assumed_depth(ctx, height);
        self.finalizing_depth(ctx, height);
        self.rearm(ctx);
    }

    fn snapshot_depth(&mut self, ctx: &mut Ctx<'_>, height: u64) {
        let Some((role, hash, included)) = self.snapshot else { return };
        let included = match included.or_else(|| ctx.chain.inclusion_height(&hash)) {
            Some(h) => h,
            None => return,
        };
        self.snapshot = Some((role, hash, Some(included)));
        let depth = height.saturating_sub(included).saturating_add(1);
        let fee = Uint::zero();
        if depth >= self.min_depth(ctx, role, &fee) {
            self.snapshot = None;
            let frame = frames::info(
                self.id.as_ref(),
                "min_depth_achieved",
                &[
                    ("tx_hash", json!(raw_hash_text(&hash))),
                    ("type", json!("channel_snapshot_solo_tx")),
                ],
            );
            self.send(ctx, role, &frame);
        }
    }

    /// Confirmations of txs whose depth a client assumed earlier.
    fn assumed_depth(&mut self, ctx: &mut Ctx<'_>, height: u64) {
        let pending = std::mem::take(&mut self.assumed);
        for (role, hash, tx_type, fee) in pending {
            let reached = ctx.chain.inclusion_height(&hash).is_some_and(|inc| {
                height.saturating_sub(inc).saturating_add(1) >= self.min_depth(ctx, role, &fee)
            });
            if reached {
                let frame = frames::info(
                    self.id.as_ref(),
                    "minimum_depth_achieved",
                    &[
                        ("notice", json!("already_assumed")),
                        ("tx_hash", json!(aesc_codec::id::TxHash(hash).to_string())),
                        ("tx_type", json!(tx_type)),
                    ],
                );
                self.send(ctx, role, &frame);
            } else {
                self.assumed.push((role, hash, tx_type, fee));
            }
        }
    }

    fn on_included(&mut self, ctx: &mut Ctx<'_>, inc: &Included) {
        let api = inc.signed.to_api_string();
        let ty = inc.signed.tx.type_name();
        for op in self.ops.iter_mut() {
            if let Some(op) = op.as_mut() {
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
                    self.send(
                        ctx,
                        role,
                        &frames::on_chain_tx(self.id.as_ref(), "channel_changed", &api, ty),
                    );
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
                for op in self.ops.iter_mut() {
                    if op
                        .as_ref()
                        .is_some_and(|o| matches!(o.kind, OpKind::CloseSolo | OpKind::Slash))
                    {
                        *op = None;
                    }
                }
                if !matches!(self.phase, Phase::Left | Phase::Closed) {
                    self.phase = Phase::Closing;
                }
            }
            Effect::Closed => {
                for role in [Role::Initiator, Role::Responder] {
                    self.send(
                        ctx,
                        role,
                        &frames::on_chain_tx(self.id.as_ref(), "channel_closed", &api, ty),
                    );
                }
                self.ops = PerRole::default();
                let fee = inc.signed.tx.fee();
                self.phase = Phase::Finalizing { fee, included: Some(inc.height) };
            }
        }
    }

    fn ops_depth(&mut self, ctx: &mut Ctx<'_>, height: u64) {
        for starter in [Role::Initiator, Role::Responder] {
            let Some(op) = self.ops.get(starter).clone() else { continue };
            let Stage::OnChain { included: Some(included), .. } = op.stage else { continue };
            let fee = op.tx.fee();
            match op.kind {
                OpKind::Deposit | OpKind::Withdraw => {
                    let (own, peer) = if op.kind == OpKind::Deposit {
                        ("own_deposit_locked", "deposit_locked")
                    } else {
                        ("own_withdraw_locked", "withdraw_locked")
                    };
                    let depth = height.saturating_sub(included).saturating_add(1);
                    if self.locking_step(ctx, Some(depth), &fee, own, peer) {
                        *self.ops.get_mut(starter) = None;
                        if let (Some((ledger, round)), Some(signed)) = (op.next, op.signed) {
                            self.push_history();
                            self.latest = Some(Latest {
                                state_hash: ledger.state_hash(),
                                signed,
                                ledger,
                                round,
                                offchain: false,
                                on_chain: true,
                            });
                        }
                        // The acknowledger's FSM reports first; the starter's hears through it.
                        self.send_update(ctx, starter.other());
                        self.send_update_via_peer(ctx, starter);
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
            // A node's reestablished initiator FSM stays in `channel_closed` and reports
            // nothing more (a client must not wait for `closed_confirmed`).
            if role == Role::Initiator && self.side(role).reestablished {
                continue;
            }
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
    pub(crate) fn inject_stale_close(
        &mut self,
        ctx: &mut Ctx<'_>,
        from: Role,
        round: Option<u64>,
    ) -> bool {
        let Some(id) = self.id else { return false };
        let state = match round {
            Some(r) => {
                self.history.iter().chain(self.latest.iter()).find(|l| l.round == r).cloned()
            }
            None => self.history.first().or(self.latest.as_ref()).cloned(),
        };
        let Some(state) = state else { return false };
        let payload = if state.on_chain {
            Payload::Empty
        } else {
            Payload::Tx(Box::new(state.signed.clone()))
        };
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
