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

/// Prints one prefixed string per input, or `{"input", "error"}`.
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let mut out = Out::new();
    let mut failures = 0;
    for input in inputs(&args.objects)? {
        let encoded = serde_json::from_str::<Value>(&input)
            .map_err(|e| objects::ObjectError::new(format!("bad JSON: {e}")))
            .and_then(|v| objects::encode(&v));
        match encoded {
            Ok(s) => out.line(&s)?,
            Err(e) => {
                failures += 1;
                out.json(&failure(&input, &e))?;
            }
        }
    }
    out.finish()?;
    Ok(Status::from_failures(failures))
}
