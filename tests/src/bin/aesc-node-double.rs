//! `aesc-node-double`: the node double as a process, for demos and other languages' tests.
//!
//! It prints `ws://ADDR/channel` on its first line of output once it listens, then serves
//! until it is killed (or, with `--until-stdin-closes`, until its standard input closes).

use std::io::{self, BufRead, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use aesc_testkit::double::{self, Config};
use clap::Parser;

/// Command-line options.
#[derive(Debug, Parser)]
#[command(name = "aesc-node-double", about = "The channel side of an æternity node, simulated")]
struct Args {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:3014")]
    listen: SocketAddr,
    /// Network id that signatures are checked against.
    #[arg(long, default_value = "ae_dev")]
    network_id: String,
    /// Confirmations every transaction needs (default: the node's rules from the connect URL).
    #[arg(long)]
    minimum_depth: Option<u64>,
    /// Milliseconds between blocks of the simulated chain.
    #[arg(long, default_value_t = 100)]
    block_interval_ms: u64,
    /// Exit when standard input reaches end of file.
    #[arg(long)]
    until_stdin_closes: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut config = Config::new()
        .with_listen(args.listen)
        .with_network_id(args.network_id)
        .with_block_interval(Duration::from_millis(args.block_interval_ms.max(1)));
    if let Some(depth) = args.minimum_depth {
        config = config.with_minimum_depth(depth);
    }
    let node = match double::spawn(config) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("aesc-node-double: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = io::stdout();
    let _ = writeln!(stdout, "{}", node.url());
    let _ = stdout.flush();
    if args.until_stdin_closes {
        let stdin = io::stdin();
        let mut line = String::new();
        while matches!(stdin.lock().read_line(&mut line), Ok(n) if n > 0) {
            line.clear();
        }
    } else {
        loop {
            std::thread::sleep(Duration::from_secs(3600));
        }
    }
    drop(node);
    ExitCode::SUCCESS
}
