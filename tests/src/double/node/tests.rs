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
        assert_eq!(keys(&to_r), ["channels.info funding_created", "channels.sign.responder_sign"]);
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
    let out = s.send(
        R,
        json!({"jsonrpc": "2.0", "method": "channels.update_ack", "params": {"signed_tx": signed}}),
    );
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
    s.send(I, json!({"jsonrpc": "2.0", "method": "channels.update", "params": {"signed_tx": si}}));
    s.now += Duration::from_millis(20);
    s.send(R, json!({"jsonrpc": "2.0", "method": "channels.update", "params": {"signed_tx": sr}}));
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
