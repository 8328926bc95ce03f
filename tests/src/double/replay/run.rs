//! Running a replay: the double, the generated keys, one probe per recorded socket, and the
//! waits before each client action (mining a block or putting a stale close on chain when
//! only that brings the frame waited for).

use std::time::{Duration, Instant};

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_codec::tx::SignedTx;
use serde_json::Value;

use super::attribute::{attribute, describe, expected_keys, Action};
use super::id_map::IdMap;
use super::report::{frame_key, ConnReport, Key, Report};
use crate::double::probe::{self, Probe};
use crate::double::{self, Config, NodeDouble, Role};
use crate::recording::{Direction, Step};

/// Options of a replay.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long to wait without any new frame before a wait is given up.
    pub patience: Duration,
    /// Upper bound of one whole replay.
    pub budget: Duration,
    /// The double's latency between the two FSMs ([`Config::peer_latency`]).
    pub peer_latency: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            patience: Duration::from_millis(1500),
            budget: Duration::from_secs(90),
            peer_latency: Duration::from_millis(150),
        }
    }
}

struct Conn {
    probe: Option<Probe>,
    role: Role,
    seen: Vec<Value>,
}

/// The generated keys standing in for the recorded participants.
struct Keys {
    initiator: SecretKey,
    responder: SecretKey,
}

impl Keys {
    fn of(&self, role: Role) -> &SecretKey {
        match role {
            Role::Initiator => &self.initiator,
            Role::Responder => &self.responder,
        }
    }
}

struct Replayer {
    node: NodeDouble,
    network: NetworkId,
    keys: Keys,
    map: IdMap,
    conns: Vec<Conn>,
    expected: Vec<Vec<Value>>,
    stalls: Vec<String>,
    options: Options,
    started: Instant,
    /// The recording names accounts its connect URLs do not: map them from transfers.
    foreign: bool,
}

/// Replays `steps`; `foreign`: the steps name accounts their connect URLs do not.
pub(super) fn replay_steps_with(
    name: &str,
    network: &str,
    steps: &[Step],
    options: &Options,
    foreign: bool,
) -> Report {
    let (actions, roles) = attribute(steps);
    // Blocks come only when the replay asks for them; the FSMs talk to each other with a
    // latency long enough for the replayer to send what the recorded clients sent meanwhile.
    let config = Config::new()
        .with_network_id(network)
        .with_block_interval(Duration::from_secs(3600))
        .with_peer_latency(options.peer_latency);
    let node = match double::spawn(config) {
        Ok(n) => n,
        Err(e) => {
            return Report {
                name: name.into(),
                connections: Vec::new(),
                stalls: Vec::new(),
                error: Some(e.to_string()),
            };
        }
    };
    let keys = match (SecretKey::generate(), SecretKey::generate()) {
        (Ok(initiator), Ok(responder)) => Keys { initiator, responder },
        (Err(e), _) | (_, Err(e)) => {
            return Report {
                name: name.into(),
                connections: Vec::new(),
                stalls: Vec::new(),
                error: Some(e.to_string()),
            };
        }
    };
    let mut r = Replayer {
        node,
        network: NetworkId::new(network),
        keys,
        map: IdMap::default(),
        conns: Vec::new(),
        expected: vec![Vec::new(); roles.len()],
        stalls: Vec::new(),
        options: options.clone(),
        started: Instant::now(),
        foreign,
    };
    let keys = &r.keys;
    r.map.map_participants(steps, |role| keys.of(role).public_key().to_string());
    let mut pending: Vec<usize> = vec![0; roles.len()];
    for (i, action) in actions.iter().enumerate() {
        if r.started.elapsed() > r.options.budget {
            r.stalls.push(format!("budget exhausted before step {i}"));
            break;
        }
        match action {
            Action::Expect { conn, json } => {
                if let Some(e) = r.expected.get_mut(*conn) {
                    e.push(json.clone());
                }
                if let Some(p) = pending.get_mut(*conn) {
                    *p += 1;
                }
            }
            other => {
                r.wait(&pending, &actions, i);
                r.act(other);
            }
        }
    }
    r.wait(&pending, &actions, actions.len());
    r.drain(Duration::from_millis(300));
    let connections = r
        .conns
        .iter()
        .enumerate()
        .map(|(c, conn)| ConnReport {
            role: conn.role,
            expected: expected_keys(&actions, c),
            observed: conn.seen.iter().map(observed_key).collect(),
        })
        .collect();
    Report { name: name.into(), connections, stalls: r.stalls, error: None }
}

