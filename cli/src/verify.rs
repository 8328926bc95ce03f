//! `aesc verify`: which signer and which form verifies each signature of a transaction.

use aesc_codec::crypto::{verify_tx_bytes, NetworkId};
use aesc_codec::derive::tx_hash;
use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::AccountId;
use serde_json::{json, Value};

use crate::io::{failure, inputs, Out};
use crate::objects::ObjectError;
use crate::{signed, Status};

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
/// `{"tx_hash", "tx_tag", "signatures": [{"signature", "signer", "form"}], "verified"}` where
/// `signer` and `form` are null for a signature no signer verifies.
///
/// # Errors
/// When stdin or stdout fail.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let network = NetworkId::new(args.network_id.as_str());
    let mut out = Out::new();
    let mut failures = 0;
    for input in inputs(&args.tx)? {
        match check(&network, &args.signers, &input) {
            Ok((report, all_verified)) => {
                if !all_verified {
                    failures += 1;
                }
                out.json(&report)?;
            }
            Err(e) => {
                failures += 1;
                out.json(&failure(&input, &e))?;
            }
        }
    }
    out.finish()?;
    Ok(Status::from_failures(failures))
}

/// The report for one transaction and whether every signature verified.
fn check(
    network: &NetworkId,
    signers: &[AccountId],
    input: &str,
) -> Result<(Value, bool), ObjectError> {
    let bytes = encoding::decode_as(Prefix::Transaction, input)?;
    let parts = signed::split(&bytes)?;
    let mut all = true;
    let signatures: Vec<Value> = parts
        .signatures
        .iter()
        .map(|sig| {
            let found = signers
                .iter()
                .find_map(|s| verify_tx_bytes(network, parts.tx, s, sig).map(|form| (s, form)));
            all &= found.is_some();
            json!({
                "signature": sig.to_string(),
                "signer": found.map(|(s, _)| s.to_string()),
                "form": found.map(|(_, f)| f.as_str()),
            })
        })
        .collect();
    let report = json!({
        "tx_hash": tx_hash(&bytes).to_string(),
        "tx_tag": parts.tx_tag,
        "signatures": signatures,
        "verified": all,
    });
    Ok((report, all))
}
