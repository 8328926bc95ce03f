//! `aesc channel-id`: the channel id from the create transaction's parties and nonce.

use aesc_codec::derive::channel_id;
use aesc_codec::id::AccountId;
use aesc_codec::Uint;

use crate::io::Out;
use crate::Status;

/// Arguments of `aesc channel-id`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The initiator's account (ak_…).
    #[arg(long)]
    initiator: AccountId,
    /// The responder's account (ak_…).
    #[arg(long)]
    responder: AccountId,
    /// The nonce of the channel create transaction.
    #[arg(long)]
    nonce: Uint,
}

/// Prints `ch_…`.
///
/// # Errors
/// When stdout cannot be written.
pub(crate) fn run(args: &Args) -> std::io::Result<Status> {
    let id = channel_id(&args.initiator, args.nonce.clone(), &args.responder);
    let mut out = Out::new();
    out.line(&id.to_string())?;
    Ok(Status::Done)
}
