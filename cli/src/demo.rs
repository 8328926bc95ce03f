//! `aesc demo`: the whole life of a channel with two clients, initiator and responder.
//!
//! Open, transfers both ways (one with meta updates), a message, the balances as the node and
//! as each client sees them, a leave and a reestablish, another transfer, a mutual close, and
//! the final balances. Every step prints a progress line.
//!
//! With no arguments it runs against the node double embedded in this process. With
//! `--node ws://HOST:PORT/channel --network-id ID --initiator-key … --responder-key …` it runs
//! against a real node; connect parameters the node may need pass through with `--param
//! KEY=VALUE` (for a dev node: `--param minimum_depth_strategy=plain --param
//! minimum_depth=1`).
//!
//! The contract with `main.rs`: this module provides `Args` (a `clap::Args`) and
//! `run(args: Args) -> Result<(), Box<dyn std::error::Error>>`; an error is printed and exits
//! with status 1.

use std::error::Error as StdError;
use std::fmt::Display;
use std::io::Write;
use std::time::{Duration, Instant};

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::aesc_codec::id::AccountId;
use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::aesc_codec::tx::Tx;
use aesc_client::aesc_codec::Uint;
use aesc_client::{Channel, ChannelConfig, ChannelConfigBuilder, Deadlines, Role};
use aesc_testkit::double;

/// Arguments of `aesc demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Channel endpoint of a real node (`ws://127.0.0.1:3014/channel`); without it the demo
    /// runs against the node double embedded in this process.
    #[arg(long, value_name = "URL")]
    node: Option<String>,
    /// Network id of the node (`ae_dev`, `ae_uat`, `ae_mainnet`, …).
    #[arg(long, value_name = "ID")]
    network_id: Option<String>,
    /// Secret key of the initiator: `sk_…` or a 32-byte hex seed.
    #[arg(long, value_name = "KEY")]
    initiator_key: Option<String>,
    /// Secret key of the responder: `sk_…` or a 32-byte hex seed.
    #[arg(long, value_name = "KEY")]
    responder_key: Option<String>,
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
            let key = |given: &Option<String>| -> Result<SecretKey, BoxError> {
                Ok(match given {
                    Some(k) => SecretKey::parse(k)?,
                    None => SecretKey::generate()?,
                })
            };
            println!("node double listening on {}", node.url());
            (
                node.url(),
                NetworkId::new(network_id),
                key(&args.initiator_key)?,
                key(&args.responder_key)?,
                args.responder_host.clone().unwrap_or_else(|| "127.0.0.1".into()),
            )
        }
        Some(url) => {
            embedded = None;
            let need = |v: &Option<String>, what: &str| -> Result<String, BoxError> {
                v.clone().ok_or_else(|| format!("--{what} is required with --node").into())
            };
            let host = match &args.responder_host {
                Some(h) => h.clone(),
                None => host_of(url).ok_or("cannot read the host of --node")?,
            };
            (
                url.clone(),
                NetworkId::new(need(&args.network_id, "network-id")?),
                SecretKey::parse(&need(&args.initiator_key, "initiator-key")?)?,
                SecretKey::parse(&need(&args.responder_key, "responder-key")?)?,
                host,
            )
        }
    };
    let configs = Configs { url, network, host, args: &args };
    let result = Demo::new(configs, initiator_key, responder_key).run();
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

struct Configs<'a> {
    url: String,
    network: NetworkId,
    host: String,
    args: &'a Args,
}

impl Configs<'_> {
    fn builder(&self, role: Role, key: &SecretKey, peer: AccountId) -> ChannelConfigBuilder {
        let a = self.args;
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
        b
    }
}

/// The demo's state and its step counter.
struct Demo<'a> {
    configs: Configs<'a>,
    ikey: SecretKey,
    rkey: SecretKey,
    step: usize,
    started: Instant,
}

const STEPS: usize = 13;

impl<'a> Demo<'a> {
    fn new(configs: Configs<'a>, ikey: SecretKey, rkey: SecretKey) -> Self {
        Demo { configs, ikey, rkey, step: 0, started: Instant::now() }
    }

    /// Runs one step, printing `[ n/13] what … detail (time)`.
    fn step<T>(
        &mut self,
        what: &str,
        f: impl FnOnce() -> Result<T, BoxError>,
        detail: impl FnOnce(&T) -> String,
    ) -> Result<T, BoxError> {
        self.step += 1;
        print!("[{:>2}/{STEPS}] {what:<44}", self.step);
        let _ = std::io::stdout().flush();
        let start = Instant::now();
        match f() {
            Ok(v) => {
                println!(" ok   {:>6.2}s  {}", start.elapsed().as_secs_f64(), detail(&v));
                Ok(v)
            }
            Err(e) => {
                println!(" FAIL {:>6.2}s", start.elapsed().as_secs_f64());
                Err(format!("step {} ({what}): {e}", self.step).into())
            }
        }
    }

