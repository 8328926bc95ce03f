//! Replays the client side of a recorded session against a node double and compares what the
//! double sends with what the node sent.
//!
//! The client actions of the recording (connects, requests, signing replies, closes) are
//! replayed in order with freshly generated keys standing in for the recorded accounts:
//! account ids, channel ids and fsm ids are mapped to the double's as they appear, and every
//! signing reply is re-signed over the transaction the double asked to sign (with as many
//! signatures as the recorded reply carried). Before each action the replayer waits until
//! every connection has received as many frames as the recording shows before that action.
//! The double's chain is mined on demand: when the replayer waits for a frame only a new block
//! can bring (inclusion, minimum depth), it mines one; when it waits for `can_slash`, it puts
//! a stale solo close on chain, as the recorded test did through the node's HTTP API.
//!
//! The comparison is per connection, on the sequence of `(direction, method, event)` — ids,
//! keys, signatures, hashes and amounts are ignored — because frames on different sockets have
//! no order the node guarantees.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_codec::tx::SignedTx;
use serde_json::Value;

use super::probe::Probe;
use super::{Config, NodeDouble, Role};
use crate::recording::{self, Direction, Recording, Step};

/// One entry of a per-connection frame sequence.
pub type Key = String;

/// The comparison key of a frame: `-> method[ abort]` for client frames, and for node frames
/// the method with the `event`/`info` of notifications, `result`, or `error code/data`.
pub fn frame_key(dir: Direction, v: &Value) -> Key {
    let method = v.get("method").and_then(Value::as_str);
    match dir {
        Direction::ToNode => {
            let abort = v.get("params").and_then(|p| p.get("error")).is_some();
            format!("-> {}{}", method.unwrap_or("?"), if abort { " abort" } else { "" })
        }
        Direction::FromNode => match method {
            Some(m) => {
                let data = v.get("params").and_then(|p| p.get("data"));
                match data
                    .and_then(|d| d.get("event").or_else(|| d.get("info")))
                    .and_then(Value::as_str)
                {
                    Some(e) if m == "channels.info" || m == "channels.on_chain_tx" => {
                        format!("<- {m} {e}")
                    }
                    _ => format!("<- {m}"),
                }
            }
            None => match v.get("error") {
                Some(e) => {
                    let data: Vec<String> = e
                        .get("data")
                        .and_then(Value::as_array)
                        .map(|d| {
                            d.iter()
                                .map(|x| x.get("code").map(|c| c.to_string()).unwrap_or_default())
                                .collect()
                        })
                        .unwrap_or_default();
                    format!(
                        "<- error {} {}",
                        e.get("code").map(|c| c.to_string()).unwrap_or_default(),
                        data.join(",")
                    )
                }
                None => "<- result".into(),
            },
        },
    }
}

/// What the replay found for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnReport {
    /// Whose connection (in order of opening).
    pub role: Role,
    /// Recorded keys.
    pub expected: Vec<Key>,
    /// Keys seen with the double.
    pub observed: Vec<Key>,
}

impl ConnReport {
    /// Whether both sequences are equal.
    pub fn matches(&self) -> bool {
        self.expected == self.observed
    }

    /// Whether the sequences hold the same frames in another order (a race between frames the
    /// node does not order, rather than a missing or extra frame).
    pub fn same_frames(&self) -> bool {
        let mut a = self.expected.clone();
        let mut b = self.observed.clone();
        a.sort();
        b.sort();
        a == b
    }

    /// The first index where they differ, with both keys there.
    pub fn first_difference(&self) -> Option<(usize, Option<&Key>, Option<&Key>)> {
        let n = self.expected.len().max(self.observed.len());
        (0..n)
            .find(|i| self.expected.get(*i) != self.observed.get(*i))
            .map(|i| (i, self.expected.get(i), self.observed.get(i)))
    }
}

/// The result of replaying one recording.
#[derive(Debug, Clone)]
pub struct Report {
    /// The recording.
    pub name: String,
    /// Per connection, in order of opening.
    pub connections: Vec<ConnReport>,
    /// Waits that ended without the expected frames, with the step they preceded.
    pub stalls: Vec<String>,
    /// Why the replay could not run at all.
    pub error: Option<String>,
}

