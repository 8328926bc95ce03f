//! The node: sockets, channels and the chain, driven by inputs and the clock. Pure: it only
//! returns the frames to send and the sockets to close.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use aesc_codec::id::ChannelId;

use super::chain::Chain;
use super::clock::later;
use super::config::Config;
use super::faults::{Fault, Faults};
use super::frames;
use super::fsm::{Channel, Ctx, IdSource, NodeSettings};
use super::ids::{ConnId, Role};
use super::outbox::{Observation, Outbox, Output};
use super::query::{self, Connect, Refusal};
use super::request;

/// How long a refused connection stays open for its client to close it.
const REFUSED_GRACE: Duration = Duration::from_secs(5);

/// What the node reacts to.
#[derive(Debug, Clone)]
pub(crate) enum Input {
    /// A client completed the WebSocket handshake with this query string.
    Connected { conn: ConnId, query: String },
    /// A text frame from a client.
    Frame { conn: ConnId, text: String },
    /// A client socket is gone.
    Disconnected { conn: ConnId },
    /// A request of the test harness.
    Control(Control),
}

/// Requests of the test harness (through [`super::NodeDouble`]).
#[derive(Debug, Clone)]
pub(crate) enum Control {
    AddFault(Fault),
    ClearFaults,
    MineBlocks(u64),
    InjectStaleClose { channel: Option<ChannelId>, from: Role, round: Option<u64> },
}

/// A snapshot of what the node knows, for tests.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// Chain height.
    pub height: u64,
    /// Channels known, with a short description of their phase.
    pub channels: Vec<(Option<ChannelId>, String)>,
    /// Sockets currently open.
    pub connections: usize,
}

#[derive(Debug, Clone, Copy)]
enum ConnState {
    /// Handshake done; not yet bound to a channel (refused ones stay here until closed).
    Unbound,
    /// The socket of `role`'s client of channel `key`.
    Bound(u64, Role),
}

/// The node double's state.
#[derive(Debug)]
pub(crate) struct Node {
    settings: NodeSettings,
    chain: Chain,
    out: Outbox,
    ids: IdSource,
    conns: HashMap<ConnId, ConnState>,
    channels: BTreeMap<u64, Channel>,
    next_key: u64,
}

impl Node {
    pub(crate) fn new(config: &Config, now: Instant, seed: [u8; 32]) -> Self {
        let auto = config.auto_fund.then(|| config.auto_fund_balance.clone());
        Node {
            settings: NodeSettings {
                network_id: config.network_id.clone(),
                minimum_depth: config.minimum_depth,
                min_gas_price: config.min_gas_price.into(),
                peer_latency: config.peer_latency,
            },
            chain: Chain::new(now, config.block_interval, &config.accounts, auto),
            out: Outbox::new(Faults::new(&config.faults)),
            ids: IdSource::new(seed),
            conns: HashMap::new(),
            channels: BTreeMap::new(),
            next_key: 1,
        }
    }

    /// Handles one input and whatever the clock made due; returns the outputs.
    pub(crate) fn handle(&mut self, now: Instant, input: Input) -> Vec<Output> {
        match input {
            Input::Connected { conn, query } => self.on_connect(now, conn, &query),
            Input::Frame { conn, text } => self.on_frame(now, conn, &text),
            Input::Disconnected { conn } => self.on_disconnect(now, conn),
            Input::Control(c) => self.on_control(now, c),
        }
        self.tick(now)
    }

    /// Advances the chain and the timers to `now`; returns the outputs.
    pub(crate) fn tick(&mut self, now: Instant) -> Vec<Output> {
        for (height, included) in self.chain.advance(now) {
            self.for_channels(now, |ch, ctx| ch.on_block(ctx, height, &included));
        }
        self.for_channels(now, |ch, ctx| {
            if ch.next_deadline().is_some_and(|t| t <= now) {
                ch.on_tick(ctx);
            }
        });
        self.channels.retain(|_, ch| !ch.finished());
        self.out.release(now);
        self.out.take()
    }

    /// When the node next needs the clock: the earliest of the next block (always set, at
    /// most a block interval away, so an idle node still has a bounded, future wake-up), the
    /// channels' timers and the delayed frames.
    pub(crate) fn next_wakeup(&self) -> Instant {
        let mut t = self.chain.next_block_at();
        for ch in self.channels.values() {
            if let Some(d) = ch.next_deadline() {
                t = t.min(d);
            }
        }
        if let Some(d) = self.out.next_due() {
            t = t.min(d);
        }
        t
    }

    /// Observations collected since the last call.
    pub(crate) fn take_observations(&mut self) -> Vec<Observation> {
        self.out.take_observations()
    }

    /// What the node knows, for tests.
    pub(crate) fn status(&self) -> Status {
        Status {
            height: self.chain.height(),
            channels: self
                .channels
                .values()
                .map(|c| (c.channel_id(), format!("{:?}", phase_name(c))))
                .collect(),
            connections: self.conns.len(),
        }
    }

    fn ctx(&mut self, now: Instant) -> (Ctx<'_>, &mut BTreeMap<u64, Channel>) {
        (
            Ctx {
                now,
                settings: &self.settings,
                chain: &mut self.chain,
                out: &mut self.out,
                ids: &mut self.ids,
            },
            &mut self.channels,
        )
    }

