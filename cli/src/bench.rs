//! `aesc bench`: opens N channels (two parties each, in this process), runs M transfers per
//! channel in both directions, closes them, and reports throughput, latency, the CPU the
//! client side used per transfer, memory and threads. Against the node double embedded in this
//! process by default, or a real node with `--node` (keys of two funded accounts, as for the
//! demo).
//!
//! Every party's connection runs on one shared [`Reactor`] (or `--reactors K` of them, the
//! channels spread over them in turn); a few worker threads (`--workers`) run the transfers,
//! each taking its share of the channels in turn. The client's CPU is this process's, read
//! from `/proc/self` (Linux), less the embedded double's threads.

use std::time::{Duration, Instant};

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::{Channel, ChannelConfig, Deadlines, Error, Reactor, Role};
use aesc_testkit::double;

use crate::keys::KeyArgs;

type BoxError = Box<dyn std::error::Error>;

/// Arguments of `aesc bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Channel endpoint of a real node; without it the node double embedded in this process.
    #[arg(long, value_name = "URL")]
    node: Option<String>,
    /// Network id of the node.
    #[arg(long, value_name = "ID", default_value = "ae_dev")]
    network_id: String,
    #[command(flatten)]
    keys: KeyArgs,
    /// How many channels.
    #[arg(long, default_value_t = 1)]
    channels: u32,
    /// Transfers per channel (alternating directions).
    #[arg(long, default_value_t = 100)]
    transfers: u32,
    /// How many shared I/O threads (reactors) run the channels' connections.
    #[arg(long, default_value_t = 1)]
    reactors: u32,
    /// How many threads run the transfers (each takes its share of the channels in turn);
    /// default: one per channel, at most 8.
    #[arg(long)]
    workers: Option<u32>,
    /// How long the opened channels are left idle to measure what idle costs, in ms.
    #[arg(long, default_value_t = 1000)]
    idle_ms: u64,
    /// The first peer port; channel `k` uses `port + k`.
    #[arg(long, default_value_t = 3500)]
    port: u16,
    /// Print one JSON object on the last line.
    #[arg(long)]
    json: bool,
}

