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
mod tests {
    //! The node driven directly: no sockets, no threads, time given by the test.

    use std::time::Duration;

    use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
    use aesc_codec::tx::SignedTx;
    use serde_json::{json, Value};

    use super::*;

    const I: ConnId = ConnId(1);
    const R: ConnId = ConnId(2);

    struct Script {
        node: Node,
        now: Instant,
        ik: SecretKey,
        rk: SecretKey,
        net: NetworkId,
    }

    #[test]
    fn an_idle_node_wakes_up_in_the_future_at_most_a_block_later() {
        let t0 = Instant::now();
        let config = Config::new().with_block_interval(Duration::from_millis(100));
        let mut node = Node::new(&config, t0, [0; 32]);
        let mut now = t0;
        for _ in 0..5 {
            let next = node.next_wakeup();
            assert!(next > now && next <= now + Duration::from_millis(100));
            now = next;
            node.tick(now);
        }
        // A clock far ahead (a stalled hub) is caught up in one tick, not spun through.
        now += Duration::from_secs(3600);
        node.tick(now);
        assert!(node.next_wakeup() > now);
    }

    fn frames_to(outputs: &[Output], conn: ConnId) -> Vec<Value> {
        outputs
            .iter()
            .filter_map(|o| match o {
                Output::Text(c, t) if *c == conn => serde_json::from_str(t).ok(),
                _ => None,
            })
            .collect()
    }

    fn keys(frames: &[Value]) -> Vec<String> {
        frames
            .iter()
            .map(|f| {
                let (m, e) = frames::frame_key(f);
                e.map_or(m.clone(), |e| format!("{m} {e}"))
            })
            .collect()
    }

    impl Script {
        fn new() -> Self {
            let config = Config::new()
                .with_network_id("ae_dev")
                .with_block_interval(Duration::from_secs(1))
                .with_minimum_depth(1)
                .with_peer_latency(Duration::from_millis(50));
            let now = Instant::now();
            Script {
                node: Node::new(&config, now, [7; 32]),
                now,
                ik: SecretKey::from_seed(&[1; 32]),
                rk: SecretKey::from_seed(&[2; 32]),
                net: NetworkId::new("ae_dev"),
            }
        }

        fn query(&self, role: &str) -> String {
            format!(
                "protocol=json-rpc&role={role}&host=h&port=1&initiator_id={}&responder_id={}\
                 &initiator_amount=100&responder_amount=100&push_amount=0&channel_reserve=1\
                 &lock_period=1",
                self.ik.public_key(),
                self.rk.public_key()
            )
        }

        fn input(&mut self, input: Input) -> Vec<Output> {
            self.node.handle(self.now, input)
        }

        fn send(&mut self, conn: ConnId, v: Value) -> Vec<Output> {
            self.input(Input::Frame { conn, text: v.to_string() })
        }

        fn advance(&mut self, by: Duration) -> Vec<Output> {
            self.now += by;
            self.node.tick(self.now)
        }

        fn sign(&self, request: &Value, key: &SecretKey) -> String {
            let tx = request["params"]["data"]["signed_tx"].as_str().unwrap();
            let mut signed = SignedTx::from_api_str(tx).unwrap();
            signed.sign(key, &self.net, SignatureForm::Raw);
            signed.to_api_string()
        }

        /// Opens the channel; returns when both sides are open.
        fn open(&mut self) {
            let q = self.query("responder");
            self.input(Input::Connected { conn: R, query: q });
            let q = self.query("initiator");
            let out = self.input(Input::Connected { conn: I, query: q });
            let to_i = frames_to(&out, I);
            assert_eq!(
                keys(&to_i),
                [
                    "channels.info fsm_up",
                    "channels.info channel_accept",
                    "channels.sign.initiator_sign"
                ]
            );
            let signed = self.sign(&to_i[2], &self.ik.clone());
            let out = self.send(I, json!({"jsonrpc": "2.0", "method": "channels.initiator_sign", "params": {"signed_tx": signed}}));
            let to_r = frames_to(&out, R);
            assert_eq!(
                keys(&to_r),
                ["channels.info funding_created", "channels.sign.responder_sign"]
            );
            let signed = self.sign(&to_r[1], &self.rk.clone());
            self.send(R, json!({"jsonrpc": "2.0", "method": "channels.responder_sign", "params": {"signed_tx": signed}}));
            let out = self.advance(Duration::from_secs(1));
            for conn in [I, R] {
                assert_eq!(
                    keys(&frames_to(&out, conn)),
                    [
                        "channels.on_chain_tx channel_changed",
                        "channels.info own_funding_locked",
                        "channels.info funding_locked",
                        "channels.info open",
                        "channels.update"
                    ]
                );
            }
        }

