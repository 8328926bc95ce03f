//! Typed node → client notifications (spec §6.5, §6.6).
//!
//! [`NodeEvent::from_notification`] never fails on what it does not know: unknown methods are
//! [`NodeEvent::Unknown`], unknown `channels.info` events are [`InfoEvent::Unknown`]. Only a
//! known notification with a malformed `data` is an [`EventError`].
//! [`NodeEvent::to_notification`] builds the node's frames (for the node double).

mod data;
mod info;
mod on_chain;

use serde_json::{Map, Value};

use super::envelope::Notification;
use super::methods::{Method, SignTag};
use super::outputs::{parse_output, ContractCall, OutputError, PoiReply};
use super::values::EncodedTx;
use crate::id::{AccountId, ChannelId};
use data::Data;

pub use data::EventError;
pub use info::{Info, InfoEvent};
pub use on_chain::{OnChainInfo, OnChainTx};

/// `channels.sign.<tag>`: the node asks the client to sign `signed_tx`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRequest {
    /// What is to be signed; answer with [`SignTag::reply_method`].
    pub tag: SignTag,
    /// The transaction (a SignedTx, possibly already carrying the peer's signature).
    pub signed_tx: EncodedTx,
    /// The off-chain updates the transaction applies, as JSON (`op`, …).
    pub updates: Vec<Value>,
}

/// `channels.conflict`: an update was rolled back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The channel.
    pub channel_id: ChannelId,
    /// 1 validation, 2 conflict, 3 timeout, 4 abort, 5 rejected on chain, or the peer's abort
    /// code.
    pub error_code: u64,
    /// The node's text for the code.
    pub error_msg: String,
    /// The last co-signed round, now current again.
    pub round: u64,
}

/// `channels.message`: a message from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelMessage {
    /// The channel.
    pub channel_id: ChannelId,
    /// Sender.
    pub from: AccountId,
    /// Recipient.
    pub to: AccountId,
    /// The text.
    pub info: String,
}

/// The answer to a request sent without id, delivered as `<method>.reply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodReply {
    /// The request's method (the notification method without `.reply`).
    pub method: String,
    /// What a `result` would have carried.
    pub data: Value,
}

impl MethodReply {
    /// The data as the output of method `M` (e.g. `reply.output::<GetBalances>()`).
    ///
    /// # Errors
    /// [`OutputError`] when it has another shape.
    pub fn output<M: Method>(&self) -> Result<M::Output, OutputError> {
        M::parse_output(&self.data)
    }

    /// The data as a contract call (`get.contract_call`, `dry_run.call_contract`).
    ///
    /// # Errors
    /// [`OutputError`] when it has another shape.
    pub fn contract_call(&self) -> Result<ContractCall, OutputError> {
        parse_output("channels.get.contract_call", &self.data)
    }

    /// The data as a proof of inclusion (`get.poi`).
    ///
    /// # Errors
    /// [`OutputError`] when it has another shape.
    pub fn poi(&self) -> Result<PoiReply, OutputError> {
        parse_output("channels.get.poi", &self.data)
    }
}

/// Any node → client notification, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeEvent {
    /// `channels.info`.
    Info(Info),
    /// `channels.sign.<tag>`.
    SignRequest(SignRequest),
    /// `channels.on_chain_tx`.
    OnChainTx(OnChainTx),
    /// `channels.update`: the latest co-signed state; persist it.
    Update {
        /// The co-signed state.
        state: EncodedTx,
    },
    /// `channels.leave`: the latest co-signed state at leave.
    Leave {
        /// The co-signed state.
        state: EncodedTx,
    },
    /// `channels.conflict`.
    Conflict(Conflict),
    /// `channels.message`.
    Message(ChannelMessage),
    /// `channels.error`: the node's reason for refusing a signature or similar.
    Error {
        /// The reason.
        message: String,
    },
    /// `channels.debug` (only with `report_debug`), raw.
    Debug {
        /// The data as received.
        data: Value,
    },
    /// `channels.system.pong`.
    Pong,
    /// `channels.calls_pruned.reply`.
    CallsPruned,
    /// Another `<method>.reply`.
    MethodReply(MethodReply),
    /// A method this crate does not know, kept raw.
    Unknown {
        /// The method.
        method: String,
        /// `params.data`.
        data: Value,
    },
}

const REPLY_SUFFIX: &str = ".reply";

impl NodeEvent {
    /// Types a notification.
    ///
    /// # Errors
    /// [`EventError`] when a known notification's data is malformed.
    pub fn from_notification(n: &Notification) -> Result<NodeEvent, EventError> {
        let method = n.method.as_str();
        let data = &n.data;
        let state = |d: &Data<'_>| d.parse::<EncodedTx>("state", "a tx_ string");
        Ok(match method {
            "channels.info" => NodeEvent::Info(Info::from_data(method, data)?),
            "channels.on_chain_tx" => NodeEvent::OnChainTx(OnChainTx::from_data(method, data)?),
            "channels.update" => NodeEvent::Update { state: state(&Data::new(method, data)?)? },
            "channels.leave" => NodeEvent::Leave { state: state(&Data::new(method, data)?)? },
            "channels.conflict" => NodeEvent::Conflict(conflict(method, data)?),
            "channels.message" => NodeEvent::Message(message(method, data)?),
            "channels.error" => {
                NodeEvent::Error { message: Data::new(method, data)?.str("message")?.to_owned() }
            }
            "channels.debug" => NodeEvent::Debug { data: data.clone() },
            "channels.system.pong" => NodeEvent::Pong,
            "channels.calls_pruned.reply" => NodeEvent::CallsPruned,
            _ => {
                if let Some(tag) = method.strip_prefix("channels.sign.").and_then(SignTag::from_tag)
                {
                    NodeEvent::SignRequest(sign_request(method, tag, data)?)
                } else if let Some(request) = method.strip_suffix(REPLY_SUFFIX) {
                    NodeEvent::MethodReply(MethodReply {
                        method: request.into(),
                        data: data.clone(),
                    })
                } else {
                    NodeEvent::Unknown { method: method.into(), data: data.clone() }
                }
            }
        })
    }

