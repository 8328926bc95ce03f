//! `aesc tx-hash`: the hash of serialized transactions.

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::object::Object;
use aesc_codec::tx::SignedTx;

use crate::io::{failure, inputs, Out};
use crate::objects::ObjectError;
use crate::Status;

/// Arguments of `aesc tx-hash`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Transactions (tx_…); read from stdin, one per line, when none are given.
    tx: Vec<String>,
}

/// Prints `th_…` for each signed transaction as it comes, or a failure line. The hash is taken over the
/// node's serialization (signatures sorted), which is the given bytes for every canonical input.
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let mut out = Out::new();
    let mut failures = 0;
    inputs(&args.tx, |input| {
        let checked = input.and_then(|input| {
            encoding::decode_as(Prefix::Transaction, input)
                .map_err(ObjectError::from)
                .and_then(|bytes| SignedTx::from_rlp(&bytes).map_err(ObjectError::from))
                .map_err(|e| failure(input, &e))
        });
        match checked {
            Ok(tx) => out.line(&tx.hash().to_string()),
            Err(line) => {
                failures += 1;
                out.json(&line)
            }
        }
    })?;
    Ok(Status::from_failures(failures))
}
