//! `aesc decode`: prefixed strings to JSON.

use crate::io::{failure, inputs, Out};
use crate::{objects, Status};

/// Arguments of `aesc decode`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Prefixed strings; read from stdin, one per line, when none are given.
    strings: Vec<String>,
}

/// Prints one JSON object per input as it comes: the decoded object, or `{"input", "error"}`.
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let mut out = Out::new();
    let mut failures = 0;
    inputs(&args.strings, |input| {
        let decoded =
            input.and_then(|input| objects::decode(input).map_err(|e| failure(input, &e)));
        match decoded {
            Ok(value) => out.json(&value),
            Err(line) => {
                failures += 1;
                out.json(&line)
            }
        }
    })?;
    Ok(Status::from_failures(failures))
}
