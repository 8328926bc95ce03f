//! A real æternity node for tests, found through the environment and shared by every test of a
//! process.
//!
//! - `AESC_NODE_URL=ws://HOST:PORT/channel`: a node that is already running (a user's own dev
//!   node). `AESC_NODE_HTTP` gives its HTTP API (default: the same host, port 3013),
//!   `AESC_NODE_NETWORK_ID` its network id (default `ae_dev`) and `AESC_NODE_KEYS` the secret
//!   seeds of its funded accounts, comma-separated hex (default: the ten prefunded accounts of
//!   the dev node in `shared/node`).
//! - `AESC_NODE=DIR`: a folder with `node.sh` (such as `../shared/node`); the node is started
//!   with `DIR/node.sh start` the first time it is needed (a running one is reused).
//!
//! Without either, [`RealNode::get`] returns `None` after printing why, and real-node tests
//! skip themselves; with `AESC_REQUIRE_NODE=1` (set by CI) it panics instead, so that no
//! real-node test is skipped silently.
//!
//! Tests take accounts with [`RealNode::lease`]: a lease holds its accounts (and a peer port
//! of its own) until dropped, so tests running in parallel never share an account's nonces.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_codec::id::AccountId;
use serde_json::Value;

/// Seeds of the accounts the dev node in `shared/node` prefunds (public test keys).
pub const DEV_SEEDS: [&str; 10] = [
    "520239ff5fe4855c4a02b4264ba5a0892dba13510da4512a424496db48410d9f",
    "dd5b4df62c3b39bf0beb2e93da03cf54ae1dc723f2af565d031cbc57db96c1a8",
    "0c7456d89f96b59490723f5b538990aae6ec286c28409e891c86d4036555c250",
    "db27ea74628d7ba94a632b3c4609a0e1e22f04c01552cb28632d4f25b96f9a6f",
    "82f15848f65d27172bf2d9cd2204bfbfcd8e410c83da6006533c3bd2e741f545",
    "460e9a05067a90861248b2958a228d0aa463e4c4a17c59099556319b736a07c5",
    "8dc20ba0e22a1f0e5ff9bbf819734c680aec1c6c2179441883fd6885052d9906",
    "9d63450a4d26fea03b6927be6eeaf27b08233d59156dfaca51b6a433dad6fabe",
    "b8cbb704ce7c5ed274b20333ee4aabdce8c89497a5f3c63ef2f1a26624400187",
    "911c1f61e7eb11d8b3a7995235c0306448571e452eefee30588ae00484fb2575",
];

/// The first peer port a lease hands out (the responder's node listens there). The range
/// stays clear of the node's own ports (3013-3015, 3113, 3213, 3413) and of the ephemeral
/// ports the system hands to outgoing connections (from 32768).
const FIRST_PORT: u16 = 20000;
/// How many peer ports leases cycle through.
const PORTS: u16 = 10000;
/// The next lease's port, counted from [`FIRST_PORT`] (offset by the process id, so that two
/// processes using the node at once do not share ports either).
static NEXT_PORT: AtomicU16 = AtomicU16::new(0);

/// A peer port of its own for a lease: one no earlier lease had and nothing listens on now (an
/// FSM an earlier test left running still listens on its port, and so may another program).
fn free_port() -> u16 {
    let mut port = 0;
    for _ in 0..PORTS {
        port = FIRST_PORT + NEXT_PORT.fetch_add(1, Ordering::Relaxed) % PORTS;
        if std::net::TcpListener::bind(("0.0.0.0", port)).is_ok() {
            break;
        }
    }
    port
}

/// A running node and its funded accounts.
#[derive(Debug)]
pub struct RealNode {
    url: String,
    http: String,
    network_id: NetworkId,
    seeds: Vec<String>,
    keys: Vec<SecretKey>,
    taken: Mutex<Vec<bool>>,
    freed: Condvar,
}

static NODE: OnceLock<Option<RealNode>> = OnceLock::new();

