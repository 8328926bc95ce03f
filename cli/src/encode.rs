//! `aesc encode`: JSON objects printed by `aesc decode` back to prefixed strings.

use serde_json::Value;

use crate::io::{failure, inputs, Out};
use crate::{objects, Status};

/// Arguments of `aesc encode`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// JSON objects; read from stdin, one per line, when none are given.
    objects: Vec<String>,
}

/// Prints one prefixed string per input as it comes, or `{"input", "error"}`. An object with a
/// field that `decode` never prints and the encoder does not read fails, naming the field.
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let mut out = Out::new();
    let mut failures = 0;
    inputs(&args.objects, |input| {
        let encoded = input.and_then(|input| {
            serde_json::from_str::<Value>(input)
                .map_err(|e| objects::ObjectError::new(format!("bad JSON: {e}")))
                .and_then(|v| objects::encode_strict(&v))
                .map_err(|e| failure(input, &e))
        });
        match encoded {
            Ok(s) => out.line(&s),
            Err(line) => {
                failures += 1;
                out.json(&line)
            }
        }
    })?;
    Ok(Status::from_failures(failures))
}
