//! `channels.info`: lifecycle events of the FSM (spec §6.6).

use serde_json::{Map, Value};

use super::data::{string_enum, Data, EventError};
use crate::id::FsmId;

string_enum! {
    /// The `event` of a `channels.info` notification.
    InfoEvent {
        /// FSM started or client re-attached; carries `fsm_id`.
        FsmUp => "fsm_up",
        /// Responder received `channel_open`.
        ChannelOpen => "channel_open",
        /// Initiator received `channel_accept`.
        ChannelAccept => "channel_accept",
        /// Responder received the initiator-signed create tx.
        FundingCreated => "funding_created",
        /// Initiator received the co-signed create tx.
        FundingSigned => "funding_signed",
        /// Own node saw the create tx at minimum depth.
        OwnFundingLocked => "own_funding_locked",
        /// Peer confirmed minimum depth of the create tx.
        FundingLocked => "funding_locked",
        /// The channel is usable.
        Open => "open",
        /// Acknowledger: an incoming off-chain update.
        Update => "update",
        /// Acknowledger: an incoming deposit.
        DepositCreated => "deposit_created",
        /// Acknowledger: an incoming withdrawal.
        WithdrawCreated => "withdraw_created",
        /// Own node saw the deposit at minimum depth.
        OwnDepositLocked => "own_deposit_locked",
        /// Peer confirmed the deposit.
        DepositLocked => "deposit_locked",
        /// Own node saw the withdrawal at minimum depth.
        OwnWithdrawLocked => "own_withdraw_locked",
        /// Peer confirmed the withdrawal.
        WithdrawLocked => "withdraw_locked",
        /// Peer asked for a mutual close.
        Shutdown => "shutdown",
        /// The channel is closing.
        Closing => "closing",
        /// The closing tx reached minimum depth; the FSM stops.
        ClosedConfirmed => "closed_confirmed",
        /// Reestablish handshake done.
        ChannelReestablished => "channel_reestablished",
        /// Your abort succeeded.
        AbortedUpdate => "aborted_update",
        /// The peer went away; waiting for reestablish.
        PeerDisconnected => "peer_disconnected",
        /// A protocol timer fired.
        Timeout => "timeout",
        /// The FSM terminated.
        Died => "died",
        /// Late confirmation after `assume_minimum_depth` (`tx_hash`, `tx_type`, `notice`).
        MinimumDepthAchieved => "minimum_depth_achieved",
        /// Own snapshot confirmed (`tx_hash` is raw bytes, `type`).
        MinDepthAchieved => "min_depth_achieved",
        /// Fatal: zombie channel.
        ZombieChannel => "zombie_channel",
        /// Fatal: bad signature.
        BadSignature => "bad_signature",
        /// Fatal: bad state hash.
        BadStateHash => "bad_state_hash",
        /// Fatal: not a create tx.
        NotCreateTx => "not_create_tx",
        /// Defined by the node, no longer emitted.
        CloseMutual => "close_mutual",
    }
}

/// A `channels.info` notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// What happened.
    pub event: InfoEvent,
    /// The FSM id (`fsm_up`, and `funding_created`/`funding_signed` while opening).
    pub fsm_id: Option<FsmId>,
    /// `tx_hash`: a `th_…` for `minimum_depth_achieved`, but the raw hash bytes as a (lossy)
    /// string for `min_depth_achieved`, so it is kept as text.
    pub tx_hash: Option<String>,
    /// `tx_type` (`minimum_depth_achieved`).
    pub tx_type: Option<String>,
    /// `type` (`min_depth_achieved`).
    pub type_: Option<String>,
    /// `notice` (`minimum_depth_achieved`: `already_assumed`).
    pub notice: Option<String>,
    /// Any other members, kept as received.
    pub extra: Map<String, Value>,
}

impl Info {
    /// An event with no other members.
    pub fn new(event: InfoEvent) -> Info {
        Info {
            event,
            fsm_id: None,
            tx_hash: None,
            tx_type: None,
            type_: None,
            notice: None,
            extra: Map::new(),
        }
    }

    /// `fsm_up` with its id.
    pub fn fsm_up(fsm_id: FsmId) -> Info {
        Info { fsm_id: Some(fsm_id), ..Info::new(InfoEvent::FsmUp) }
    }

    pub(crate) fn from_data(method: &str, v: &Value) -> Result<Info, EventError> {
        let d = Data::new(method, v)?;
        let mut extra = d.map.clone();
        for key in ["event", "fsm_id", "tx_hash", "tx_type", "type", "notice"] {
            extra.remove(key);
        }
        Ok(Info {
            event: InfoEvent::from_text(d.str("event")?),
            fsm_id: d.opt_parse("fsm_id", "a 32-byte ba_ fsm id")?,
            tx_hash: d.opt_str("tx_hash")?.map(str::to_owned),
            tx_type: d.opt_str("tx_type")?.map(str::to_owned),
            type_: d.opt_str("type")?.map(str::to_owned),
            notice: d.opt_str("notice")?.map(str::to_owned),
            extra,
        })
    }

    pub(crate) fn to_data(&self) -> Value {
        let mut m = Map::new();
        m.insert("event".into(), self.event.as_str().into());
        if let Some(id) = &self.fsm_id {
            m.insert("fsm_id".into(), id.to_string().into());
        }
        for (key, v) in [
            ("notice", &self.notice),
            ("tx_hash", &self.tx_hash),
            ("tx_type", &self.tx_type),
            ("type", &self.type_),
        ] {
            if let Some(v) = v {
                m.insert(key.into(), v.clone().into());
            }
        }
        m.extend(self.extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        Value::Object(m)
    }
}
