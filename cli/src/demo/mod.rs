//! `aesc demo`: stories of a channel told by two clients, initiator and responder, with a
//! progress line per step.
//!
//! `--scenario` picks the story (see [`Scenario`]): the whole lifecycle (the default), or one
//! of the recorded sessions the project started from. With no `--node` it runs against the
//! node double embedded in this process. With `--node ws://HOST:PORT[/channel] --network-id ID`
//! and both keys it runs against a real node; connect parameters the node may need pass
//! through with `--param KEY=VALUE` (for a dev node: `--param minimum_depth_strategy=plain
//! --param minimum_depth=1`). `--trace FILE` writes every socket event of both parties as
//! JSON lines.
//!
//! The contract with `main.rs`: this module provides `Args` (a `clap::Args`) and
//! `run(args: Args) -> Result<(), Box<dyn std::error::Error>>`; an error is printed and exits
//! with status 1.

mod lifecycle;
mod steps;
mod stories;
#[cfg(test)]
mod tests;

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::aesc_codec::id::AccountId;
use aesc_client::aesc_codec::jsonrpc::{NodeEvent, OnChainInfo, TxOptions};
use aesc_client::aesc_codec::tx::SignedTx;
use aesc_client::aesc_codec::Uint;
use aesc_client::trace::{JsonLinesTrace, Tracer};
use aesc_client::{Channel, ChannelConfig, ChannelConfigBuilder, Deadlines, Event, Phase, Role};
use aesc_testkit::double;

use steps::Steps;

use crate::keys::{KeyArgs, KeySource};

/// The stories the demo tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Open, transfers both ways (one with meta), a message, balances, leave and reestablish,
    /// another transfer, mutual close.
    Lifecycle,
    /// Open, messages both ways, balances as the node and both clients see them, mutual close.
    OpenMessages,
    /// The responder drops; reconnects without an FSM id and with wrong ones are refused
    /// (2000, 1016); its own FSM id is accepted; a transfer; mutual close.
    ResponderReconnect,
    /// The same with the initiator dropping and reconnecting.
    InitiatorReconnect,
    /// The initiator closes solo; both ask to settle and abort the signing with code 42 (the
    /// node answers `aborted_update`); both stop their FSMs.
    AbortSettle,
}

/// Arguments of `aesc demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The story to tell.
    #[arg(long, value_enum, default_value_t = Scenario::Lifecycle)]
    scenario: Scenario,
    /// Channel endpoint of a real node (`ws://127.0.0.1:3014` or `…/channel`); without it the
    /// demo runs against the node double embedded in this process.
    #[arg(long, value_name = "URL")]
    node: Option<String>,
    /// Network id of the node (`ae_dev`, `ae_uat`, `ae_mainnet`, …).
    #[arg(long, value_name = "ID")]
    network_id: Option<String>,
    #[command(flatten)]
    keys: KeyArgs,
    /// Host of the responder's node, as the initiator's node reaches it (default: the host of
    /// `--node`).
    #[arg(long, value_name = "HOST")]
    responder_host: Option<String>,
    /// Port the responder's node listens on for the initiator's node.
    #[arg(long, default_value_t = 3333)]
    port: u16,
    /// Amount the initiator commits, in aettos.
    #[arg(long, default_value = "100000000000000000")]
    initiator_amount: Uint,
    /// Amount the responder commits, in aettos.
    #[arg(long, default_value = "50000000000000000")]
    responder_amount: Uint,
    /// Channel reserve, in aettos.
    #[arg(long, default_value = "1")]
    channel_reserve: Uint,
    /// Lock period, in blocks.
    #[arg(long, default_value_t = 10)]
    lock_period: u64,
    /// Deadline of each phase (open, sign request, co-signed state, on-chain confirmation),
    /// in seconds.
    #[arg(long, default_value_t = 300)]
    timeout: u64,
    /// Another connect parameter for both clients, `KEY=VALUE` (repeatable).
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_param)]
    params: Vec<(String, String)>,
    /// Write every socket event of both parties to FILE, one JSON object per line
    /// (`role`, `dir`: open/send/recv/close, `url`, `raw` frame text, `t` seconds).
    #[arg(long, value_name = "FILE")]
    trace: Option<std::path::PathBuf>,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