/// Runs the benchmark.
///
/// # Errors
/// A channel that cannot be opened, a transfer that fails, or bad arguments.
pub fn run(args: &Args) -> Result<(), BoxError> {
    let embedded = match &args.node {
        None => Some(double::spawn(
            double::Config::new()
                .with_network_id(args.network_id.as_str())
                .with_minimum_depth(1)
                .with_block_interval(Duration::from_millis(20)),
        )?),
        Some(_) => None,
    };
    let url = match (&args.node, &embedded) {
        (Some(u), _) => u.clone(),
        (None, Some(d)) => d.url(),
        (None, None) => return Err("no node".into()),
    };
    // Against the double every channel has accounts of its own (the double funds any key):
    // channels of the same two accounts opened at once would get the same nonce, hence the
    // same channel id. A real node's funded accounts are given; its channels open one by one.
    let env = |name: &str| std::env::var(name).ok();
    let (ikey, rkey) = args.keys.sources();
    let given = match (ikey.load(&env)?, rkey.load(&env)?) {
        (Some(i), Some(r)) => Some((i, r)),
        (None, None) if args.node.is_none() => None,
        _ => {
            let ways = format!("{} and {}", ikey.ways(), rkey.ways());
            return Err(format!("give both keys (required with --node): {ways}").into());
        }
    };
    let keys = |k: u32| -> (SecretKey, SecretKey) {
        match &given {
            Some((i, r)) => (i.clone(), r.clone()),
            None => {
                let seed = |party: u8| {
                    let mut seed = [party; 32];
                    seed[..4].copy_from_slice(&k.to_be_bytes());
                    SecretKey::from_seed(&seed)
                };
                (seed(1), seed(2))
            }
        }
    };
    let reactors: Vec<Reactor> = (0..args.reactors.max(1))
        .map(|n| Reactor::named(format!("aesc-reactor-{n}")))
        .collect::<Result<_, _>>()?;
    let config = |role: Role, k: u32| -> Result<ChannelConfig, BoxError> {
        let (ikey, rkey) = keys(k);
        let (me, peer) = match role {
            Role::Initiator => (&ikey, &rkey),
            Role::Responder => (&rkey, &ikey),
        };
        let port = args.port.checked_add(u16::try_from(k)?).ok_or("port")?;
        let reactor = reactors.get(k as usize % reactors.len()).ok_or("no reactor")?;
        Ok(ChannelConfig::builder(url.clone(), role, NetworkId::new(&args.network_id), me.clone())
            .peer(peer.public_key())
            .host("127.0.0.1")
            .port(port)
            .initiator_amount(10_000_000_000_000_000_000u128)
            .responder_amount(10_000_000_000_000_000_000u128)
            .channel_reserve(1u64)
            .lock_period(10)
            .param("minimum_depth_strategy", "plain")
            .param("minimum_depth", "1")
            .deadlines(Deadlines::all(Duration::from_secs(120)))
            .reactor(reactor)
            .build()?)
    };

    let started = Instant::now();
    let mut pairs = Vec::with_capacity(args.channels as usize);
    for k in 0..args.channels {
        let responder = Channel::connect(config(Role::Responder, k)?)?;
        let initiator = Channel::connect(config(Role::Initiator, k)?)?;
        if given.is_some() {
            initiator.wait_open()?;
        }
        pairs.push((initiator, responder));
    }
    for (i, r) in &pairs {
        i.wait_open()?;
        r.wait_open()?;
    }
    let open_s = started.elapsed().as_secs_f64();
    let fds = open_fds();
    let (threads_open, rss_open) = (threads(), rss_bytes());

    // Idle: what the open channels cost while nothing happens.
    let (idle_cpu, idle_wall) = (client_cpu(), Instant::now());
    std::thread::sleep(Duration::from_millis(args.idle_ms));
    let idle_cpu_pct = client_cpu().saturating_sub(idle_cpu) as f64
        / idle_wall.elapsed().as_micros().max(1) as f64
        * 100.0;

    let workers = args.workers.unwrap_or(args.channels.min(8)).clamp(1, args.channels.max(1));
    let cpu_open = client_cpu();
    let t0 = Instant::now();
    let (latencies, threads, rss) = std::thread::scope(|s| -> Result<_, BoxError> {
        let pairs = &pairs;
        let handles: Vec<_> = (0..workers as usize)
            .map(|w| {
                let mine = pairs.iter().skip(w).step_by(workers as usize);
                s.spawn(move || transfers(mine.collect(), args.transfers))
            })
            .collect();
        // Sampled while the transfers run: every thread and buffer in use.
        std::thread::sleep(Duration::from_millis(50));
        let (threads, rss) = (threads(), rss_bytes());
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| "a transfer thread panicked")??);
        }
        Ok((all, threads, rss_bytes().max(rss)))
    })?;
    let run_s = t0.elapsed().as_secs_f64();
    let cpu_run = client_cpu().saturating_sub(cpu_open);
    let mut closes_failed = 0u32;
    for (i, _) in &pairs {
        if let Err(e) = i.shutdown(TxOptions::default()) {
            log::warn!("a mutual close failed: {e}");
            closes_failed += 1;
        }
    }
    drop(pairs);

    let mut sorted = latencies.clone();
    sorted.sort_unstable();
    let pct = |p: f64| -> u64 {
        let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(idx).copied().unwrap_or(0)
    };
    let n = latencies.len().max(1) as f64;
    let report = serde_json::json!({
        "node": if args.node.is_some() { url.as_str() } else { "embedded double" },
        "channels": args.channels,
        "transfers": latencies.len(),
        "transfers_per_s": latencies.len() as f64 / run_s.max(1e-9),
        "p50_us": pct(0.50),
        "p99_us": pct(0.99),
        "client_cpu_us_per_transfer": cpu_run as f64 / n,
        "rss_bytes": rss,
        "threads": threads,
        "rss_open_bytes": rss_open,
        "threads_open": threads_open,
        "open_s": open_s,
        "idle_cpu_pct": idle_cpu_pct,
        "reactors": reactors.len(),
        "workers": workers,
        "fds": fds,
        "closes_failed": closes_failed,
    });
    if args.json {
        println!("{report}");
    } else {
        println!(
            "{} channels, {} transfers in {run_s:.2}s: {:.0} transfers/s, p50 {} µs, p99 {} µs,\n\
             client CPU {:.0} µs per transfer (both parties), RSS {:.1} MiB, {} threads, \
             {fds} file descriptors, opened in {open_s:.2}s; when open and idle: RSS {:.1} MiB, \
             {threads_open} threads, client CPU {idle_cpu_pct:.2}% of a core",
            args.channels,
            latencies.len(),
            report.get("transfers_per_s").and_then(serde_json::Value::as_f64).unwrap_or(0.0),
            pct(0.50),
            pct(0.99),
            report
                .get("client_cpu_us_per_transfer")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0),
            rss as f64 / f64::from(1u32 << 20),
            threads,
            rss_open as f64 / f64::from(1u32 << 20),
        );
    }
    drop(embedded);
    Ok(())
}

