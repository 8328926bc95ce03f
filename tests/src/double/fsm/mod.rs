//! The channel FSMs of both participants, kept together in one [`Channel`].
//!
//! The node runs one FSM per participant and the two talk over the noise protocol. The double
//! keeps both in one value: the shared facts (parameters, latest co-signed state, on-chain
//! transactions awaited) once, and per participant what differs (its client socket, fsm id,
//! options, timers, and the operation it started). Operations started by both sides at once
//! are what produces the node's conflicts.
//!
//! Inputs are parsed client requests, socket events, new blocks and clock ticks; outputs are
//! frames pushed to an [`Outbox`](super::outbox::Outbox). Nothing here touches a socket, a
//! thread or the clock.
//!
//! The values the FSMs keep are in `state`. This module routes requests and runs the timers;
//! `open`, `ops`, `replies`, `session` and `queries` each add the `impl Channel` of one part of
//! the protocol, and `alter` applies the fault switches that alter sign requests.

mod alter;
mod open;
mod ops;
mod queries;
mod replies;
mod session;
mod state;

use std::time::{Duration, Instant};

use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::Uint;
use serde_json::{json, Value};

use super::clock::later;
use super::frames::{self, NodeError};
use super::ids::{ConnId, Role};
use super::query::{OpenParams, SideOptions};
use super::request::Request;

pub(crate) use open::check_open;
pub(crate) use state::{Channel, Ctx, IdSource, NodeSettings};
use state::{OpKind, PerRole, Phase, Side, SignReply, Stage, Timer};

/// How long a socket stays open after `died`, so that replies already on their way (as the
/// node's handler still sends them) reach the client.
const DIED_LINGER: Duration = Duration::from_millis(2);
/// How long the socket of an FSM that followed its stopped peer stays open after `died` (a
/// recorded node still answered a request there).
const FOLLOWED_LINGER: Duration = Duration::from_millis(100);

impl Channel {
    /// A channel with one side that connected to open it.
    pub(crate) fn new_open(
        ctx: &mut Ctx<'_>,
        conn: ConnId,
        opts: SideOptions,
        params: OpenParams,
    ) -> Self {
        let role = opts.role;
        let mut ch = Channel {
            id: None,
            port: opts.port,
            sides: PerRole {
                initiator: Side::absent(Role::Initiator),
                responder: Side::absent(Role::Responder),
            },
            phase: Phase::AwaitingPeer,
            latest: None,
            history: Vec::new(),
            snapshot: None,
            assumed: Vec::new(),
            ops: PerRole::default(),
            create: None,
        };
        let account = match role {
            Role::Initiator => params.initiator,
            Role::Responder => Some(params.responder),
        };
        let side = ch.side_mut(role);
        side.present = true;
        side.running = true;
        side.account = account;
        side.conn = Some(conn);
        side.opts = Some(opts);
        side.open = Some(params);
        ch.start_fsm(ctx, role);
        ch.rearm(ctx);
        ch
    }

    pub(crate) fn side(&self, role: Role) -> &Side {
        self.sides.get(role)
    }

    pub(crate) fn side_mut(&mut self, role: Role) -> &mut Side {
        self.sides.get_mut(role)
    }

    /// The account of `role` (known once both joined).
    pub(crate) fn account(&self, role: Role) -> AccountId {
        self.side(role).account.unwrap_or(AccountId([0; 32]))
    }

    /// Issues a fresh fsm id to `role` and reports `fsm_up`.
    fn start_fsm(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        let fsm_id = FsmId(ctx.ids.next());
        self.side_mut(role).fsm_id = fsm_id;
        self.side_mut(role).running = true;
        self.report_fsm_up(ctx, role);
    }

    fn report_fsm_up(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        let fsm_id = self.side(role).fsm_id;
        let frame =
            frames::info(self.id.as_ref(), "fsm_up", &[("fsm_id", json!(fsm_id.to_string()))]);
        self.send(ctx, role, &frame);
    }

