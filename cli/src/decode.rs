//! `aesc decode`: prefixed strings to JSON.

use crate::io::{failure, inputs, Out};
use crate::{objects, Status};

/// Arguments of `aesc decode`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Prefixed strings; read from stdin, one per line, when none are given.
    strings: Vec<String>,
}

/// Prints one JSON object per input: the decoded object, or `{"input", "error"}`.
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let mut out = Out::new();
    let mut failures = 0;
    for input in inputs(&args.strings)? {
        match objects::decode(&input) {
            Ok(value) => out.json(&value)?,
            Err(e) => {
                failures += 1;
                out.json(&failure(&input, &e))?;
            }
        }
    }
    out.finish()?;
    Ok(Status::from_failures(failures))
}