        fn transfer_request(&mut self, conn: ConnId, amount: u64) -> Value {
            let (from, to) = if conn == I { (&self.ik, &self.rk) } else { (&self.rk, &self.ik) };
            let params = json!({"from": from.public_key().to_string(), "to": to.public_key().to_string(), "amount": amount});
            let out = self.send(
                conn,
                json!({"jsonrpc": "2.0", "method": "channels.update.new", "params": params}),
            );
            let f = frames_to(&out, conn);
            assert_eq!(keys(&f), ["channels.sign.update"]);
            f[0].clone()
        }
    }

    #[test]
    fn open_and_update_with_peer_latency() {
        let mut s = Script::new();
        s.open();
        let req = s.transfer_request(I, 10);
        let signed = s.sign(&req, &s.ik.clone());
        let out = s.send(
            I,
            json!({"jsonrpc": "2.0", "method": "channels.update", "params": {"signed_tx": signed}}),
        );
        assert!(frames_to(&out, R).is_empty(), "the update is still on its way to the peer's FSM");
        let out = s.advance(Duration::from_millis(60));
        let to_r = frames_to(&out, R);
        assert_eq!(keys(&to_r), ["channels.info update", "channels.sign.update_ack"]);
        let signed = s.sign(&to_r[1], &s.rk.clone());
        let out = s.send(R, json!({"jsonrpc": "2.0", "method": "channels.update_ack", "params": {"signed_tx": signed}}));
        assert_eq!(keys(&frames_to(&out, R)), ["channels.update"]);
        assert!(frames_to(&out, I).is_empty(), "the starter hears through the peer's FSM");
        let out = s.advance(Duration::from_millis(60));
        assert_eq!(keys(&frames_to(&out, I)), ["channels.update"]);
    }

    #[test]
    fn updates_signed_within_the_latency_conflict() {
        let mut s = Script::new();
        s.open();
        let ri = s.transfer_request(I, 1);
        let rr = s.transfer_request(R, 1);
        let si = s.sign(&ri, &s.ik.clone());
        let sr = s.sign(&rr, &s.rk.clone());
        s.send(
            I,
            json!({"jsonrpc": "2.0", "method": "channels.update", "params": {"signed_tx": si}}),
        );
        s.now += Duration::from_millis(20);
        s.send(
            R,
            json!({"jsonrpc": "2.0", "method": "channels.update", "params": {"signed_tx": sr}}),
        );
        // The responder's FSM finds its own update in progress; the initiator hears of the
        // conflict through it, a latency later.
        let mut out = s.advance(Duration::from_millis(40));
        assert_eq!(keys(&frames_to(&out, R)), ["channels.conflict"]);
        assert!(frames_to(&out, I).is_empty());
        out.extend(s.advance(Duration::from_millis(60)));
        for conn in [I, R] {
            let f = frames_to(&out, conn);
            assert_eq!(keys(&f), ["channels.conflict"], "{conn:?}");
            assert_eq!(f[0]["params"]["data"]["round"], 1);
        }
    }

    #[test]
    fn a_stop_takes_the_peer_down_a_latency_later() {
        let mut s = Script::new();
        s.open();
        let out = s.send(R, json!({"jsonrpc": "2.0", "method": "channels.system", "params": {"action": "stop"}, "id": 1}));
        assert_eq!(keys(&frames_to(&out, R)), ["result", "channels.info died"]);
        assert!(frames_to(&out, I).is_empty());
        // The initiator asks to stop before it noticed: `died` comes before its reply.
        let out = s.send(I, json!({"jsonrpc": "2.0", "method": "channels.system", "params": {"action": "stop"}, "id": 2}));
        assert_eq!(keys(&frames_to(&out, I)), ["channels.info died", "result"]);
        let out = s.advance(Duration::from_millis(200));
        assert!(out.iter().any(|o| matches!(o, Output::Close(c) if *c == I)));
        assert!(out.iter().any(|o| matches!(o, Output::Close(c) if *c == R)));
    }
}