    fn run(mut self) -> Result<(), BoxError> {
        let i = self.ikey.public_key();
        let r = self.rkey.public_key();
        println!("initiator {i}");
        println!("responder {r}");
        let icfg = self.configs.builder(Role::Initiator, &self.ikey, r).build()?;
        let rcfg = self.configs.builder(Role::Responder, &self.rkey, i).build()?;

        let mut responder = self.step("responder connects", || Ok(Channel::connect(rcfg)?), fsm)?;
        let mut initiator = self.step("initiator connects", || Ok(Channel::connect(icfg)?), fsm)?;
        self.step(
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
        let unit = self.unit();
        self.step(
            "initiator pays the responder",
            || Ok(initiator.transfer(&r, unit.clone())?),
            |round| format!("{unit} aettos, round {round}"),
        )?;
        let back = &unit + &unit;
        self.step(
            "responder pays the initiator",
            || Ok(responder.transfer(&i, back.clone())?),
            |round| format!("{back} aettos, round {round}"),
        )?;
        let note = "demo invoice 1";
        let meta = vec![note.to_owned()];
        self.step(
            "initiator pays with a meta note",
            || Ok(initiator.transfer_with_meta(&i, &r, unit.clone(), &meta)?),
            |round| format!("{unit} aettos + {note:?}, round {round}"),
        )?;
        self.step(
            "initiator sends a message",
            || {
                initiator.send_message(&r, "hello from the initiator")?;
                let m = responder
                    .receive_message(Duration::from_secs(30))
                    .ok_or("the message did not arrive")?;
                Ok(m.info)
            },
            |info| format!("responder got {info:?}"),
        )?;
        self.step(
            "balances agree (node, both clients)",
            || {
                let node = initiator.balances(&[i, r])?;
                let (vi, vr) = (initiator.view(), responder.view());
                for b in &node {
                    if vi.balance(&b.account) != Some(&b.balance)
                        || vr.balance(&b.account) != Some(&b.balance)
                    {
                        return Err(format!("{} differs: node {}", b.account, b.balance).into());
                    }
                }
                vi.balances().ok_or_else(|| "no balances".into())
            },
            |(bi, br)| format!("initiator {bi}, responder {br}"),
        )?;
        self.step(
            "initiator leaves the channel",
            || Ok(initiator.leave()?),
            |state| format!("state round {}", round_of(state.innermost_tx())),
        )?;
        self.step(
            "both reestablish",
            || {
                responder.reconnect()?;
                initiator.reconnect()?;
                Ok(initiator.view())
            },
            |v| format!("new fsm {}, round {}", show(v.fsm_id), v.round),
        )?;
        self.step(
            "responder pays after reestablishing",
            || Ok(responder.transfer(&i, unit.clone())?),
            |round| format!("{unit} aettos, round {round}"),
        )?;
        let close = self.step(
            "mutual close (signed by both, on chain)",
            || Ok(initiator.shutdown(TxOptions::default())?),
            |tx| format!("{}", tx.hash()),
        )?;
        self.step(
            "final balances",
            || match close.innermost_tx() {
                Tx::ChannelCloseMutual(c) => Ok(c.clone()),
                _ => Err("the close is not a mutual close".into()),
            },
            |c| format!("fee {}", c.fee),
        )?;
        let Tx::ChannelCloseMutual(c) = close.innermost_tx() else {
            return Err("the close is not a mutual close".into());
        };
        println!();
        println!("final balances after {:.2}s:", self.started.elapsed().as_secs_f64());
        println!("  initiator {i}: {}", c.initiator_amount_final);
        println!("  responder {r}: {}", c.responder_amount_final);
        println!("  close fee: {}", c.fee);
        responder.disconnect();
        initiator.disconnect();
        Ok(())
    }

    /// A transfer unit: a thousandth of the smaller deposit (at least 1).
    fn unit(&self) -> Uint {
        let a = &self.configs.args;
        let small = a.initiator_amount.clone().min(a.responder_amount.clone());
        let unit = small.to_u128().map_or(1_000_000, |s| s / 1000).max(1);
        Uint::from(unit)
    }
}

fn fsm(c: &Channel) -> String {
    format!("fsm {}", show(c.fsm_id()))
}

fn show<T: Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

fn round_of(tx: &Tx) -> u64 {
    match tx {
        Tx::ChannelOffChain(t) => t.round,
        Tx::ChannelDeposit(t) => t.round,
        Tx::ChannelWithdraw(t) => t.round,
        Tx::ChannelCreate(_) => 1,
        _ => 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_node_urls() {
        assert_eq!(host_of("ws://127.0.0.1:3014/channel").as_deref(), Some("127.0.0.1"));
        assert_eq!(host_of("wss://node.example/channel").as_deref(), Some("node.example"));
        assert_eq!(host_of("ws://[::1]:3014/channel").as_deref(), Some("::1"));
        assert_eq!(host_of("nonsense"), None);
    }

    #[test]
    fn the_whole_demo_runs_against_the_embedded_double() {
        use clap::Parser;

        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = Cli::parse_from(["demo", "--timeout", "30", "--param", "timeout_idle=600000"]);
        assert!(cli.args.node.is_none());
        run(cli.args).unwrap();
        // Another network id: the embedded double checks signatures for that network.
        let cli = Cli::parse_from(["demo", "--timeout", "30", "--network-id", "ae_uat"]);
        run(cli.args).unwrap();
    }

    #[test]
    fn a_real_node_needs_the_network_and_both_keys() {
        use clap::Parser;

        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = Cli::parse_from(["demo", "--node", "ws://127.0.0.1:1/channel"]);
        let e = run(cli.args).unwrap_err();
        assert!(e.to_string().contains("--network-id"), "{e}");
    }

    #[test]
    fn params_need_a_key() {
        assert_eq!(parse_param("a=b=c"), Ok(("a".into(), "b=c".into())));
        assert!(parse_param("=x").is_err());
        assert!(parse_param("x").is_err());
    }
}