    /// Sends `frame` to `role`'s client, if one is attached.
    pub(crate) fn send(&self, ctx: &mut Ctx<'_>, role: Role, frame: &Value) {
        let side = self.side(role);
        if let Some(conn) = side.conn {
            ctx.out.frame(ctx.now, conn, role, &side.reports(), frame);
        }
    }

    /// Sends `frame` to `role`'s client after the latency between the FSMs: what `role`'s FSM
    /// learns from its peer reaches its client that much after the peer's client.
    pub(crate) fn send_via_peer(&self, ctx: &mut Ctx<'_>, role: Role, frame: &Value) {
        let side = self.side(role);
        if let Some(conn) = side.conn {
            let latency = ctx.settings.peer_latency;
            ctx.out.frame_after(ctx.now, latency, conn, role, &side.reports(), frame);
        }
    }

    pub(crate) fn info(&self, ctx: &mut Ctx<'_>, role: Role, event: &str) {
        self.send(ctx, role, &frames::info(self.id.as_ref(), event, &[]));
    }

    pub(crate) fn reply_ok(&self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        if let Some(id) = &req.id {
            self.send(ctx, role, &frames::result(self.id.as_ref(), id, json!("ok")));
        }
    }

    pub(crate) fn reply(&self, ctx: &mut Ctx<'_>, role: Role, req: &Request, result: Value) {
        if let Some(id) = &req.id {
            self.send(ctx, role, &frames::result(self.id.as_ref(), id, result));
        }
    }

    pub(crate) fn reply_err(&self, ctx: &mut Ctx<'_>, role: Role, req: &Request, err: &NodeError) {
        let frame = frames::error(self.id.as_ref(), &req.id_or_null(), err, req.raw.clone());
        self.send(ctx, role, &frame);
    }

    /// The state update notification with the latest co-signed state.
    pub(crate) fn send_update(&self, ctx: &mut Ctx<'_>, role: Role) {
        if let Some(frame) = self.update_frame() {
            self.send(ctx, role, &frame);
        }
    }

    fn update_frame(&self) -> Option<Value> {
        self.latest.as_ref().map(|latest| {
            frames::notification(
                "channels.update",
                self.id.as_ref(),
                json!({"state": latest.signed.to_api_string()}),
            )
        })
    }

    /// [`Channel::send_update`] through the peer's FSM.
    pub(crate) fn send_update_via_peer(&self, ctx: &mut Ctx<'_>, role: Role) {
        if let Some(frame) = self.update_frame() {
            self.send_via_peer(ctx, role, &frame);
        }
    }

    /// Stops `role`'s FSM: `died`, then the socket closes (code 1000) a moment later.
    pub(crate) fn die(&mut self, ctx: &mut Ctx<'_>, role: Role) {
        self.die_after(ctx, role, DIED_LINGER);
    }

    /// [`Channel::die`] with the socket closing `linger` after `died`.
    fn die_after(&mut self, ctx: &mut Ctx<'_>, role: Role, linger: Duration) {
        if !self.side(role).running {
            return;
        }
        self.info(ctx, role, "died");
        let side = self.side_mut(role);
        side.running = false;
        side.timer = None;
        side.dying_at = None;
        if let Some(conn) = side.conn.take() {
            ctx.out.close_at(later(ctx.now, linger), conn);
        }
        *self.ops.get_mut(role) = None;
    }

    /// Whether nothing of the channel is left to run or to reestablish.
    pub(crate) fn finished(&self) -> bool {
        let none_running = self.sides.iter().all(|s| !s.running);
        match self.phase {
            Phase::Closed => none_running,
            Phase::Left => false,
            // A channel that never reached the chain is forgotten when its FSMs stop.
            Phase::AwaitingPeer
            | Phase::AwaitingInitiatorSig { .. }
            | Phase::AwaitingResponderSig { .. } => none_running,
            _ => false,
        }
    }

    /// Handles a request from `role`'s client.
    pub(crate) fn on_request(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        if !self.side(role).running {
            // The FSM is gone; the handler still answers what it answers itself.
            if req.method == "channels.system" {
                self.system(ctx, role, req);
            }
            return;
        }
        self.dispatch(ctx, role, req);
        self.rearm(ctx);
    }

