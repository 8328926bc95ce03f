//! The channel FSMs of both participants, kept together in one [`Channel`].
//!
//! The node runs one FSM per participant and the two talk over the noise protocol. The double
//! keeps both in one value: the shared facts (parameters, latest co-signed state, on-chain
//! transactions awaited) once, and per participant what differs (its client socket, fsm id,
//! options, timers, and the operation it started). Operations started by both sides at once
//! are what produces the node's conflicts.
//!
//! Inputs are parsed client requests, socket events, new blocks and clock ticks; outputs are
//! frames pushed to an [`Outbox`]. Nothing here touches a socket, a thread or the clock.

mod alter;
mod open;
mod ops;
mod queries;
mod replies;
mod session;

use std::time::{Duration, Instant};

use aesc_codec::crypto::NetworkId;
use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::Uint;
use serde_json::{json, Value};

use super::chain::Chain;
use super::clock::later;
use super::frames::{self, NodeError};
use super::ids::{ConnId, Role};
use super::ledger::Ledger;
use super::outbox::Outbox;
use super::query::{OpenParams, SideOptions};
use super::request::Request;
use super::txs::{SignedTx, Tx};

pub(crate) use open::check_open;
pub(crate) use ops::OpKind;

/// How long a socket stays open after `died`, so that replies already on their way (as the
/// node's handler still sends them) reach the client.
const DIED_LINGER: Duration = Duration::from_millis(2);
/// How long the socket of an FSM that followed its stopped peer stays open after `died` (a
/// recorded node still answered a request there).
const FOLLOWED_LINGER: Duration = Duration::from_millis(100);

/// Settings of the node the FSMs need.
#[derive(Debug, Clone)]
pub(crate) struct NodeSettings {
    pub network_id: NetworkId,
    pub minimum_depth: Option<u64>,
    pub min_gas_price: Uint,
    pub peer_latency: Duration,
}

/// A source of fresh fsm ids (deterministic per seed, so tests can be reproduced).
#[derive(Debug, Clone)]
pub(crate) struct IdSource {
    seed: [u8; 32],
    counter: u64,
}

impl IdSource {
    pub(crate) fn new(seed: [u8; 32]) -> Self {
        IdSource { seed, counter: 0 }
    }

    /// 32 fresh bytes.
    pub(crate) fn next(&mut self) -> [u8; 32] {
        self.counter = self.counter.wrapping_add(1);
        aesc_codec::hash::blake2b_256_parts(&[&self.seed, &self.counter.to_be_bytes()])
    }
}

/// What an FSM step may touch.
pub(crate) struct Ctx<'a> {
    pub now: Instant,
    pub settings: &'a NodeSettings,
    pub chain: &'a mut Chain,
    pub out: &'a mut Outbox,
    pub ids: &'a mut IdSource,
}

/// One participant's FSM.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub role: Role,
    /// Whether a client ever joined on this side.
    pub present: bool,
    /// Whether the FSM is running.
    pub running: bool,
    pub account: Option<AccountId>,
    pub fsm_id: FsmId,
    pub conn: Option<ConnId>,
    pub opts: Option<SideOptions>,
    pub open: Option<OpenParams>,
    /// The client has signed the create tx (it may disconnect from then on).
    pub signed_create: bool,
    /// The running timer: what it guards and when it fires.
    pub timer: Option<(Timer, Instant)>,
    /// Min-depth progress of the transaction the channel waits for.
    pub own_locked: bool,
    pub peer_locked: bool,
    /// The FSM stops at this time (its peer stopped and it has not noticed yet).
    pub dying_at: Option<Instant>,
    /// The FSM was started by a reestablish that has not completed yet.
    pub fresh: bool,
    /// The FSM was started by a reestablish (as a node's does, an initiator's such FSM
    /// reports no `closed_confirmed` and does not stop after a mutual close).
    pub reestablished: bool,
    /// A client re-attached to this FSM while the channel waited to be reestablished; it is
    /// sent the state once the channel is open again (a node 7.2.2 does so; a client whose
    /// socket stayed connected is not).
    pub reattached: bool,
}

