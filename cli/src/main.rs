//! `aesc`: decode, encode, verify and derive æternity state-channel objects, and run the
//! channel demo.
//!
//! Every command that takes strings reads them from its arguments, or one per line from stdin
//! when none are given, and writes one line per input, flushed as soon as the input is handled
//! (so the commands work as filters on a stream). Exit status: 0 when every input was handled,
//! 1 when some input failed (the failure, an unreadable line included, is reported on its own
//! output line and the run goes on), 2 for usage errors and I/O failures.
//!
//! `-v` (info), `-vv` (debug) and `-vvv` (trace) log what the library does to stderr;
//! `RUST_LOG` takes `env_logger`-style directives (see `logger`). Secret keys are read from a
//! file or the environment rather than the command line (see `keys`).

#![forbid(unsafe_code)]

mod bench;
mod channel_id;
mod decode;
mod demo;
mod encode;
mod io;
mod keys;
mod logger;
mod objects;
mod tx_hash;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command-line tools for æternity state channels.
#[derive(Debug, Parser)]
#[command(name = "aesc", version, about)]
struct Cli {
    /// Log what the library does to stderr: -v lifecycle steps, -vv every frame's method and
    /// every sign request's review, -vvv everything (RUST_LOG=TARGET=LEVEL,… adds directives).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode prefixed strings (tx_, pi_, ss_, cs_, ak_, ch_, st_, …) into JSON, one object per
    /// line.
    Decode(decode::Args),
    /// Encode the JSON objects printed by `decode` back into prefixed strings (unknown fields
    /// are refused).
    Encode(encode::Args),
    /// Check which signer and which form (raw or hash) verifies each signature of each
    /// transaction; fails unless every named signer signed and every signature is a named
    /// signer's (`--any`: unless some signature is a named signer's).
    Verify(verify::Args),
    /// Compute a channel id from the create transaction's initiator, nonce and responder.
    ChannelId(channel_id::Args),
    /// Compute the hash (th_) of signed transactions.
    TxHash(tx_hash::Args),
    /// Run the channel demo.
    Demo(Box<demo::Args>),
    /// Measure transfers on N channels (two parties each, in this process).
    Bench(bench::Args),
}

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// Every input was handled.
    Done,
    /// At least one input failed; its line says why.
    SomeFailed,
}

impl Status {
    /// `SomeFailed` if any of `failed` is set.
    pub(crate) fn from_failures(failures: usize) -> Status {
        if failures == 0 {
            Status::Done
        } else {
            Status::SomeFailed
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logger::init(cli.verbose);
    let result = match cli.command {
        Command::Decode(args) => decode::run(&args),
        Command::Encode(args) => encode::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::ChannelId(args) => channel_id::run(&args),
        Command::TxHash(args) => tx_hash::run(&args),
        Command::Bench(args) => {
            return match bench::run(&args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("aesc bench: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Demo(args) => {
            return match demo::run(*args) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("aesc demo: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    };
    match result {
        Ok(Status::Done) => ExitCode::SUCCESS,
        Ok(Status::SomeFailed) => ExitCode::from(1),
        // The reader of our output went away (`aesc decode | head`): nothing left to do.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aesc: {e}");
            ExitCode::from(2)
        }
    }
}