impl Report {
    /// Whether every connection matched and nothing failed.
    pub fn matches(&self) -> bool {
        self.error.is_none() && self.connections.iter().all(ConnReport::matches)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.error {
            return write!(f, "{}: not replayed: {e}", self.name);
        }
        let status = if self.matches() {
            "MATCH"
        } else if self.connections.iter().all(ConnReport::same_frames) {
            "ORDER"
        } else {
            "DIFFER"
        };
        write!(f, "{status} {}", self.name)?;
        for (i, c) in self.connections.iter().enumerate() {
            if let Some((at, exp, got)) = c.first_difference() {
                write!(
                    f,
                    "\n  conn {i} ({}{}): {} recorded / {} seen; first difference at {at}: recorded {:?}, seen {:?}",
                    c.role.as_str(),
                    if c.same_frames() { ", same frames in another order" } else { "" },
                    c.expected.len(),
                    c.observed.len(),
                    exp.map(String::as_str).unwrap_or("(end)"),
                    got.map(String::as_str).unwrap_or("(end)"),
                )?;
            }
        }
        for s in &self.stalls {
            write!(f, "\n  stall: {s}")?;
        }
        Ok(())
    }
}

/// One recorded action or expectation, attributed to a connection.
#[derive(Debug, Clone)]
enum Action {
    Connect { conn: usize, role: Role, url: String },
    Close { conn: usize },
    Send { conn: usize, json: Value },
    Expect { conn: usize, json: Value },
}

fn to_role(r: recording::Role) -> Role {
    match r {
        recording::Role::Initiator => Role::Initiator,
        recording::Role::Responder => Role::Responder,
    }
}

fn channel_of(v: &Value) -> Option<&str> {
    v.get("params")
        .and_then(|p| p.get("channel_id"))
        .or_else(|| v.get("channel_id"))
        .and_then(Value::as_str)
}

fn is_died(v: &Value) -> bool {
    v.get("params").and_then(|p| p.get("data")).and_then(|d| d.get("event")).and_then(Value::as_str)
        == Some("died")
}

/// What the attribution knows of a recorded connection.
#[derive(Debug, Clone)]
struct Recorded {
    role: Role,
    open: bool,
    channel: Option<String>,
    died: bool,
}

/// Attributes the steps to connections (a role may have several sockets open at once: the
/// recording then tells them apart by channel id, and sockets whose FSM died close first).
fn attribute(steps: &[Step]) -> (Vec<Action>, Vec<Role>) {
    let mut actions = Vec::new();
    let mut conns: Vec<Recorded> = Vec::new();
    for step in steps {
        match step {
            Step::Connect { role, url } => {
                let conn = conns.len();
                conns.push(Recorded {
                    role: to_role(*role),
                    open: true,
                    channel: None,
                    died: false,
                });
                actions.push(Action::Connect { conn, role: to_role(*role), url: url.clone() });
            }
            Step::Close { role } => {
                let role = to_role(*role);
                let mine: Vec<usize> = (0..conns.len())
                    .filter(|c| conns.get(*c).is_some_and(|r| r.open && r.role == role))
                    .collect();
                let died = |c: &usize| conns.get(*c).is_some_and(|r| r.died);
                let pick = mine.iter().copied().find(died).or_else(|| mine.last().copied());
                if let Some(r) = pick.and_then(|c| conns.get_mut(c)) {
                    r.open = false;
                }
                if let Some(conn) = pick {
                    actions.push(Action::Close { conn });
                }
            }
            Step::Frame { role, direction, json, .. } => {
                let role = to_role(*role);
                let mine: Vec<usize> = (0..conns.len())
                    .filter(|c| conns.get(*c).is_some_and(|r| r.open && r.role == role))
                    .collect();
                let Some(&latest) = mine.last() else { continue };
                let channel = |c: &usize| conns.get(*c).and_then(|r| r.channel.clone());
                let conn = match direction {
                    Direction::ToNode => mine
                        .iter()
                        .rev()
                        .copied()
                        .find(|c| conns.get(*c).is_some_and(|r| !r.died))
                        .unwrap_or(latest),
                    Direction::FromNode => match channel_of(json) {
                        _ if mine.len() == 1 => latest,
                        Some(cid) => mine
                            .iter()
                            .copied()
                            .find(|c| channel(c).as_deref() == Some(cid))
                            .or_else(|| mine.iter().rev().copied().find(|c| channel(c).is_none()))
                            .unwrap_or(latest),
                        None => latest,
                    },
                };
                if let Some(r) = conns.get_mut(conn) {
                    if let (Some(cid), None) = (channel_of(json), &r.channel) {
                        r.channel = Some(cid.to_string());
                    }
                    if *direction == Direction::FromNode && is_died(json) {
                        r.died = true;
                    }
                }
                actions.push(match direction {
                    Direction::ToNode => Action::Send { conn, json: json.clone() },
                    Direction::FromNode => Action::Expect { conn, json: json.clone() },
                });
            }
            Step::Note { .. } => {}
        }
    }
    (actions, conns.into_iter().map(|r| r.role).collect())
}