impl RealNode {
    /// The node of this process, started on first use; `None` (after printing why) when the
    /// environment names none.
    ///
    /// # Panics
    /// When the node cannot be started or its settings do not parse, and when
    /// `AESC_REQUIRE_NODE` is set but no node is named.
    #[allow(clippy::panic)]
    pub fn get() -> Option<&'static RealNode> {
        let node = NODE.get_or_init(|| match RealNode::from_env() {
            Ok(node) => node,
            Err(e) => panic!("real node: {e}"),
        });
        if node.is_none() {
            let msg = "real node: skipped (set AESC_NODE=../shared/node to start the node in \
                       that folder, or AESC_NODE_URL=ws://HOST:PORT/channel for a running one)";
            if std::env::var_os("AESC_REQUIRE_NODE").is_some_and(|v| !v.is_empty() && v != "0") {
                panic!("{msg}; AESC_REQUIRE_NODE is set");
            }
            eprintln!("{msg}");
        }
        node.as_ref()
    }

    fn from_env() -> Result<Option<RealNode>, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let url = match (var("AESC_NODE_URL"), var("AESC_NODE")) {
            (Some(url), _) => url,
            (None, Some(dir)) => start(&PathBuf::from(dir))?,
            (None, None) => return Ok(None),
        };
        let host = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split(['/', ':']).next())
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("no host in {url:?}"))?
            .to_owned();
        let http = var("AESC_NODE_HTTP").unwrap_or_else(|| format!("{host}:3013"));
        let http = http.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let network_id = NetworkId::new(var("AESC_NODE_NETWORK_ID").unwrap_or("ae_dev".into()));
        let seeds: Vec<String> = match var("AESC_NODE_KEYS") {
            Some(list) => list.split(',').map(|s| s.trim().to_owned()).collect(),
            None => DEV_SEEDS.iter().map(|s| (*s).to_owned()).collect(),
        };
        let keys = seeds
            .iter()
            .map(|s| SecretKey::parse(s).map_err(|e| format!("AESC_NODE_KEYS: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if keys.len() < 2 {
            return Err("at least two funded accounts are needed".into());
        }
        let taken = Mutex::new(vec![false; keys.len()]);
        NEXT_PORT.store((std::process::id() % 100) as u16 * 100, Ordering::Relaxed);
        Ok(Some(RealNode { url, http, network_id, seeds, keys, taken, freed: Condvar::new() }))
    }

    /// The channel WebSocket URL (`ws://…/channel`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The network id.
    pub fn network_id(&self) -> &NetworkId {
        &self.network_id
    }

    /// Takes `n` accounts for the caller alone, waiting until they are free.
    ///
    /// # Panics
    /// When the node has fewer than `n` funded accounts.
    #[allow(clippy::panic)]
    pub fn lease(&self, n: usize) -> Lease<'_> {
        assert!(n <= self.keys.len(), "the node has only {} funded accounts", self.keys.len());
        let mut taken = self.taken.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            let free: Vec<usize> =
                taken.iter().enumerate().filter(|(_, t)| !**t).map(|(i, _)| i).take(n).collect();
            if free.len() == n {
                for (i, t) in taken.iter_mut().enumerate() {
                    *t |= free.contains(&i);
                }
                let pick =
                    |i: &usize| Some((self.keys.get(*i)?.clone(), self.seeds.get(*i)?.clone()));
                let (keys, seeds) = free.iter().filter_map(pick).unzip();
                let port = free_port();
                return Lease { node: self, indices: free, keys, seeds, port };
            }
            taken = self.freed.wait(taken).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Posts a signed transaction (`tx_…`) through the HTTP API; returns its hash (`th_…`).
    ///
    /// # Errors
    /// The node's refusal or a connection error, as text.
    pub fn post_tx(&self, tx: &str) -> Result<String, String> {
        let body = serde_json::json!({ "tx": tx }).to_string();
        let v = self.http("POST", "/v3/transactions", Some(&body))?;
        v.get("tx_hash").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| v.to_string())
    }

    /// The nonce of an account on chain.
    ///
    /// # Errors
    /// A connection error, or no such account.
    pub fn nonce(&self, account: &AccountId) -> Result<u64, String> {
        let v = self.http("GET", &format!("/v3/accounts/{account}"), None)?;
        v.get("nonce").and_then(Value::as_u64).ok_or_else(|| v.to_string())
    }

    /// The height of the chain.
    ///
    /// # Errors
    /// A connection error.
    pub fn height(&self) -> Result<u64, String> {
        let v = self.http("GET", "/v3/key-blocks/current/height", None)?;
        v.get("height").and_then(Value::as_u64).ok_or_else(|| v.to_string())
    }

    /// Waits until the chain has grown by `blocks` key blocks.
    ///
    /// # Errors
    /// A connection error, or the chain did not grow within a second per block plus 30 s.
    pub fn wait_blocks(&self, blocks: u64) -> Result<(), String> {
        let target = self.height()? + blocks;
        let deadline = Instant::now() + Duration::from_secs(blocks + 30);
        while self.height()? < target {
            if Instant::now() > deadline {
                return Err(format!("height {target} not reached"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(())
    }

    /// One HTTP/1.1 request to the node's API; the JSON body of its answer.
    fn http(&self, method: &str, path: &str, body: Option<&str>) -> Result<Value, String> {
        let mut s = TcpStream::connect(&self.http).map_err(|e| format!("{}: {e}", self.http))?;
        s.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
        let body = body.unwrap_or("");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.http,
            body.len()
        );
        s.write_all(head.as_bytes())
            .and_then(|()| s.write_all(body.as_bytes()))
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP header")?;
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_owned()
        };
        serde_json::from_str(&body).map_err(|e| format!("{head}: {e}: {body}"))
    }
}

/// A chunked HTTP body, joined.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(rest.get(..n).unwrap_or(""));
        body = rest.get(n..).unwrap_or("").trim_start_matches("\r\n");
    }
    out
}

/// Starts the node in `dir` with its `node.sh`; the channel URL it prints.
fn start(dir: &std::path::Path) -> Result<String, String> {
    let script = dir.join("node.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("start")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("running {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{} start failed ({}): {}{}",
            script.display(),
            out.status,
            stdout,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    stdout
        .lines()
        .last()
        .filter(|l| l.starts_with("ws"))
        .map(str::to_owned)
        .ok_or_else(|| format!("{} start printed no URL: {stdout}", script.display()))
}

/// Accounts of the node held by one test.
#[derive(Debug)]
pub struct Lease<'a> {
    node: &'a RealNode,
    indices: Vec<usize>,
    keys: Vec<SecretKey>,
    seeds: Vec<String>,
    port: u16,
}

impl Lease<'_> {
    /// The secret key of the `i`-th leased account.
    ///
    /// # Panics
    /// When fewer accounts were leased.
    #[allow(clippy::indexing_slicing)]
    pub fn key(&self, i: usize) -> &SecretKey {
        &self.keys[i]
    }

    /// The secret seed of the `i`-th leased account as given (hex), for command lines.
    ///
    /// # Panics
    /// When fewer accounts were leased.
    #[allow(clippy::indexing_slicing)]
    pub fn seed(&self, i: usize) -> &str {
        &self.seeds[i]
    }

    /// A peer port no other lease uses.
    pub fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut taken = self.node.taken.lock().unwrap_or_else(PoisonError::into_inner);
        for i in &self.indices {
            if let Some(t) = taken.get_mut(*i) {
                *t = false;
            }
        }
        self.node.freed.notify_all();
    }
}