    fn dispatch(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let m = req.method.as_str();
        if m == "channels.system" {
            return self.system(ctx, role, req);
        }
        if let Some(reply) = SignReply::from_method(m) {
            return self.on_sign_reply(ctx, role, req, reply);
        }
        if self.in_handshake() {
            return self.reply_err(ctx, role, req, &NodeError::data(frames::DataCode::NotReady));
        }
        self.touch();
        match m {
            "channels.update.new" => self.request_update(ctx, role, req),
            "channels.deposit" => self.request_deposit_withdraw(ctx, role, req, true),
            "channels.withdraw" => self.request_deposit_withdraw(ctx, role, req, false),
            "channels.shutdown" => self.request_shutdown(ctx, role, req),
            "channels.close_solo" => self.request_solo(ctx, role, req, OpKind::CloseSolo),
            "channels.slash" => self.request_solo(ctx, role, req, OpKind::Slash),
            "channels.settle" => self.request_solo(ctx, role, req, OpKind::Settle),
            "channels.snapshot_solo" => self.request_solo(ctx, role, req, OpKind::Snapshot),
            "channels.leave" => self.request_leave(ctx, role, req),
            "channels.message" => self.message(ctx, role, req),
            "channels.get.balances" => self.get_balances(ctx, role, req),
            "channels.get.offchain_state" => self.get_offchain_state(ctx, role, req),
            "channels.get.poi" => self.get_poi(ctx, role, req),
            "channels.assume_minimum_depth" => self.assume_minimum_depth(ctx, role, req),
            "channels.update.new_contract"
            | "channels.update.call_contract"
            | "channels.dry_run.call_contract"
            | "channels.get.contract"
            | "channels.get.contract_call"
            | "channels.clean_contract_calls"
            | "channels.force_progress"
            | "channels.history.fetch" => self.unsupported(ctx, role, req),
            _ => self.reply_err(ctx, role, req, &NodeError::rpc(frames::RpcCode::MethodNotFound)),
        }
    }

    /// The handshake states where requests get "Not ready".
    fn in_handshake(&self) -> bool {
        matches!(
            self.phase,
            Phase::AwaitingPeer
                | Phase::AwaitingInitiatorSig { .. }
                | Phase::AwaitingResponderSig { .. }
        )
    }

    /// Resets the running timers of both sides (any FSM event does, as in the node).
    fn touch(&mut self) {
        for s in self.sides.iter_mut() {
            s.timer = None;
        }
    }

    /// Puts the timer each side should run now in place, keeping running ones.
    pub(crate) fn rearm(&mut self, ctx: &Ctx<'_>) {
        for role in [Role::Initiator, Role::Responder] {
            let wanted = self.timer_for(role);
            let side = self.sides.get_mut(role);
            let Some(opts) = &side.opts else { continue };
            match wanted {
                None => side.timer = None,
                Some(kind) if side.running => {
                    if side.timer.map(|(k, _)| k) != Some(kind) {
                        let t = &opts.timeouts;
                        let dur = match kind {
                            Timer::Accept => t.accept,
                            Timer::FundingCreate => t.funding_create,
                            Timer::FundingSign => t.funding_sign,
                            Timer::FundingLock => t.funding_lock,
                            Timer::Idle => t.idle,
                            Timer::Sign => t.sign,
                            Timer::AwaitingOpen => t.awaiting_open,
                        };
                        side.timer = Some((kind, later(ctx.now, dur)));
                    }
                }
                Some(_) => side.timer = None,
            }
        }
    }

