//! `channels.on_chain_tx`: a channel transaction the client should know about (spec §6.6).

use serde_json::{Map, Value};

use super::data::{string_enum, Data, EventError};
use crate::jsonrpc::values::EncodedTx;

string_enum! {
    /// The `info` of a `channels.on_chain_tx` notification.
    OnChainInfo {
        /// Responder: co-signed create tx ready.
        FundingCreated => "funding_created",
        /// Initiator: co-signed create tx pushed.
        FundingSigned => "funding_signed",
        /// Acknowledger of a deposit: co-signed tx.
        DepositCreated => "deposit_created",
        /// Depositor: co-signed tx, pushed.
        DepositSigned => "deposit_signed",
        /// Acknowledger of a withdrawal: co-signed tx.
        WithdrawCreated => "withdraw_created",
        /// Withdrawer: co-signed tx, pushed.
        WithdrawSigned => "withdraw_signed",
        /// Co-signed mutual close.
        CloseMutual => "close_mutual",
        /// A channel tx was included on chain.
        ChannelChanged => "channel_changed",
        /// A solo close or slash with the latest state is on chain.
        SoloClosing => "solo_closing",
        /// An outdated solo close is on chain: slash it within the lock period.
        CanSlash => "can_slash",
        /// A malicious force progress while open: snapshot.
        CanSnapshot => "can_snapshot",
        /// A valid force progress was applied as the new state.
        ConsumedForcedProgress => "consumed_forced_progress",
        /// The channel is closed on chain.
        ChannelClosed => "channel_closed",
    }
}

/// A `channels.on_chain_tx` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnChainTx {
    /// Why it is reported.
    pub info: OnChainInfo,
    /// The (co-)signed transaction.
    pub tx: EncodedTx,
    /// The tx type name, e.g. `channel_deposit_tx`.
    pub type_: String,
}

impl OnChainTx {
    pub(crate) fn from_data(method: &str, v: &Value) -> Result<OnChainTx, EventError> {
        let d = Data::new(method, v)?;
        Ok(OnChainTx {
            info: OnChainInfo::from_text(d.str("info")?),
            tx: d.parse("tx", "a tx_ string")?,
            type_: d.str("type")?.to_owned(),
        })
    }

    pub(crate) fn to_data(&self) -> Value {
        let mut m = Map::new();
        m.insert("info".into(), self.info.as_str().into());
        m.insert("tx".into(), self.tx.as_str().into());
        m.insert("type".into(), self.type_.clone().into());
        Value::Object(m)
    }
}
