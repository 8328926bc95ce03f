//! Opening: pairing the two clients, the create tx signed by both, funding on chain and the
//! minimum depth that makes the channel open.

use aesc_codec::id::StateHash;
use aesc_codec::tx::{ChannelCreateTx, Delegates};
use aesc_codec::Uint;
use serde_json::json;

use super::super::chain::{Effect, Pending};
use super::super::frames::{self, DataCode, NodeError};
use super::super::ids::{ConnId, Role};
use super::super::ledger::Ledger;
use super::super::query::{DepthStrategy, OpenParams, Refusal, SideOptions};
use super::super::request::Request;
use super::super::txs::{set_fee, signed_exactly_by, SignedTx, Tx, TxExt};
use super::alter::alter;
use super::state::{Channel, Ctx, Latest, Phase};

/// Checks the open parameters the node checks on connect: participants on chain, amounts not
/// below the reserve.
pub(crate) fn check_open(ctx: &mut Ctx<'_>, params: &OpenParams) -> Result<(), Refusal> {
    let initiator_known = params.initiator.is_none_or(|i| ctx.chain.has_account(&i));
    if !initiator_known || !ctx.chain.has_account(&params.responder) {
        return Err(DataCode::ParticipantNotFound.into());
    }
    let reserve = &params.channel_reserve;
    let pushed = params.initiator_amount.checked_sub(&params.push_amount);
    if &params.initiator_amount < reserve
        || &params.responder_amount < reserve
        || pushed.is_none_or(|p| &p < reserve)
    {
        return Err(DataCode::ValueTooLow.into());
    }
    Ok(())
}

