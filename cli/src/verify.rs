//! `aesc verify`: which signer and which form verifies each signature of a transaction.

use aesc_codec::crypto::NetworkId;
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::tx::SignedTx;
use serde_json::Value;

use crate::io::{failure, inputs, Out};
use crate::objects::ObjectError;
use crate::Status;

/// Arguments of `aesc verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The network the transactions are signed for (ae_mainnet, ae_uat, ae_dev, …).
    #[arg(long)]
    network_id: String,
    /// A signer the transaction must carry a signature of; repeat for several.
    #[arg(long = "signer", required = true)]
    signers: Vec<AccountId>,
    /// Verified when at least one signature verifies against a named signer, instead of
    /// requiring every named signer and accepting no signature from anyone else.
    #[arg(long)]
    any: bool,
    /// Signed transactions (tx_…); read from stdin, one per line, when none are given.
    tx: Vec<String>,
}

/// Prints one JSON object per transaction:
/// `{"tx_hash", "type", "signatures": [{"layer", "signature", "signer", "form"}], "missing",
/// "unverified", "verified", "failures"}` where `signer` and `form` are null for a signature
/// no named signer verifies, `layer` counts generalized-account and PayingFor wrappers from
/// the outside in, `missing` lists the named signers none of whose signatures is on the
/// transaction, `unverified` the signatures that verify against no named signer, and
/// `failures` says in words why `verified` is false (empty when it is true).
///
/// A transaction is verified when it carries at least one signature, every named signer's
/// signature is on it and every signature on it verifies against a named signer; with
/// `--any`, when at least one signature verifies against a named signer. A transaction that
/// is not verified counts as a failed input (exit status 1).
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let network = NetworkId::new(args.network_id.as_str());
    let mut out = Out::new();
    let mut failures = 0;
    inputs(&args.tx, |input| {
        match input.and_then(|input| {
            check(&network, &args.signers, args.any, input).map_err(|e| failure(input, &e))
        }) {
            Ok((report, verified)) => {
                if !verified {
                    failures += 1;
                }
                out.json(&report)
            }
            Err(line) => {
                failures += 1;
                out.json(&line)
            }
        }
    })?;
    Ok(Status::from_failures(failures))
}

/// The report for one transaction and whether it is verified.
fn check(
    network: &NetworkId,
    signers: &[AccountId],
    any: bool,
    input: &str,
) -> Result<(Value, bool), ObjectError> {
    let bytes = encoding::decode_as(Prefix::Transaction, input)?;
    let signed = SignedTx::from_rlp(&bytes)?;
    let (report, failures) = crate::objects::verify_report(&signed, network, signers, any);
    let verified = failures.is_empty();
    Ok((report, verified))
}