impl Side {
    fn absent(role: Role) -> Self {
        Side {
            role,
            present: false,
            running: false,
            account: None,
            fsm_id: FsmId([0; 32]),
            conn: None,
            opts: None,
            open: None,
            signed_create: false,
            timer: None,
            own_locked: false,
            peer_locked: false,
            dying_at: None,
            fresh: false,
            reestablished: false,
            reattached: false,
        }
    }

    fn reports(&self) -> super::query::Reports {
        self.opts.as_ref().map(|o| o.reports).unwrap_or_default()
    }
}

/// The FSM timers (protocol §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    Accept,
    FundingCreate,
    FundingSign,
    FundingLock,
    Idle,
    Sign,
    AwaitingOpen,
}

/// Where the channel is in its life.
#[derive(Debug, Clone)]
pub(crate) enum Phase {
    /// One client connected to open; waiting for the other.
    AwaitingPeer,
    /// `channels.sign.initiator_sign` sent.
    AwaitingInitiatorSig { tx: Tx, sent: SignedTx },
    /// The initiator signed; `channels.sign.responder_sign` sent.
    AwaitingResponderSig { tx: Tx, sent: SignedTx },
    /// The create tx was pushed; waiting for inclusion and minimum depth.
    AwaitingLocked { hash: [u8; 32], included: Option<u64> },
    /// Open for updates.
    Open,
    /// A solo close or slash is on chain; waiting for the lock period.
    Closing,
    /// A mutual close or a settlement was pushed; the channel closes when it is confirmed.
    Finalizing { fee: Uint, included: Option<u64> },
    /// Both clients left; the channel waits to be reestablished.
    Left,
    /// Closed on chain or abandoned; both FSMs stopped.
    Closed,
}

/// The latest co-signed state.
#[derive(Debug, Clone)]
pub(crate) struct Latest {
    pub signed: SignedTx,
    pub ledger: Ledger,
    pub round: u64,
    pub state_hash: [u8; 32],
    /// Whether the tx of this state is an off-chain update (snapshots need one).
    pub offchain: bool,
    /// Whether this state is known on chain (create, deposit, withdraw, snapshot).
    pub on_chain: bool,
}

/// Both FSMs of one channel.
#[derive(Debug)]
pub(crate) struct Channel {
    pub id: Option<ChannelId>,
    pub port: Option<u64>,
    pub sides: PerRole<Side>,
    pub phase: Phase,
    pub latest: Option<Latest>,
    /// Earlier co-signed states, oldest first.
    pub history: Vec<Latest>,
    /// A snapshot on its way to the chain: who asked, its hash, its inclusion height.
    pub snapshot: Option<(Role, [u8; 32], Option<u64>)>,
    /// Txs whose minimum depth a client assumed: who, hash, type, fee. The real confirmation
    /// is reported later as `minimum_depth_achieved`.
    pub assumed: Vec<(Role, [u8; 32], &'static str, Uint)>,
    pub ops: PerRole<Option<ops::Op>>,
    /// Fee and amounts of the create tx.
    pub create: Option<Tx>,
}

/// One value per participant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PerRole<T> {
    pub initiator: T,
    pub responder: T,
}

impl<T> PerRole<T> {
    pub(crate) fn get(&self, role: Role) -> &T {
        match role {
            Role::Initiator => &self.initiator,
            Role::Responder => &self.responder,
        }
    }

    pub(crate) fn get_mut(&mut self, role: Role) -> &mut T {
        match role {
            Role::Initiator => &mut self.initiator,
            Role::Responder => &mut self.responder,
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        [&self.initiator, &self.responder].into_iter()
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        [&mut self.initiator, &mut self.responder].into_iter()
    }
}

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
        if let Some(reply) = ops::SignReply::from_method(m) {
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
            ops::Stage::InFlight { at } => Some(at),
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
