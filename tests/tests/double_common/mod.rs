//! Shared helpers of the node double's integration tests: two scripted clients with their
//! keys, and the channel open they all start with.

// Test support: panicking on unexpected node traffic is the point.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use std::time::Duration;

use aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_testkit::double::probe::{co_sign, frame_is, sign_request_tx, Probe};
use aesc_testkit::double::{self, Config, NodeDouble, Role};
use serde_json::{json, Value};

/// Upper bound of every single wait.
pub const T: Duration = Duration::from_secs(5);
pub const NET: &str = "local_iris_testnet";

pub fn config() -> Config {
    Config::new().with_network_id(NET).with_block_interval(Duration::from_millis(20))
}

pub fn spawn() -> NodeDouble {
    double::spawn(config()).expect("spawn")
}

/// One scripted client.
pub struct Client {
    pub p: Probe,
    pub key: SecretKey,
    pub role: Role,
    pub net: NetworkId,
    pub fsm_id: String,
}

impl Client {
    pub fn ak(&self) -> String {
        self.key.public_key().to_string()
    }

    /// The next frame, which must be `method` / `event`.
    pub fn expect(&mut self, method: &str, event: Option<&str>) -> Value {
        match self.p.expect(method, event, T) {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}", self.role.as_str()),
        }
    }

    pub fn info(&mut self, event: &str) -> Value {
        self.expect("channels.info", Some(event))
    }

    /// Waits for a frame matching, skipping others.
    pub fn wait(&mut self, method: &str, event: Option<&str>) -> Value {
        match self.p.wait_for(method, T, |v| frame_is(v, method, event)) {
            Ok(v) => v,
            Err(e) => panic!("{}: {e}", self.role.as_str()),
        }
    }

    /// Nothing arrives for `d`.
    pub fn quiet(&mut self, d: Duration) {
        if let Ok(Some(v)) = self.p.recv(d) {
            panic!("{}: unexpected frame {v}", self.role.as_str());
        }
    }

    pub fn call(&mut self, method: &str, params: Value) {
        self.p.call(method, params, false).expect("send");
    }

    pub fn call_id(&mut self, method: &str, params: Value) -> i64 {
        self.p.call(method, params, true).expect("send").expect("id")
    }

    /// Expects `channels.sign.<tag>`, signs it and replies with `reply`; returns the request.
    pub fn sign(&mut self, tag: &str, reply: &str) -> Value {
        let req = self.expect(&format!("channels.sign.{tag}"), None);
        let tx = sign_request_tx(&req).expect("signed_tx");
        let signed = co_sign(tx, &self.key, &self.net).expect("tx");
        self.call(reply, json!({"signed_tx": signed}));
        req
    }

    /// Like [`Client::sign`] with an id: expects the `ok` result too.
    pub fn sign_id(&mut self, tag: &str, reply: &str) -> Value {
        let req = self.expect(&format!("channels.sign.{tag}"), None);
        let tx = sign_request_tx(&req).expect("signed_tx");
        let signed = co_sign(tx, &self.key, &self.net).expect("tx");
        self.call_id(reply, json!({"signed_tx": signed}));
        let ok = self.expect("result", None);
        assert_eq!(ok["result"], "ok");
        req
    }
}

pub fn open_query(i: &str, r: &str, role: Role, extra: &str) -> String {
    let mut q = format!(
        "protocol=json-rpc&port=12345&initiator_id={i}&responder_id={r}&initiator_amount=70000000000000\
         &responder_amount=40000000000000&push_amount=1&channel_reserve=2&lock_period=10\
         &minimum_depth=2&minimum_depth_strategy=plain&keep_running=false&role={}",
        role.as_str()
    );
    if role == Role::Initiator {
        q.push_str("&host=localhost");
    }
    q.push_str(extra);
    q
}

pub fn connect(node: &NodeDouble, key: SecretKey, role: Role, query: &str) -> Client {
    let url = format!("{}?{query}", node.url());
    let p = Probe::connect(&url, T).expect("connect");
    Client { p, key, role, net: NetworkId::new(NET), fsm_id: String::new() }
}

/// An open channel: both clients past `open` and the first `channels.update`.
pub struct Open {
    pub i: Client,
    pub r: Client,
    pub channel_id: String,
    pub create_tx: String,
}

pub fn open_with(node: &NodeDouble, extra: &str) -> Open {
    let ik = SecretKey::generate().expect("OS randomness");
    let rk = SecretKey::generate().expect("OS randomness");
    let (ia, ra) = (ik.public_key().to_string(), rk.public_key().to_string());
    let mut r = connect(node, rk, Role::Responder, &open_query(&ia, &ra, Role::Responder, extra));
    let up = r.info("fsm_up");
    r.fsm_id = up["params"]["data"]["fsm_id"].as_str().unwrap().to_string();
    let mut i = connect(node, ik, Role::Initiator, &open_query(&ia, &ra, Role::Initiator, extra));
    let up = i.info("fsm_up");
    i.fsm_id = up["params"]["data"]["fsm_id"].as_str().unwrap().to_string();
    r.info("channel_open");
    i.info("channel_accept");
    i.sign_id("initiator_sign", "channels.initiator_sign");
    let created = r.info("funding_created");
    assert_eq!(created["params"]["data"]["fsm_id"], r.fsm_id.as_str());
    let channel_id = created["params"]["channel_id"].as_str().unwrap().to_string();
    r.sign_id("responder_sign", "channels.responder_sign");
    r.expect("channels.on_chain_tx", Some("funding_created"));
    i.info("funding_signed");
    let signed = i.expect("channels.on_chain_tx", Some("funding_signed"));
    let create_tx = signed["params"]["data"]["tx"].as_str().unwrap().to_string();
    for c in [&mut i, &mut r] {
        c.expect("channels.on_chain_tx", Some("channel_changed"));
        c.info("own_funding_locked");
        c.info("funding_locked");
        c.info("open");
        let up = c.expect("channels.update", None);
        assert_eq!(up["params"]["data"]["state"], create_tx.as_str());
    }
    Open { i, r, channel_id, create_tx }
}

pub fn open(node: &NodeDouble) -> Open {
    open_with(node, "")
}

/// The balances the initiator sees, `[initiator, responder]`.
pub fn balances(o: &mut Open) -> (u64, u64) {
    let (ia, ra) = (o.i.ak(), o.r.ak());
    o.i.call_id("channels.get.balances", json!({"accounts": [ia, ra]}));
    let res = o.i.expect("result", None);
    let list = res["result"].as_array().unwrap();
    (list[0]["balance"].as_u64().unwrap(), list[1]["balance"].as_u64().unwrap())
}

/// A transfer from `from` to the other, fully signed.
pub fn transfer(o: &mut Open, from: Role, amount: u64) {
    let (ia, ra) = (o.i.ak(), o.r.ak());
    let (f, t) = if from == Role::Initiator { (ia, ra) } else { (ra, ia) };
    let (s, a) = if from == Role::Initiator { (&mut o.i, &mut o.r) } else { (&mut o.r, &mut o.i) };
    s.call("channels.update.new", json!({"from": f, "to": t, "amount": amount}));
    s.sign("update", "channels.update");
    a.info("update");
    a.sign("update_ack", "channels.update_ack");
    a.expect("channels.update", None);
    s.expect("channels.update", None);
}