type BoxError = Box<dyn StdError>;

/// Runs the demo.
///
/// # Errors
/// Bad arguments, or the first step that fails (its error says which phase).
pub fn run(args: Args) -> Result<(), BoxError> {
    let env = |name: &str| std::env::var(name).ok();
    let (ikey, rkey) = args.keys.sources();
    let (given_ikey, given_rkey) = (ikey.load(&env)?, rkey.load(&env)?);
    let embedded;
    let (url, network, initiator_key, responder_key, host) = match &args.node {
        None => {
            let network_id = args.network_id.clone().unwrap_or_else(|| "ae_dev".into());
            embedded = Some(
                double::spawn(
                    double::Config::new()
                        .with_network_id(network_id.as_str())
                        .with_minimum_depth(1)
                        .with_block_interval(Duration::from_millis(50)),
                )
                .map_err(|e| format!("starting the node double: {e}"))?,
            );
            let node = embedded.as_ref().ok_or("node double")?;
            let key = |given: Option<SecretKey>| -> Result<SecretKey, BoxError> {
                Ok(match given {
                    Some(k) => k,
                    None => SecretKey::generate()?,
                })
            };
            println!("node double listening on {}", node.url());
            (
                node.url(),
                NetworkId::new(network_id),
                key(given_ikey)?,
                key(given_rkey)?,
                args.responder_host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            )
        }
        Some(url) => {
            embedded = None;
            let need = |v: &Option<String>, what: &str| -> Result<String, BoxError> {
                v.clone().ok_or_else(|| format!("--{what} is required with --node").into())
            };
            let need_key = |k: Option<SecretKey>, src: &KeySource<'_>| {
                k.ok_or_else(|| format!("{} is required with --node", src.ways()))
            };
            let host = match &args.responder_host {
                Some(h) => h.clone(),
                None => host_of(url).ok_or("cannot read the host of --node")?,
            };
            (
                url.clone(),
                NetworkId::new(need(&args.network_id, "network-id")?),
                need_key(given_ikey, &ikey)?,
                need_key(given_rkey, &rkey)?,
                host,
            )
        }
    };
    let trace: Option<Arc<dyn Tracer>> = match &args.trace {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| format!("--trace {}: {e}", path.display()))?;
            Some(Arc::new(JsonLinesTrace::new(std::io::BufWriter::new(file))))
        }
        None => None,
    };
    let setup =
        Setup { url, network, host, args: &args, trace, ikey: initiator_key, rkey: responder_key };
    let result = match args.scenario {
        Scenario::Lifecycle => lifecycle::run(&setup),
        Scenario::OpenMessages => stories::open_messages(&setup),
        Scenario::ResponderReconnect => stories::reconnect(&setup, Role::Responder),
        Scenario::InitiatorReconnect => stories::reconnect(&setup, Role::Initiator),
        Scenario::AbortSettle => stories::abort_settle(&setup),
    };
    drop(embedded);
    result
}

/// The host part of a `ws://host:port/…` URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// Where and with what the story runs.
struct Setup<'a> {
    url: String,
    network: NetworkId,
    host: String,
    args: &'a Args,
    trace: Option<Arc<dyn Tracer>>,
    ikey: SecretKey,
    rkey: SecretKey,
}