    fn timer_for(&self, role: Role) -> Option<Timer> {
        if let Some(t) = self.op_timer(role) {
            return Some(t);
        }
        match &self.phase {
            Phase::AwaitingPeer => Some(match role {
                Role::Initiator => Timer::Accept,
                Role::Responder => Timer::AwaitingOpen,
            }),
            Phase::AwaitingInitiatorSig { .. } => Some(match role {
                Role::Initiator => Timer::Sign,
                Role::Responder => Timer::FundingCreate,
            }),
            Phase::AwaitingResponderSig { .. } => Some(match role {
                Role::Initiator => Timer::FundingSign,
                Role::Responder => Timer::Sign,
            }),
            Phase::AwaitingLocked { .. } => Some(Timer::FundingLock),
            Phase::Finalizing { .. } => Some(Timer::FundingLock),
            Phase::Open | Phase::Closing => Some(Timer::Idle),
            Phase::Left | Phase::Closed => None,
        }
    }

    /// The earliest running timer, pending death or message between the FSMs.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        let timers = self.sides.iter().filter_map(|s| s.timer.map(|(_, t)| t));
        let deaths = self.sides.iter().filter_map(|s| s.dying_at);
        let messages = self.ops.iter().flatten().filter_map(|op| match op.stage {
            Stage::InFlight { at } => Some(at),
            _ => None,
        });
        timers.chain(deaths).chain(messages).min()
    }

    /// Fires timers, deaths and messages between the FSMs that are due.
    pub(crate) fn on_tick(&mut self, ctx: &mut Ctx<'_>) {
        self.deliver_due(ctx);
        for role in [Role::Initiator, Role::Responder] {
            if self.side(role).dying_at.is_some_and(|t| t <= ctx.now) {
                self.die_after(ctx, role, FOLLOWED_LINGER);
                self.after_stop();
            }
        }
        for role in [Role::Initiator, Role::Responder] {
            let side = self.side(role);
            let due = match side.timer {
                Some((kind, at)) if at <= ctx.now && side.running && side.dying_at.is_none() => {
                    Some(kind)
                }
                _ => None,
            };
            if let Some(kind) = due {
                self.side_mut(role).timer = None;
                self.on_timeout(ctx, role, kind);
            }
        }
        self.rearm(ctx);
    }

    /// The node's "channel id" for frames: known once the create tx is signed.
    pub(crate) fn channel_id(&self) -> Option<ChannelId> {
        self.id
    }

    /// Moves `role`'s client to another socket (reconnect), closing the previous one.
    pub(crate) fn attach(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        conn: ConnId,
        opts: SideOptions,
    ) {
        let side = self.side_mut(role);
        if let Some(old) = side.conn.replace(conn) {
            ctx.out.close(ctx.now, old);
        }
        let keep = side.opts.as_ref().map(|o| (o.timeouts, o.minimum_depth, o.strategy, o.port));
        let mut opts = opts;
        if let Some((timeouts, depth, strategy, port)) = keep {
            // The FSM keeps the options it was started with; the new socket brings its
            // reporting preferences.
            opts.timeouts = timeouts;
            opts.minimum_depth = depth;
            opts.strategy = strategy;
            opts.port = port;
        }
        side.opts = Some(opts);
    }

    /// The client of `role` is gone.
    pub(crate) fn detach(&mut self, ctx: &mut Ctx<'_>, conn: ConnId) {
        let Some(role) = self.sides.iter().find(|s| s.conn == Some(conn)).map(|s| s.role) else {
            return;
        };
        self.side_mut(role).conn = None;
        self.on_client_gone(ctx, role);
        self.rearm(ctx);
    }

    /// The participant account a JSON field names, as a role.
    pub(crate) fn role_of_account(&self, account: &AccountId) -> Option<Role> {
        [Role::Initiator, Role::Responder]
            .into_iter()
            .find(|r| self.side(*r).account == Some(*account))
    }

    /// The channel reserve.
    pub(crate) fn reserve(&self) -> Uint {
        self.side(Role::Initiator)
            .open
            .as_ref()
            .map(|p| p.channel_reserve.clone())
            .unwrap_or_default()
    }

    /// The `ttl` of FSM-built on-chain txs of `role`.
    pub(crate) fn ttl(&self, role: Role) -> u64 {
        self.side(role).opts.as_ref().and_then(|o| o.ttl).unwrap_or(0)
    }
}