impl Channel {
    /// Whether a client opening with `opts`/`params` is this channel's missing participant.
    pub(crate) fn pairs_with(&self, opts: &SideOptions, params: &OpenParams) -> bool {
        if !matches!(self.phase, Phase::AwaitingPeer) || self.port != opts.port {
            return false;
        }
        let other = self.side(opts.role.other());
        if self.side(opts.role).present || !other.running {
            return false;
        }
        let Some(theirs) = &other.open else { return false };
        let (init, resp) = match opts.role {
            Role::Initiator => (params, theirs),
            Role::Responder => (theirs, params),
        };
        init.responder == resp.responder
            && match (resp.initiator, init.initiator) {
                (None, Some(_)) => true,
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
    }

    /// The second client joins: both FSMs exchange open/accept and the initiator is asked to
    /// sign the create tx.
    pub(crate) fn join(
        &mut self,
        ctx: &mut Ctx<'_>,
        conn: ConnId,
        opts: SideOptions,
        params: OpenParams,
    ) {
        let role = opts.role;
        let side = self.side_mut(role);
        side.present = true;
        side.account = match role {
            Role::Initiator => params.initiator,
            Role::Responder => Some(params.responder),
        };
        side.conn = Some(conn);
        side.opts = Some(opts);
        side.open = Some(params);
        self.start_fsm(ctx, role);
        // A responder accepting any initiator learns it from `channel_open`.
        let init_account = self.side(Role::Initiator).account;
        if self.side(Role::Responder).account.is_some() {
            if let Some(p) = self.side_mut(Role::Responder).open.as_mut() {
                p.initiator = p.initiator.or(init_account);
            }
        }
        self.info(ctx, Role::Responder, "channel_open");
        self.info(ctx, Role::Initiator, "channel_accept");
        let Some(tx) = self.build_create(ctx) else {
            // Amounts that cannot form a state: the FSMs give up.
            self.die(ctx, Role::Initiator);
            self.die(ctx, Role::Responder);
            self.phase = Phase::Closed;
            return;
        };
        let (sent, _) = self.sign_request_tx(ctx, Role::Initiator, "initiator_sign", &tx);
        self.phase = Phase::AwaitingInitiatorSig { tx, sent };
        self.rearm(ctx);
    }

    fn initial_ledger(&self) -> Option<Ledger> {
        let p = self.side(Role::Initiator).open.as_ref()?;
        Ledger::initial(
            self.account(Role::Initiator),
            &p.initiator_amount,
            self.account(Role::Responder),
            &p.responder_amount,
            &p.push_amount,
        )
    }

    fn build_create(&mut self, ctx: &mut Ctx<'_>) -> Option<Tx> {
        let p = self.side(Role::Initiator).open.clone()?;
        let ledger = self.initial_ledger()?;
        let initiator = self.account(Role::Initiator);
        let nonce = p.nonce.unwrap_or_else(|| ctx.chain.next_nonce(&initiator));
        let mut tx = Tx::ChannelCreate(ChannelCreateTx {
            initiator_id: initiator,
            initiator_amount: p.initiator_amount.clone(),
            responder_id: self.account(Role::Responder),
            responder_amount: p.responder_amount.clone(),
            channel_reserve: p.channel_reserve.clone(),
            lock_period: p.lock_period,
            ttl: 0,
            fee: Uint::zero(),
            delegates: Delegates::none(),
            state_hash: StateHash(ledger.state_hash()),
            nonce,
        });
        set_fee(&mut tx, p.fee.as_ref(), p.gas_price.as_ref(), &ctx.settings.min_gas_price);
        self.create = Some(tx.clone());
        Some(tx)
    }

    /// Sends `channels.sign.<tag>` for `tx` (altered if a fault switch says so) and returns
    /// what was sent and whether it was altered.
    pub(crate) fn sign_request_tx(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        tag: &str,
        tx: &Tx,
    ) -> (SignedTx, bool) {
        let method = format!("channels.sign.{tag}");
        let altered = ctx.out.faults.take_alteration(role, &method);
        let sent = match altered {
            Some(how) => SignedTx::unsigned(alter(tx, &json!([]), how, None).tx),
            None => SignedTx::unsigned(tx.clone()),
        };
        let frame = frames::sign_request(self.id.as_ref(), tag, &sent.to_api_string(), json!([]));
        self.send(ctx, role, &frame);
        (sent, altered.is_some())
    }

    /// `channels.initiator_sign` / `channels.responder_sign`.
    pub(crate) fn on_create_signed(&mut self, ctx: &mut Ctx<'_>, role: Role, signed: SignedTx) {
        let network = ctx.settings.network_id.clone();
        match (&self.phase, role) {
            (Phase::AwaitingInitiatorSig { tx, sent }, Role::Initiator) => {
                let initiator = self.account(Role::Initiator);
                if sent.tx != *tx && signed.tx == sent.tx {
                    self.signed_altered(ctx, role, "channels.sign.initiator_sign");
                }
                if signed.tx != *tx || !signed_exactly_by(&signed, &network, &[initiator]) {
                    let frame = frames::channel_error(self.id.as_ref(), "bad_signature");
                    self.send(ctx, role, &frame);
                    return;
                }
                let tx = tx.clone();
                let Tx::ChannelCreate(create) = &tx else { return };
                self.id = Some(create.channel_id());
                self.side_mut(Role::Initiator).signed_create = true;
                let fsm_id = self.side(Role::Responder).fsm_id;
                let frame = frames::info(
                    self.id.as_ref(),
                    "funding_created",
                    &[("fsm_id", json!(fsm_id.to_string()))],
                );
                self.send(ctx, Role::Responder, &frame);
                let method = "channels.sign.responder_sign";
                let inner = match ctx.out.faults.take_alteration(Role::Responder, method) {
                    Some(how) => alter(&tx, &json!([]), how, None).tx,
                    None => tx.clone(),
                };
                let sent = SignedTx { signatures: signed.signatures.clone(), tx: inner };
                let frame = frames::sign_request(
                    self.id.as_ref(),
                    "responder_sign",
                    &sent.to_api_string(),
                    json!([]),
                );
                self.send(ctx, Role::Responder, &frame);
                self.phase = Phase::AwaitingResponderSig { tx, sent };
            }
            (Phase::AwaitingResponderSig { tx, sent }, Role::Responder) => {
                let both = [self.account(Role::Initiator), self.account(Role::Responder)];
                if sent.tx != *tx && signed.tx == sent.tx {
                    self.signed_altered(ctx, role, "channels.sign.responder_sign");
                }
                if signed.tx != *tx || !signed_exactly_by(&signed, &network, &both) {
                    let frame = frames::channel_error(self.id.as_ref(), "bad_signature");
                    self.send(ctx, role, &frame);
                    return;
                }
                let tx = tx.clone();
                self.side_mut(Role::Responder).signed_create = true;
                self.funding_signed(ctx, &tx, signed);
            }
            _ => {}
        }
    }

    fn signed_altered(&self, ctx: &mut Ctx<'_>, role: Role, method: &str) {
        ctx.out.observe(super::super::outbox::Observation::SignedAlteredTx {
            role,
            method: method.into(),
        });
    }

    fn funding_signed(&mut self, ctx: &mut Ctx<'_>, tx: &Tx, signed: SignedTx) {
        let Some(ledger) = self.initial_ledger() else { return };
        let Some(id) = self.id else { return };
        let api = signed.to_api_string();
        let chan = Some(&id);
        self.send(
            ctx,
            Role::Responder,
            &frames::on_chain_tx(chan, "funding_created", &api, tx.type_name()),
        );
        let fsm_id = self.side(Role::Initiator).fsm_id;
        let funding_signed =
            frames::info(chan, "funding_signed", &[("fsm_id", json!(fsm_id.to_string()))]);
        self.send(ctx, Role::Initiator, &funding_signed);
        self.send(
            ctx,
            Role::Initiator,
            &frames::on_chain_tx(chan, "funding_signed", &api, tx.type_name()),
        );
        let Tx::ChannelCreate(c) = tx else { return };
        let hash = signed.hash().0;
        ctx.chain.push(Pending {
            hash,
            signed: signed.clone(),
            channel: id,
            payer: c.initiator_id,
            fee: c.fee.clone(),
            effect: Effect::Create {
                initiator: c.initiator_id,
                responder: c.responder_id,
                initiator_amount: c.initiator_amount.clone(),
                responder_amount: c.responder_amount.clone(),
                lock_period: c.lock_period,
                round: 1,
                state_hash: c.state_hash.0,
            },
            not_before: 0,
        });
        self.latest = Some(Latest {
            signed,
            ledger,
            round: 1,
            state_hash: c.state_hash.0,
            offchain: false,
            on_chain: true,
        });
        for s in self.sides.iter_mut() {
            s.own_locked = false;
            s.peer_locked = false;
        }
        self.phase = Phase::AwaitingLocked { hash, included: None };
    }

    /// The minimum depth `role`'s FSM waits for a tx with `fee`.
    pub(crate) fn min_depth(&self, ctx: &Ctx<'_>, role: Role, fee: &Uint) -> u64 {
        if let Some(forced) = ctx.settings.minimum_depth {
            return forced.max(1);
        }
        let own = self.side(role).opts.as_ref();
        // An initiator without its own settings adopts the responder's.
        let peer = self.side(role.other()).opts.as_ref();
        let (strategy, depth) = match own {
            Some(o) if o.strategy.is_some() || o.minimum_depth.is_some() => {
                (o.strategy, o.minimum_depth)
            }
            _ => peer.map_or((None, None), |o| (o.strategy, o.minimum_depth)),
        };
        match strategy.unwrap_or(DepthStrategy::TxFee) {
            DepthStrategy::Plain => depth.unwrap_or(3).max(1),
            DepthStrategy::TxFee => {
                let factor = depth.unwrap_or(10);
                if factor == 0 {
                    return 1;
                }
                let fee = fee.to_u128().map_or(f64::MAX, |f| f as f64);
                let gp = ctx.settings.min_gas_price.to_u128().map_or(1.0, |g| g as f64).max(1.0);
                let d = (fee / gp).powf(1.0 / factor as f64).ceil();
                if d.is_finite() && d >= 1.0 {
                    d.min(1_000_000.0) as u64
                } else {
                    1
                }
            }
        }
    }

    /// A block arrived while funding: report inclusion and the minimum depth reached.
    pub(crate) fn funding_block(&mut self, ctx: &mut Ctx<'_>, height: u64) {
        let Phase::AwaitingLocked { hash, included } = self.phase.clone() else { return };
        let included = match included.or_else(|| ctx.chain.inclusion_height(&hash)) {
            Some(h) => h,
            None => return,
        };
        if let Phase::AwaitingLocked { included: inc @ None, .. } = &mut self.phase {
            *inc = Some(included);
            let api = self.latest.as_ref().map(|l| l.signed.to_api_string()).unwrap_or_default();
            for role in [Role::Initiator, Role::Responder] {
                let frame = frames::on_chain_tx(
                    self.id.as_ref(),
                    "channel_changed",
                    &api,
                    "channel_create_tx",
                );
                self.send(ctx, role, &frame);
            }
        }
        let fee = self.create.as_ref().map(TxExt::fee).unwrap_or_default();
        let depth = height.saturating_sub(included).saturating_add(1);
        self.funding_progress(ctx, Some(depth), &fee);
    }

    fn funding_progress(&mut self, ctx: &mut Ctx<'_>, depth: Option<u64>, fee: &Uint) {
        if self.locking_step(ctx, depth, fee, "own_funding_locked", "funding_locked") {
            self.phase = Phase::Open;
            for role in [Role::Initiator, Role::Responder] {
                self.info(ctx, role, "open");
                self.send_update(ctx, role);
            }
        }
    }

    /// One step of a minimum-depth wait (a new block at `depth`, or none after an assumed
    /// depth): `own_event` to each side whose depth is reached, `peer_event` once the other side
    /// has reported. Returns true when both are done.
    pub(crate) fn locking_step(
        &mut self,
        ctx: &mut Ctx<'_>,
        depth: Option<u64>,
        fee: &Uint,
        own_event: &str,
        peer_event: &str,
    ) -> bool {
        for role in [Role::Initiator, Role::Responder] {
            let reached = depth.is_some_and(|d| d >= self.min_depth(ctx, role, fee));
            if !self.side(role).own_locked && reached {
                self.side_mut(role).own_locked = true;
                self.info(ctx, role, own_event);
            }
        }
        // The peer's confirmation is reported once the own one is (the FSM holds it until then).
        for role in [Role::Initiator, Role::Responder] {
            let both = self.side(role).own_locked && self.side(role.other()).own_locked;
            if both && !self.side(role).peer_locked {
                self.side_mut(role).peer_locked = true;
                self.info(ctx, role, peer_event);
            }
        }
        let done = self.sides.iter().all(|s| s.own_locked && s.peer_locked);
        if done {
            for s in self.sides.iter_mut() {
                s.own_locked = false;
                s.peer_locked = false;
            }
        }
        done
    }

    /// `channels.assume_minimum_depth {tx_hash}`: the funding tx counts as confirmed for this
    /// side; its real confirmation is reported later as `minimum_depth_achieved`.
    pub(crate) fn assume_minimum_depth(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let Some(text) = req.params.get("tx_hash").and_then(|v| v.as_str()) else {
            return self.reply_err(
                ctx,
                role,
                req,
                &NodeError::rpc(frames::RpcCode::MethodNotFound),
            );
        };
        // A malformed hash gets no reply at all from the node.
        let Ok(hash) = text.parse::<aesc_codec::id::TxHash>() else { return };
        let Phase::AwaitingLocked { hash: awaited, .. } = self.phase else {
            return self.reply_err(ctx, role, req, &NodeError::rpc(frames::RpcCode::InternalError));
        };
        if awaited != hash.0 {
            return self.reply_err(ctx, role, req, &NodeError::rpc(frames::RpcCode::InternalError));
        }
        self.reply_ok(ctx, role, req);
        let fee = self.create.as_ref().map(TxExt::fee).unwrap_or_default();
        if !self.side(role).own_locked {
            self.side_mut(role).own_locked = true;
            self.info(ctx, role, "own_funding_locked");
            self.assumed.push((role, awaited, "channel_create_tx", fee.clone()));
        }
        self.funding_progress(ctx, None, &fee);
    }
}
