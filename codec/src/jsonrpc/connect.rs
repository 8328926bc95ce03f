//! The query parameters of the channel WebSocket URL (spec §6.2), typed.
//!
//! [`ConnectParams::to_query`] writes them sorted by name and percent-encodes every byte
//! outside `A-Z a-z 0-9 - . _ ~` (base64 `+ / =` included: the node decodes `+` as a space),
//! which reproduces the reference client's URLs byte for byte. [`ConnectParams::from_query`]
//! is the node's side: it reports the first fault as a [`ConnectError`] naming the field, and
//! [`ConnectError::to_error_object`] gives the node's connection-time answer.

use core::fmt;

use super::codes::DataCode;
use super::error_object::ErrorObject;
use crate::id::{AccountId, ChannelId, FsmId};
use crate::uint::Uint;

/// Which side of the channel this connection plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Opens the channel and pays the create fee.
    Initiator,
    /// Listens for the initiator.
    Responder,
}

impl Role {
    /// The wire text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Initiator => "initiator",
            Role::Responder => "responder",
        }
    }

    /// The role of a wire text (`initiator` or `responder`).
    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "initiator" => Some(Role::Initiator),
            "responder" => Some(Role::Responder),
            _ => None,
        }
    }

    /// The other participant.
    pub const fn other(self) -> Role {
        match self {
            Role::Initiator => Role::Responder,
            Role::Responder => Role::Initiator,
        }
    }
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `initiator_id`: a specific account, or `any` (responder only: accept any initiator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InitiatorId {
    /// This account.
    Account(AccountId),
    /// Whoever opens.
    Any,
}

/// How the minimum depth of channel transactions is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MinDepthStrategy {
    /// From the fee (node default); `minimum_depth` is the factor.
    Txfee,
    /// `minimum_depth` blocks.
    Plain,
}

/// The amounts and parties of a new channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenParams {
    /// The initiator.
    pub initiator_id: InitiatorId,
    /// The responder.
    pub responder_id: AccountId,
    /// Initiator's committed amount.
    pub initiator_amount: Uint,
    /// Responder's committed amount.
    pub responder_amount: Uint,
    /// Gift from initiator to responder in the initial state.
    pub push_amount: Uint,
    /// Minimum balance both must keep.
    pub channel_reserve: Uint,
    /// Blocks to dispute a solo close.
    pub lock_period: u64,
}

/// Whether this connection opens a channel or returns to an existing one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Session {
    /// Open a new channel.
    Open(OpenParams),
    /// Reconnect to a running FSM or reestablish the channel.
    Existing {
        /// The channel.
        channel_id: ChannelId,
        /// The latest FSM id of this side.
        fsm_id: FsmId,
    },
}

/// The FSM's protocol timers, in milliseconds (spec §7 "Timers"); `None` keeps the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeouts {
    /// `timeout_accept`.
    pub accept: Option<u64>,
    /// `timeout_funding_create`.
    pub funding_create: Option<u64>,
    /// `timeout_funding_sign`.
    pub funding_sign: Option<u64>,
    /// `timeout_funding_lock`.
    pub funding_lock: Option<u64>,
    /// `timeout_idle`.
    pub idle: Option<u64>,
    /// `timeout_sign`.
    pub sign: Option<u64>,
    /// `timeout_awaiting_open`.
    pub awaiting_open: Option<u64>,
    /// `timeout_initialized`.
    pub initialized: Option<u64>,
}

/// Which notification classes the node reports; `None` keeps the default (all but debug).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reports {
    /// `report_info`.
    pub info: Option<bool>,
    /// `report_update`.
    pub update: Option<bool>,
    /// `report_leave`.
    pub leave: Option<bool>,
    /// `report_conflict`.
    pub conflict: Option<bool>,
    /// `report_message`.
    pub message: Option<bool>,
    /// `report_error`.
    pub error: Option<bool>,
    /// `report_debug`.
    pub debug: Option<bool>,
    /// `report_on_chain_tx`.
    pub on_chain_tx: Option<bool>,
    /// `report_min_depth`.
    pub min_depth: Option<bool>,
}

/// The window of acceptable pinned block heights (`bh_delta_*`, all three or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHashDelta {
    /// `bh_delta_not_newer_than`.
    pub not_newer_than: u64,
    /// `bh_delta_not_older_than`.
    pub not_older_than: u64,
    /// `bh_delta_pick`.
    pub pick: u64,
}

/// Every query parameter of the channel URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectParams {
    /// `role`.
    pub role: Role,
    /// `host` of the responder's node (required for the initiator).
    pub host: Option<String>,
    /// `port` the responder's node listens on.
    pub port: u16,
    /// Open or return.
    pub session: Session,
    /// `ttl` of FSM-built on-chain txs.
    pub ttl: Option<u64>,
    /// `fee` of the create tx.
    pub fee: Option<Uint>,
    /// `gas_price` for the create tx fee.
    pub gas_price: Option<Uint>,
    /// `nonce` of the create tx.
    pub nonce: Option<u64>,
    /// `minimum_depth`.
    pub minimum_depth: Option<u64>,
    /// `minimum_depth_strategy`.
    pub minimum_depth_strategy: Option<MinDepthStrategy>,
    /// `timeout_*`.
    pub timeouts: Timeouts,
    /// `report_*`.
    pub reports: Reports,
    /// `bh_delta_*`.
    pub block_hash_delta: Option<BlockHashDelta>,
    /// `keep_running` (responder; node default true).
    pub keep_running: Option<bool>,
    /// `msg_forwarding`.
    pub msg_forwarding: Option<bool>,
    /// `log_keep`.
    pub log_keep: Option<u64>,
    /// `slogan`: free text.
    pub slogan: Option<String>,
    /// Any other parameter, passed through (e.g. the legacy `offchain_tx`, or open params
    /// given together with `existing_channel_id`, which the node ignores).
    pub extra: Vec<(String, String)>,
}