/// Frames the replayer sent are logged with a `"sent"` marker.
fn observed_key(v: &Value) -> Key {
    match v.get("__sent") {
        Some(sent) => frame_key(Direction::ToNode, sent),
        None => frame_key(Direction::FromNode, v),
    }
}

/// Frames that only a new block brings.
fn needs_block(v: &Value) -> bool {
    let key = frame_key(Direction::FromNode, v);
    [
        "channels.on_chain_tx channel_changed",
        "channels.on_chain_tx channel_closed",
        "channels.on_chain_tx solo_closing",
        "channels.info own_funding_locked",
        "channels.info funding_locked",
        "channels.info open",
        "channels.info own_deposit_locked",
        "channels.info deposit_locked",
        "channels.info own_withdraw_locked",
        "channels.info withdraw_locked",
        "channels.info closed_confirmed",
        "channels.info min_depth_achieved",
        "channels.info minimum_depth_achieved",
        "channels.info closing",
    ]
    .iter()
    .any(|k| key == format!("<- {k}"))
}

impl Replayer {
    /// Waits until each connection has the frames expected before action `index`.
    fn wait(&mut self, pending: &[usize], actions: &[Action], index: usize) {
        let mut last_progress = Instant::now();
        let mut mined = 0u32;
        let mut injected = false;
        loop {
            // Read only while something is still missing: a recorded client that sent without
            // waiting had not read what arrived meanwhile either.
            let missing = self.first_missing(pending);
            if missing.is_none() {
                return;
            }
            let mut progress = false;
            for c in 0..self.conns.len() {
                // Only what the recording shows before this step, one frame at a time.
                while self.received(c) < pending.get(c).copied().unwrap_or(0) {
                    let Some(v) = self.poll(c) else { break };
                    self.learn(c, &v);
                    if let Some(conn) = self.conns.get_mut(c) {
                        conn.seen.push(v);
                    }
                    progress = true;
                }
            }
            if progress {
                last_progress = Instant::now();
                continue;
            }
            let Some(next) = missing else { return };
            // Quiet for longer than a message between the FSMs takes: nothing else is coming
            // without a block.
            let idle = last_progress.elapsed();
            if idle < Duration::from_millis(120).max(self.options.peer_latency * 2) {
                continue;
            }
            let next = next.unwrap_or(Value::Null);
            if frame_key(Direction::FromNode, &next) == "<- channels.on_chain_tx can_slash"
                && !injected
            {
                injected = true;
                self.node.inject_stale_close_solo(None, Role::Responder, None);
                self.node.mine_blocks(1);
                last_progress = Instant::now();
                continue;
            }
            if needs_block(&next) && mined < 40 {
                mined += 1;
                self.node.mine_blocks(1);
                last_progress = Instant::now();
                continue;
            }
            if idle > self.options.patience || self.started.elapsed() > self.options.budget {
                self.stalls.push(format!(
                    "before step {index} ({}): waiting for {}",
                    describe(actions.get(index)),
                    frame_key(Direction::FromNode, &next)
                ));
                return;
            }
        }
    }

    /// The first recorded frame not received yet (on any connection) among those expected
    /// before the current step; `Some(None)` when it is missing but unknown.
    fn first_missing(&self, pending: &[usize]) -> Option<Option<Value>> {
        (0..self.conns.len()).find_map(|c| {
            let received = self.received(c);
            (received < pending.get(c).copied().unwrap_or(0))
                .then(|| self.expected.get(c).and_then(|e| e.get(received)).cloned())
        })
    }

    /// Reads what else arrives within `quiet` (frames the recording does not have); a double
    /// that never falls quiet is read for at most 20 × `quiet`.
    fn drain(&mut self, quiet: Duration) {
        let mut last = Instant::now();
        let give_up = last + quiet.saturating_mul(20);
        while last.elapsed() < quiet && Instant::now() < give_up {
            for c in 0..self.conns.len() {
                while let Some(v) = self.poll(c) {
                    if let Some(conn) = self.conns.get_mut(c) {
                        conn.seen.push(v);
                    }
                    last = Instant::now();
                }
            }
        }
    }