/// The group set-up of a corpus file that never opens a connection itself:
/// `init_per_group.md` in its directory or an ancestor; failing that (a group whose set-up was
/// not recorded), the first set-up of a sibling group found going up.
fn group_setup(path: &Path) -> Option<PathBuf> {
    let ancestors: Vec<&Path> = path.ancestors().skip(1).take(3).collect();
    if let Some(p) = ancestors.iter().map(|d| d.join("init_per_group.md")).find(|p| p.is_file()) {
        return Some(p);
    }
    ancestors.iter().find_map(|d| {
        let mut found: Vec<PathBuf> = std::fs::read_dir(d)
            .ok()?
            .flatten()
            .map(|e| e.path().join("init_per_group.md"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.into_iter().next()
    })
}

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

/// Replays the recording at `path` (with its group set-up first when it needs one).
pub fn replay_file(path: &Path, options: &Options) -> Report {
    let name = path.display().to_string();
    let fail = |e: String| Report {
        name: name.clone(),
        connections: Vec::new(),
        stalls: Vec::new(),
        error: Some(e),
    };
    let rec = match Recording::from_file(path) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let mut steps = Vec::new();
    let mut foreign = false;
    if rec.connects().next().is_none() {
        match group_setup(path).map(Recording::from_file) {
            Some(Ok(group)) => {
                // A file recorded in another run than the set-up names other accounts.
                let named = rec.accounts();
                foreign = group.participants().is_some_and(|p| {
                    !named.contains(&p.initiator) && !named.contains(&p.responder)
                });
                steps.extend(group.steps);
            }
            Some(Err(e)) => return fail(format!("group set-up: {e}")),
            None => return fail("no connection and no group set-up".into()),
        }
    }
    steps.extend(rec.steps.iter().cloned());
    let mut opts = options.clone();
    if steps.iter().any(|s| matches!(s, Step::Connect { url, .. } if url.contains("timeout_"))) {
        opts.patience = opts.patience.max(Duration::from_secs(5));
    }
    replay_steps_with(&name, rec.network_id(), &steps, &opts, foreign)
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
    map: HashMap<String, String>,
    conns: Vec<Conn>,
    expected: Vec<Vec<Value>>,
    stalls: Vec<String>,
    options: Options,
    started: Instant,
    /// The recording names accounts its connect URLs do not: map them from transfers.
    foreign: bool,
}

/// Replays already parsed steps.
pub fn replay_steps(name: &str, network: &str, steps: &[Step], options: &Options) -> Report {
    replay_steps_with(name, network, steps, options, false)
}

fn replay_steps_with(
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
    let node = match super::spawn(config) {
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
        map: HashMap::new(),
        conns: Vec::new(),
        expected: vec![Vec::new(); roles.len()],
        stalls: Vec::new(),
        options: options.clone(),
        started: Instant::now(),
        foreign,
    };
    r.map_accounts(steps);
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

fn expected_keys(actions: &[Action], conn: usize) -> Vec<Key> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { conn: c, json } if *c == conn => {
                Some(frame_key(Direction::ToNode, json))
            }
            Action::Expect { conn: c, json } if *c == conn => {
                Some(frame_key(Direction::FromNode, json))
            }
            _ => None,
        })
        .collect()
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
    /// Maps the recorded participants to the generated keys: the first usable key named as
    /// `initiator_id` / `responder_id` (recordings of refused opens also name unusable ones,
    /// which stay as they are).
    fn map_accounts(&mut self, steps: &[Step]) {
        for step in steps {
            let Step::Connect { url, .. } = step else { continue };
            for (role, key) in
                [(Role::Initiator, "initiator_id"), (Role::Responder, "responder_id")]
            {
                let ours = self.keys.of(role).public_key().to_string();
                if self.map.values().any(|v| *v == ours) {
                    continue;
                }
                let Some(recorded) = recording::query_param(url, key) else { continue };
                let usable = recorded
                    .parse::<aesc_codec::id::AccountId>()
                    .ok()
                    .and_then(|a| ed25519_dalek::VerifyingKey::from_bytes(a.as_bytes()).ok())
                    .is_some_and(|k| !k.is_weak());
                if usable && !self.map.contains_key(&recorded) {
                    self.map.insert(recorded, ours);
                }
            }
        }
    }

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
        walk_pairs(&expected, got, &mut |rec, ours| {
            if (rec.starts_with("ch_") || rec.starts_with("ba_")) && rec != ours {
                self.map.entry(rec.to_string()).or_insert_with(|| ours.to_string());
            }
            // Transactions: their hashes are what clients name (`assume_minimum_depth`).
            if let (Ok(a), Ok(b)) = (SignedTx::from_api_str(rec), SignedTx::from_api_str(ours)) {
                self.map.entry(a.hash().to_string()).or_insert_with(|| b.hash().to_string());
            }
        });
    }

    fn act(&mut self, action: &Action) {
        match action {
            Action::Connect { conn, role, url } => {
                let query = url.split_once('?').map_or("", |(_, q)| q);
                let mapped = map_query(query, &self.map);
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
                let mut out = map_json(json, &self.map);
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
        if !self.foreign
            || json.get("method").and_then(Value::as_str) != Some("channels.update.new")
        {
            return;
        }
        let params = json.get("params");
        let field =
            |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_string);
        let (Some(from), Some(to)) = (field("from"), field("to")) else { return };
        let known = |a: &str| self.map.contains_key(a) || self.map.values().any(|v| v == a);
        let parses = |a: &str| a.parse::<aesc_codec::id::AccountId>().is_ok();
        if from == to || known(&from) || known(&to) || !parses(&from) || !parses(&to) {
            return;
        }
        for (recorded, who) in [(from, role), (to, role.other())] {
            let ours = self.keys.of(who).public_key().to_string();
            self.map.insert(recorded, ours);
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
        let Some(tx) = last_request.and_then(super::probe::sign_request_tx) else { return };
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

fn describe(a: Option<&Action>) -> String {
    match a {
        Some(Action::Connect { role, .. }) => format!("{} connects", role.as_str()),
        Some(Action::Close { conn }) => format!("conn {conn} closes"),
        Some(Action::Send { conn, json }) => {
            format!("conn {conn} sends {}", frame_key(Direction::ToNode, json))
        }
        Some(Action::Expect { .. }) => "expect".into(),
        None => "end".into(),
    }
}

fn walk_pairs<'a>(a: &'a Value, b: &'a Value, f: &mut impl FnMut(&'a str, &'a str)) {
    match (a, b) {
        (Value::String(x), Value::String(y)) => f(x, y),
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                if let Some(w) = y.get(k) {
                    walk_pairs(v, w, f);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (v, w) in x.iter().zip(y) {
                walk_pairs(v, w, f);
            }
        }
        _ => {}
    }
}

fn map_json(v: &Value, map: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(map.get(s).cloned().unwrap_or_else(|| s.clone())),
        Value::Array(a) => Value::Array(a.iter().map(|x| map_json(x, map)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), map_json(x, map))).collect())
        }
        other => other.clone(),
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The recorded query with mapped values, re-encoded.
fn map_query(query: &str, map: &HashMap<String, String>) -> String {
    recording::query_pairs(&format!("?{query}"))
        .into_iter()
        .map(|(k, v)| {
            let v = map.get(&v).cloned().unwrap_or(v);
            format!("{}={}", percent_encode(&k), percent_encode(&v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys() {
        let info = json!({"method": "channels.info", "params": {"data": {"event": "open"}}});
        assert_eq!(frame_key(Direction::FromNode, &info), "<- channels.info open");
        let err = json!({"error": {"code": 3, "data": [{"code": 1016}]}});
        assert_eq!(frame_key(Direction::FromNode, &err), "<- error 3 1016");
        let abort = json!({"method": "channels.update", "params": {"error": 4}});
        assert_eq!(frame_key(Direction::ToNode, &abort), "-> channels.update abort");
    }

    #[test]
    fn queries_are_mapped_and_reencoded() {
        let map = HashMap::from([("ak_a".to_string(), "ak_b".to_string())]);
        let q = map_query("initiator_id=ak_a&existing_fsm_id=ba_%2Bx%3D&role=initiator", &map);
        assert_eq!(q, "initiator_id=ak_b&existing_fsm_id=ba_%2Bx%3D&role=initiator");
    }
}
