//! `aesc verify`: which signer and which form verifies each signature of a transaction.

use aesc_codec::crypto::NetworkId;
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::tx::SignedTx;
use serde_json::{json, Value};

use crate::io::{failure, inputs, Out};
use crate::objects::ObjectError;
use crate::Status;

/// Arguments of `aesc verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The network the transactions are signed for (ae_mainnet, ae_uat, ae_dev, …).
    #[arg(long)]
    network_id: String,
    /// A candidate signer; repeat for several.
    #[arg(long = "signer", required = true)]
    signers: Vec<AccountId>,
    /// Signed transactions (tx_…); read from stdin, one per line, when none are given.
    tx: Vec<String>,
}

/// Prints one JSON object per transaction:
/// `{"tx_hash", "type", "signatures": [{"layer", "signature", "signer", "form"}], "missing",
/// "verified"}` where `signer` and `form` are null for a signature no signer verifies, `layer`
/// counts generalized-account and PayingFor wrappers from the outside in, and `missing` lists the
/// candidate signers none of whose signatures is on the transaction (informative: a candidate
/// need not be a required signer, so it does not fail the check).
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let network = NetworkId::new(args.network_id.as_str());
    let mut out = Out::new();
    let mut failures = 0;
    inputs(&args.tx, |input| {
        match input
            .and_then(|input| check(&network, &args.signers, input).map_err(|e| failure(input, &e)))
        {
            Ok((report, all_verified)) => {
                if !all_verified {
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

/// The report for one transaction and whether every signature verified.
fn check(
    network: &NetworkId,
    signers: &[AccountId],
    input: &str,
) -> Result<(Value, bool), ObjectError> {
    let bytes = encoding::decode_as(Prefix::Transaction, input)?;
    let signed = SignedTx::from_rlp(&bytes)?;
    let checks = signed.verify(network, signers);
    let all = checks.iter().all(|c| c.verified.is_some());
    let signatures: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({
                "layer": c.layer,
                "signature": c.signature.to_string(),
                "signer": c.verified.map(|v| v.signer.to_string()),
                "form": c.verified.map(|v| v.form.as_str()),
            })
        })
        .collect();
    let missing: Vec<String> = signers
        .iter()
        .filter(|s| !checks.iter().any(|c| c.verified.is_some_and(|v| v.signer == **s)))
        .map(ToString::to_string)
        .collect();
    let report = json!({
        "tx_hash": signed.hash().to_string(),
        "type": signed.innermost_tx().kind().name(),
        "signatures": signatures,
        "missing": missing,
        "verified": all,
    });
    Ok((report, all))
}