    /// Node frames received on connection `c` so far.
    fn received(&self, c: usize) -> usize {
        self.conns
            .get(c)
            .map_or(0, |conn| conn.seen.iter().filter(|v| v.get("__sent").is_none()).count())
    }

    fn poll(&mut self, c: usize) -> Option<Value> {
        let probe = self.conns.get_mut(c)?.probe.as_mut()?;
        probe.recv(Duration::from_millis(2)).unwrap_or_default()
    }

    /// Maps recorded ids to the double's from a frame and its recorded counterpart.
    fn learn(&mut self, c: usize, got: &Value) {
        let idx = self.received(c);
        let Some(expected) = self.expected.get(c).and_then(|e| e.get(idx)).cloned() else { return };
        if frame_key(Direction::FromNode, &expected) != frame_key(Direction::FromNode, got) {
            return;
        }
        self.map.learn(&expected, got);
    }

    fn act(&mut self, action: &Action) {
        match action {
            Action::Connect { conn, role, url } => {
                let query = url.split_once('?').map_or("", |(_, q)| q);
                let mapped = self.map.query(query);
                let full = format!("{}?{mapped}", self.node.url());
                let probe = Probe::connect(&full, Duration::from_secs(5)).ok();
                while self.conns.len() <= *conn {
                    self.conns.push(Conn { probe: None, role: *role, seen: Vec::new() });
                }
                if let Some(slot) = self.conns.get_mut(*conn) {
                    *slot = Conn { probe, role: *role, seen: Vec::new() };
                }
            }
            Action::Close { conn } => {
                if let Some(p) = self.conns.get_mut(*conn).and_then(|c| c.probe.take()) {
                    p.close();
                }
            }
            Action::Send { conn, json } => {
                let Some(c) = self.conns.get(*conn) else { return };
                let role = c.role;
                self.map_transfer_accounts(role, json);
                let mut out = self.map.json(json);
                self.resign(*conn, role, json, &mut out);
                let sent_marker = serde_json::json!({"__sent": out.clone()});
                if let Some(c) = self.conns.get_mut(*conn) {
                    if let Some(p) = c.probe.as_mut() {
                        let _ = p.send(&out);
                    }
                    c.seen.push(sent_marker);
                }
            }
            Action::Expect { .. } => {}
        }
    }

    /// A transfer between accounts the connect URLs never named (a corpus file recorded in
    /// another run than its group set-up): the sender is `from`, the peer `to`.
    fn map_transfer_accounts(&mut self, role: Role, json: &Value) {
        if self.foreign {
            let keys = &self.keys;
            self.map.map_transfer(json, role, |r| keys.of(r).public_key().to_string());
        }
    }

    /// Replaces a recorded `signed_tx` by the double's last sign request, signed as many times
    /// as the recorded reply was.
    fn resign(&self, conn: usize, role: Role, recorded: &Value, out: &mut Value) {
        let Some(rec_tx) =
            recorded.get("params").and_then(|p| p.get("signed_tx")).and_then(Value::as_str)
        else {
            return;
        };
        let Ok(rec) = SignedTx::from_api_str(rec_tx) else { return };
        let Some(seen) = self.conns.get(conn).map(|c| &c.seen) else { return };
        let last_request = seen.iter().rev().find(|v| {
            v.get("method").and_then(Value::as_str).is_some_and(|m| m.starts_with("channels.sign."))
        });
        let Some(tx) = last_request.and_then(probe::sign_request_tx) else { return };
        let Ok(mut ours) = SignedTx::from_api_str(tx) else { return };
        ours.sign(self.keys.of(role), &self.network, SignatureForm::Raw);
        if ours.signatures.len() < rec.signatures.len() {
            ours.sign(self.keys.of(role.other()), &self.network, SignatureForm::Raw);
        }
        if let Some(p) = out.get_mut("params").and_then(Value::as_object_mut) {
            p.insert("signed_tx".into(), Value::String(ours.to_api_string()));
        }
    }
}
