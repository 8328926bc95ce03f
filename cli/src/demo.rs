//! `aesc demo`: placeholder until the channel demo is available.
//!
//! The contract with `main.rs`: this module provides `Args` (a `clap::Args`) and
//! `run(args: Args) -> Result<(), Box<dyn std::error::Error>>`; an error is printed and exits
//! with status 1.

/// Arguments of `aesc demo`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the demo.
///
/// # Errors
/// Always, for now: the demo is not yet available.
pub fn run(_args: Args) -> Result<(), Box<dyn std::error::Error>> {
    Err("the channel demo is not yet available".into())
}