impl Setup<'_> {
    fn builder(&self, role: Role) -> ChannelConfigBuilder {
        let a = self.args;
        let (key, peer) = match role {
            Role::Initiator => (&self.ikey, self.rkey.public_key()),
            Role::Responder => (&self.rkey, self.ikey.public_key()),
        };
        let mut b =
            ChannelConfig::builder(self.url.clone(), role, self.network.clone(), key.clone())
                .peer(peer)
                .host(self.host.clone())
                .port(a.port)
                .initiator_amount(a.initiator_amount.clone())
                .responder_amount(a.responder_amount.clone())
                .push_amount(0u64)
                .channel_reserve(a.channel_reserve.clone())
                .lock_period(a.lock_period)
                .deadlines(Deadlines::all(Duration::from_secs(a.timeout)));
        for (k, v) in &a.params {
            b = b.param(k, v);
        }
        if let Some(t) = &self.trace {
            b = b.trace(t.clone());
        }
        b
    }

    fn initiator(&self) -> AccountId {
        self.ikey.public_key()
    }

    fn responder(&self) -> AccountId {
        self.rkey.public_key()
    }

    /// A transfer unit: a thousandth of the smaller deposit (at least 1).
    fn unit(&self) -> Uint {
        let a = self.args;
        let small = a.initiator_amount.clone().min(a.responder_amount.clone());
        let unit = small.to_u128().map_or(1_000_000, |s| s / 1000).max(1);
        Uint::from(unit)
    }

    /// The first three steps of every story: both parties connect, the channel opens.
    fn open(&self, steps: &mut Steps) -> Result<(Channel, Channel), BoxError> {
        println!("initiator {}", self.initiator());
        println!("responder {}", self.responder());
        let icfg = self.builder(Role::Initiator).build()?;
        let rcfg = self.builder(Role::Responder).build()?;
        let responder = steps.step("responder connects", || Ok(Channel::connect(rcfg)?), fsm)?;
        let initiator = steps.step("initiator connects", || Ok(Channel::connect(icfg)?), fsm)?;
        steps.step(
            "channel opens (create tx signed, on chain)",
            || {
                initiator.wait_open()?;
                responder.wait_open()?;
                Ok(())
            },
            |()| {
                let v = initiator.view();
                format!("{} round {}", show(v.channel_id), v.round)
            },
        )?;
        Ok((initiator, responder))
    }
}

/// Runs `op` again (up to three times, 100 ms apart) when the node reports a conflict (code 2)
/// for it: right after an update in the other direction a node's FSMs may still be finishing
/// the previous round, and the node rolls the new one back; nothing was signed.
pub(crate) fn retry_conflict<T>(
    op: impl Fn() -> Result<T, aesc_client::Error>,
) -> Result<T, aesc_client::Error> {
    let mut tries = 0;
    loop {
        match op() {
            Err(aesc_client::Error::Conflict { code: 2, .. }) if tries < 3 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

/// `from` pays `to` (with meta notes); returns the round once both have recorded it.
fn pay(from: &Channel, to: &Channel, amount: &Uint, meta: &[String]) -> Result<u64, BoxError> {
    let (a, b) = (from.config().account(), to.config().account());
    let round = retry_conflict(|| from.transfer_with_meta(&a, &b, amount.clone(), meta))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while to.view().round < round {
        if std::time::Instant::now() > deadline {
            return Err(format!("the other party did not record round {round}").into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(round)
}

/// `closer` closes the channel together with `other`; returns the close once both have seen
/// it on chain.
fn close_both(closer: &Channel, other: &Channel) -> Result<SignedTx, BoxError> {
    let tx = retry_conflict(|| closer.shutdown(TxOptions::default()))?;
    let closed = |e: &Event| matches!(e, Event::Node(NodeEvent::OnChainTx(t)) if t.info == OnChainInfo::ChannelClosed);
    if other.view().phase != Phase::Closed {
        other
            .events()
            .wait_for(Duration::from_secs(60), closed)
            .ok_or("the other party did not see the close")?;
    }
    Ok(tx)
}

/// The step every story starts its channel use with: the initiator pays the responder one
/// unit.
fn first_payment(
    steps: &mut Steps,
    setup: &Setup<'_>,
    initiator: &Channel,
    responder: &Channel,
) -> Result<Uint, BoxError> {
    let unit = setup.unit();
    steps.step(
        "initiator pays the responder",
        || pay(initiator, responder, &unit, &[]),
        |round| format!("{unit} aettos, round {round}"),
    )?;
    Ok(unit)
}

fn fsm(c: &Channel) -> String {
    format!("fsm {}", show(c.fsm_id()))
}

fn show<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}