    /// The notification method.
    pub fn method(&self) -> String {
        match self {
            NodeEvent::Info(_) => "channels.info".into(),
            NodeEvent::SignRequest(s) => s.tag.request_method(),
            NodeEvent::OnChainTx(_) => "channels.on_chain_tx".into(),
            NodeEvent::Update { .. } => "channels.update".into(),
            NodeEvent::Leave { .. } => "channels.leave".into(),
            NodeEvent::Conflict(_) => "channels.conflict".into(),
            NodeEvent::Message(_) => "channels.message".into(),
            NodeEvent::Error { .. } => "channels.error".into(),
            NodeEvent::Debug { .. } => "channels.debug".into(),
            NodeEvent::Pong => "channels.system.pong".into(),
            NodeEvent::CallsPruned => "channels.calls_pruned.reply".into(),
            NodeEvent::MethodReply(r) => format!("{}{REPLY_SUFFIX}", r.method),
            NodeEvent::Unknown { method, .. } => method.clone(),
        }
    }

    /// The `params.data` the node sends for this event.
    pub fn to_data(&self) -> Value {
        let state = |s: &EncodedTx| object([("state", s.as_str().into())]);
        match self {
            NodeEvent::Info(i) => i.to_data(),
            NodeEvent::SignRequest(s) => object([
                ("signed_tx", s.signed_tx.as_str().into()),
                ("updates", Value::Array(s.updates.clone())),
            ]),
            NodeEvent::OnChainTx(t) => t.to_data(),
            NodeEvent::Update { state: s } | NodeEvent::Leave { state: s } => state(s),
            NodeEvent::Conflict(c) => object([
                ("channel_id", c.channel_id.to_string().into()),
                ("error_code", c.error_code.into()),
                ("error_msg", c.error_msg.clone().into()),
                ("round", c.round.into()),
            ]),
            NodeEvent::Message(m) => object([(
                "message",
                object([
                    ("channel_id", m.channel_id.to_string().into()),
                    ("from", m.from.to_string().into()),
                    ("info", m.info.clone().into()),
                    ("to", m.to.to_string().into()),
                ]),
            )]),
            NodeEvent::Error { message } => object([("message", message.clone().into())]),
            NodeEvent::Pong => object([("action", "system".into()), ("tag", "pong".into())]),
            NodeEvent::CallsPruned => object([("action", "calls_pruned".into())]),
            NodeEvent::Debug { data }
            | NodeEvent::MethodReply(MethodReply { data, .. })
            | NodeEvent::Unknown { data, .. } => data.clone(),
        }
    }

    /// The notification the node sends for this event on `channel_id`.
    pub fn to_notification(&self, channel_id: Option<ChannelId>) -> Notification {
        Notification::new(self.method(), channel_id, self.to_data())
    }
}

impl Notification {
    /// The typed event; see [`NodeEvent::from_notification`].
    ///
    /// # Errors
    /// [`EventError`] when a known notification's data is malformed.
    pub fn event(&self) -> Result<NodeEvent, EventError> {
        NodeEvent::from_notification(self)
    }
}

fn object<const N: usize>(members: [(&str, Value); N]) -> Value {
    Value::Object(members.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
}

fn sign_request(method: &str, tag: SignTag, v: &Value) -> Result<SignRequest, EventError> {
    let d = Data::new(method, v)?;
    let updates = match d.map.get("updates") {
        None => return Err(d.missing("updates")),
        Some(Value::Array(u)) => u.clone(),
        Some(_) => return Err(d.invalid("updates", "an array")),
    };
    Ok(SignRequest { tag, signed_tx: d.parse("signed_tx", "a tx_ string")?, updates })
}

fn conflict(method: &str, v: &Value) -> Result<Conflict, EventError> {
    let d = Data::new(method, v)?;
    Ok(Conflict {
        channel_id: d.parse("channel_id", "a ch_ string")?,
        error_code: d.u64("error_code")?,
        error_msg: d.str("error_msg")?.to_owned(),
        round: d.u64("round")?,
    })
}

fn message(method: &str, v: &Value) -> Result<ChannelMessage, EventError> {
    let outer = Data::new(method, v)?;
    let inner = outer.map.get("message").ok_or_else(|| outer.missing("message"))?;
    let d = Data::new(method, inner)?;
    Ok(ChannelMessage {
        channel_id: d.parse("channel_id", "a ch_ string")?,
        from: d.parse("from", "an ak_ string")?,
        to: d.parse("to", "an ak_ string")?,
        info: d.str("info")?.to_owned(),
    })
}

#[cfg(test)]
mod tests;