/// Why a query string is not acceptable. Only some faults get an answer from the node
/// ([`ConnectError::to_error_object`]); for the others it closes the socket silently.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectError {
    /// A `%` escape is malformed or the decoded bytes are not UTF-8.
    BadEncoding {
        /// Byte offset in the query string.
        position: usize,
    },
    /// A parameter appears twice.
    Duplicate {
        /// The parameter.
        name: String,
    },
    /// A required parameter is missing.
    Missing {
        /// The parameter.
        name: &'static str,
    },
    /// A parameter does not parse.
    Invalid {
        /// The parameter.
        name: &'static str,
        /// What was expected.
        expected: &'static str,
    },
    /// A number is negative (`3`/`105` "Value too low").
    ValueTooLow {
        /// The parameter.
        name: &'static str,
    },
    /// `existing_channel_id` without `existing_fsm_id` (`3`/`2000`).
    MissingFsmId,
    /// `existing_fsm_id` is not a 32-byte `ba_` (`3`/`1016`).
    InvalidFsmId,
}

impl ConnectError {
    /// The connection-time error the node sends before closing, or `None` when it closes the
    /// socket without a message. Use with [`super::Response::connection_error`].
    pub fn to_error_object(&self) -> Option<ErrorObject> {
        match self {
            ConnectError::ValueTooLow { .. } => Some(ErrorObject::rejected(DataCode::ValueTooLow)),
            ConnectError::MissingFsmId => Some(ErrorObject::rejected(DataCode::MissingFsmId)),
            ConnectError::InvalidFsmId => Some(ErrorObject::rejected(DataCode::InvalidFsmId)),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::BadEncoding { position } => {
                write!(f, "bad percent-encoding at offset {position}")
            }
            ConnectError::Duplicate { name } => write!(f, "parameter {name:?} given twice"),
            ConnectError::Missing { name } => write!(f, "missing parameter {name:?}"),
            ConnectError::Invalid { name, expected } => {
                write!(f, "parameter {name:?} must be {expected}")
            }
            ConnectError::ValueTooLow { name } => write!(f, "parameter {name:?} is negative"),
            ConnectError::MissingFsmId => f.write_str("Missing field: existing_fsm_id"),
            ConnectError::InvalidFsmId => f.write_str("invalid existing_fsm_id"),
        }
    }
}

impl std::error::Error for ConnectError {}

impl ConnectParams {
    /// Parameters to open a channel, with every option at its node default.
    pub fn open(role: Role, host: Option<String>, port: u16, open: OpenParams) -> Self {
        ConnectParams::new(role, host, port, Session::Open(open))
    }

    /// Parameters to return to an existing channel.
    pub fn existing(
        role: Role,
        host: Option<String>,
        port: u16,
        channel_id: ChannelId,
        fsm_id: FsmId,
    ) -> Self {
        ConnectParams::new(role, host, port, Session::Existing { channel_id, fsm_id })
    }

    fn new(role: Role, host: Option<String>, port: u16, session: Session) -> Self {
        ConnectParams {
            role,
            host,
            port,
            session,
            ttl: None,
            fee: None,
            gas_price: None,
            nonce: None,
            minimum_depth: None,
            minimum_depth_strategy: None,
            timeouts: Timeouts::default(),
            reports: Reports::default(),
            block_hash_delta: None,
            keep_running: None,
            msg_forwarding: None,
            log_keep: None,
            slogan: None,
            extra: Vec::new(),
        }
    }

    /// The `name=value` pairs, sorted by name (`protocol=json-rpc` included).
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = query::write(self);
        out.sort();
        out
    }

    /// The query string (without `?`).
    pub fn to_query(&self) -> String {
        let pairs = self.to_pairs();
        let parts: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", query::encode(k), query::encode(v)))
            .collect();
        parts.join("&")
    }

    /// The full URL: `base` (e.g. `ws://127.0.0.1:3014/channel`), `?`, the query.
    pub fn to_url(&self, base: &str) -> String {
        format!("{base}?{}", self.to_query())
    }

    /// Sets one optional parameter by its query name and text value, as a command line gives
    /// it: a typed field (`minimum_depth`, `timeout_idle`, `report_info`, `keep_running`, …) is
    /// read into its field; any other name is kept as given in [`ConnectParams::extra`]
    /// (replacing an earlier value). Returns whether the name was a typed field.
    ///
    /// # Errors
    /// [`ConnectError::Invalid`] or [`ConnectError::ValueTooLow`] when a typed field's value
    /// does not parse; the field is left as it was.
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool, ConnectError> {
        query::set(self, name, value)
    }

    /// Reads a query string (anything up to and including a `?` is skipped).
    ///
    /// # Errors
    /// The first [`ConnectError`].
    pub fn from_query(text: &str) -> Result<ConnectParams, ConnectError> {
        let offset = text.find('?').map_or(0, |i| i + 1);
        let q = text.get(offset..).unwrap_or_default();
        query::read(&query::decode_pairs(q, offset)?)
    }
}

mod query;

/// Percent-encodes a query value as the node expects: everything but the RFC 3986 unreserved
/// characters, in upper-case hex (base64 `+ / =` in FSM ids and transactions included).
pub fn percent_encode(s: &str) -> String {
    query::encode(s)
}

#[cfg(test)]
mod tests;