/// `m` transfers on each of `pairs`, alternating directions, the channels taken in turn; the
/// latency of each, in µs.
fn transfers(pairs: Vec<&(Channel, Channel)>, m: u32) -> Result<Vec<u64>, Error> {
    let mut out = Vec::with_capacity(m as usize * pairs.len());
    for n in 0..m {
        for (i, r) in &pairs {
            let (from, to) =
                if n % 2 == 0 { (i, r.config().account()) } else { (r, i.config().account()) };
            let t = Instant::now();
            crate::demo::retry_conflict(|| from.transfer(&to, 1u64))?;
            out.push(u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX));
            // An application reads its events; so does the benchmark, after each transfer.
            i.events().drain().for_each(drop);
            r.events().drain().for_each(drop);
        }
    }
    Ok(out)
}

/// CPU time (µs) of this process without the embedded double's threads: the channels' I/O
/// threads, the benchmark's own and the main thread (threads that ended included).
fn client_cpu() -> u64 {
    let total = cpu_of("/proc/self/stat").unwrap_or(0);
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return total };
    let double: u64 = tasks
        .flatten()
        .filter_map(|t| {
            let path = t.path().join("stat");
            let stat = std::fs::read_to_string(&path).ok()?;
            stat.contains("(node-double").then(|| cpu_of(&path.to_string_lossy())).flatten()
        })
        .sum();
    total.saturating_sub(double)
}

/// utime + stime of a `stat` file, in µs.
fn cpu_of(path: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(path).ok()?;
    let close = stat.rfind(')')?;
    let fields: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
    // utime and stime are fields 14 and 15; `fields` starts at field 3. USER_HZ is 100.
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Some((ticks(11) + ticks(12)) * 10_000)
}

fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn rss_bytes() -> u64 {
    status_field("VmRSS:").map_or(0, |kb| kb * 1024)
}

fn open_fds() -> u64 {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64)
}

fn threads() -> u64 {
    status_field("Threads:").unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn a_small_run_against_the_embedded_double() {
        let cli = Cli::parse_from(["bench", "--channels", "2", "--transfers", "4", "--json"]);
        run(&cli.args).unwrap();
        assert!(client_cpu() > 0 || cpu_of("/proc/self/stat").is_none());
        assert!(threads() >= 1);
    }

    #[test]
    fn keys_come_from_files_and_one_key_alone_is_refused() {
        let dir = std::env::temp_dir();
        let key_file = |party: &str, seed: &str| {
            let path = dir.join(format!("aesc-bench-{}-{party}.key", std::process::id()));
            std::fs::write(&path, seed).unwrap();
            path
        };
        let i = key_file("i", "520239ff5fe4855c4a02b4264ba5a0892dba13510da4512a424496db48410d9f");
        let r = key_file("r", "dd5b4df62c3b39bf0beb2e93da03cf54ae1dc723f2af565d031cbc57db96c1a8");
        let (i, r) = (i.to_str().unwrap(), r.to_str().unwrap());
        let both = ["bench", "--transfers", "2", "--idle-ms", "0", "--port", "3620"];
        let cli = Cli::parse_from(both.iter().copied().chain([
            "--initiator-key-file",
            i,
            "--responder-key-file",
            r,
        ]));
        run(&cli.args).unwrap();
        let one = Cli::parse_from(both.iter().copied().chain(["--initiator-key-file", i]));
        let e = run(&one.args).unwrap_err().to_string();
        assert!(e.contains("give both keys") && e.contains("AESC_RESPONDER_KEY"), "{e}");
        assert!(!e.contains("520239ff"), "{e}");
        let bad = Cli::parse_from(both.iter().copied().chain([
            "--responder-key-file",
            i,
            "--initiator-key",
            "sk_no",
        ]));
        assert!(run(&bad.args).unwrap_err().to_string().starts_with("--initiator-key"));
        for path in [i, r] {
            std::fs::remove_file(path).unwrap();
        }
    }
}