    fn for_channels(&mut self, now: Instant, mut f: impl FnMut(&mut Channel, &mut Ctx<'_>)) {
        let (mut ctx, channels) = self.ctx(now);
        for ch in channels.values_mut() {
            f(ch, &mut ctx);
        }
    }

    fn refuse(&mut self, now: Instant, conn: ConnId, refusal: &Refusal) {
        match refusal {
            Refusal::Error(err) => {
                // A node leaves closing to the client after a refusal; a client that does
                // not close is cut off after a grace period.
                self.out.raw(conn, frames::connect_error(err).to_string());
                self.out.close_at(later(now, REFUSED_GRACE), conn);
            }
            _ => self.out.close(now, conn),
        }
    }

    fn on_connect(&mut self, now: Instant, conn: ConnId, query: &str) {
        self.conns.insert(conn, ConnState::Unbound);
        let parsed = match query::parse(query) {
            Ok(p) => p,
            Err(r) => return self.refuse(now, conn, &r),
        };
        match parsed {
            Connect::Open { side, params } => {
                let role = side.role;
                let key = self.next_key;
                let (mut ctx, channels) = self.ctx(now);
                if let Err(r) = super::fsm::check_open(&mut ctx, &params) {
                    return self.refuse(now, conn, &r);
                }
                let found =
                    channels.iter().find(|(_, ch)| ch.pairs_with(&side, &params)).map(|(k, _)| *k);
                let key = match found.and_then(|k| channels.get_mut(&k).map(|c| (k, c))) {
                    Some((k, ch)) => {
                        ch.join(&mut ctx, conn, side, params);
                        k
                    }
                    None => {
                        let ch = Channel::new_open(&mut ctx, conn, side, params);
                        channels.insert(key, ch);
                        self.next_key += 1;
                        key
                    }
                };
                self.conns.insert(conn, ConnState::Bound(key, role));
            }
            Connect::Existing { side, channel, fsm_id } => {
                let role = side.role;
                let (mut ctx, channels) = self.ctx(now);
                let found = channels
                    .iter()
                    .find(|(_, ch)| ch.channel_id() == Some(channel))
                    .map(|(k, _)| *k);
                let result = match found.and_then(|k| channels.get_mut(&k).map(|c| (k, c))) {
                    Some((key, ch)) => {
                        ch.connect_existing(&mut ctx, conn, side, fsm_id).map(|()| key)
                    }
                    None => Err(Refusal::Silent),
                };
                match result {
                    Ok(key) => {
                        self.conns.insert(conn, ConnState::Bound(key, role));
                    }
                    Err(r) => self.refuse(now, conn, &r),
                }
            }
        }
    }

    fn on_frame(&mut self, now: Instant, conn: ConnId, text: &str) {
        let Some(ConnState::Bound(key, role)) = self.conns.get(&conn).copied() else { return };
        let requests = request::parse_frame(text);
        let (mut ctx, channels) = self.ctx(now);
        let Some(ch) = channels.get_mut(&key) else { return };
        let current = ch.side(role).conn == Some(conn);
        for req in &requests {
            if current {
                ch.on_request(&mut ctx, role, req);
            } else if !ch.side(role).running && req.method == "channels.system" {
                // The FSM of this socket is gone; the handler still answers pings and stops.
                let channel = ch.channel_id();
                let reply = match (req.params.get("action").and_then(|a| a.as_str()), &req.id) {
                    (Some("ping"), Some(id)) => Some(frames::result(channel.as_ref(), id, pong())),
                    (Some("ping"), None) => {
                        Some(frames::notification("channels.system.pong", channel.as_ref(), pong()))
                    }
                    (Some("stop"), Some(id)) => {
                        Some(frames::result(channel.as_ref(), id, serde_json::json!("ok")))
                    }
                    _ => None,
                };
                if let Some(frame) = reply {
                    ctx.out.raw(conn, frame.to_string());
                }
            }
        }
    }

    fn on_disconnect(&mut self, now: Instant, conn: ConnId) {
        self.out.forget(conn);
        let Some(state) = self.conns.remove(&conn) else { return };
        if let ConnState::Bound(key, _) = state {
            let (mut ctx, channels) = self.ctx(now);
            if let Some(ch) = channels.get_mut(&key) {
                ch.detach(&mut ctx, conn);
            }
        }
    }

    fn on_control(&mut self, now: Instant, control: Control) {
        match control {
            Control::AddFault(f) => self.out.faults.add(f),
            Control::ClearFaults => self.out.faults.clear(),
            Control::MineBlocks(n) => {
                for _ in 0..n.min(10_000) {
                    let (height, included) = self.chain.mine();
                    self.for_channels(now, |ch, ctx| ch.on_block(ctx, height, &included));
                }
            }
            Control::InjectStaleClose { channel, from, round } => {
                self.for_channels(now, |ch, ctx| {
                    if ch.channel_id().is_some()
                        && (channel.is_none() || ch.channel_id() == channel)
                    {
                        ch.inject_stale_close(ctx, from, round);
                    }
                });
            }
        }
    }
}

fn pong() -> serde_json::Value {
    serde_json::json!({"action": "system", "tag": "pong"})
}

fn phase_name(ch: &Channel) -> String {
    let text = format!("{:?}", ch.phase);
    text.split([' ', '{', '(']).next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests;
