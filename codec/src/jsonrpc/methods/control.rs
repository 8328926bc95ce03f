//! Session control: generic messages, leaving, and `channels.system`.

use serde_json::Value;

use super::update::require;
use super::Method;
use crate::id::AccountId;
use crate::jsonrpc::outputs::{OkReply, OutputError, SystemReply};
use crate::jsonrpc::params::{EncodingKind, Params, ParamsBuilder, ParamsError};

/// The longest `info` the node forwards, in bytes.
pub const MAX_MESSAGE_INFO: usize = 65000;

/// `channels.message`: send a free-form message to the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Recipient.
    pub to: AccountId,
    /// The text (at most [`MAX_MESSAGE_INFO`] bytes).
    pub info: String,
    /// Sender, when forwarding on behalf of another account (needs `msg_forwarding`).
    pub from: Option<AccountId>,
}

impl Method for Message {
    const NAME: &'static str = "channels.message";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        let b = ParamsBuilder::new().put("info", self.info.clone()).str("to", &self.to);
        match &self.from {
            Some(from) => b.str("from", from).build(),
            None => b.build(),
        }
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["to", "info"])?;
        let to = p.encoded("to", EncodingKind::AccountPubkey)?;
        let info = match p.get("info") {
            Some(Value::String(s)) if s.len() <= MAX_MESSAGE_INFO => s.clone(),
            _ => return Err(ParamsError::InvalidMessageInfo),
        };
        let from = match p.get("from") {
            None => None,
            Some(_) => Some(p.encoded("from", EncodingKind::AccountPubkey)?),
        };
        Ok(Message { to, info, from })
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}

/// `channels.leave`: stop the FSMs, keeping the channel open on chain for a later
/// reestablish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Leave;

impl Method for Leave {
    const NAME: &'static str = "channels.leave";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        ParamsBuilder::new().build()
    }

    fn from_params(_: &Params<'_>) -> Result<Self, ParamsError> {
        Ok(Leave)
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}

/// `channels.system`: `ping` (answered with a pong by the WebSocket handler, without touching
/// the FSM) or `stop` (kill the FSM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// Keep-alive.
    Ping,
    /// Stop the FSM.
    Stop,
}

impl Method for System {
    const NAME: &'static str = "channels.system";
    type Output = SystemReply;

    fn to_params(&self) -> Value {
        let action = match self {
            System::Ping => "ping",
            System::Stop => "stop",
        };
        ParamsBuilder::new().put("action", action).build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["action"])?;
        match p.get("action").and_then(Value::as_str) {
            Some("ping") => Ok(System::Ping),
            Some("stop") => Ok(System::Stop),
            _ => Err(ParamsError::UnsupportedValue { field: "action", expected: "ping or stop" }),
        }
    }

    fn parse_output(result: &Value) -> Result<SystemReply, OutputError> {
        SystemReply::parse(result)
    }
}
