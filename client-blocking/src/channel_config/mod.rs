//! The configuration of one party of a channel: who, against which node, with which terms,
//! and how carefully to sign.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::jsonrpc::connect::ConnectError;
use aesc_codec::Uint;

use crate::config::{ConnectionConfig, Deadlines};
use crate::params::{ConnectParams, InitiatorId, OpenParams, Role, Session};
use crate::policy::{DefaultPolicy, SigningPolicy};
use crate::signer::Signer;
use crate::store::{ChannelStore, StateStore};

/// The terms of a new channel, as both parties must agree on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenTerms {
    /// Amount the initiator commits.
    pub initiator_amount: Uint,
    /// Amount the responder commits.
    pub responder_amount: Uint,
    /// Initiator → responder gift in the initial state.
    pub push_amount: Uint,
    /// Minimum balance each party must keep.
    pub channel_reserve: Uint,
    /// Blocks to dispute a solo close.
    pub lock_period: u64,
    /// The create transaction's fee, when the user sets it (`fee` parameter); otherwise the
    /// node picks it, under the fee cap.
    pub fee: Option<Uint>,
    /// The create transaction's nonce, when the user sets it (`nonce` parameter).
    pub nonce: Option<u64>,
}

/// A configuration field that is missing or inconsistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required field was not set.
    Missing(&'static str),
    /// Initiator and responder are the same account.
    SameParticipants,
    /// A parameter does not have the right form.
    Invalid(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing(what) => write!(f, "{what} is required"),
            ConfigError::SameParticipants => f.write_str("initiator and responder are the same"),
            ConfigError::Invalid(what) => write!(f, "{what} is not valid"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Everything a [`crate::Channel`] needs. Build it with [`ChannelConfig::builder`].
#[derive(Clone)]
pub struct ChannelConfig {
    pub(crate) url: String,
    pub(crate) role: Role,
    pub(crate) network_id: NetworkId,
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) peer: AccountId,
    pub(crate) terms: Option<OpenTerms>,
    pub(crate) template: ConnectParams,
    pub(crate) connection: ConnectionConfig,
    pub(crate) deadlines: Deadlines,
    pub(crate) fee_cap: Uint,
    pub(crate) policy: Arc<dyn SigningPolicy>,
    pub(crate) store: Option<StoreChoice>,
    pub(crate) fsm_keepalive: Option<Duration>,
}

/// Where a channel keeps its state.
#[derive(Clone, Debug)]
pub(crate) enum StoreChoice {
    /// A [`crate::StateStore`] file.
    File(PathBuf),
    /// The user's own store.
    Custom(Arc<dyn ChannelStore>),
}

impl StoreChoice {
    /// The store, opened for this channel alone (a file store takes its lock).
    pub(crate) fn open(&self) -> Result<Arc<dyn ChannelStore>, crate::Error> {
        Ok(match self {
            StoreChoice::File(path) => Arc::new(StateStore::open(path.clone()).map_err(|e| {
                log::warn!("the state store failed: {e}");
                e
            })?),
            StoreChoice::Custom(store) => store.clone(),
        })
    }
}

impl fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("url", &self.url)
            .field("role", &self.role)
            .field("network_id", &self.network_id)
            .field("account", &self.signer.public_key())
            .field("peer", &self.peer)
            .field("terms", &self.terms)
            .field("fee_cap", &self.fee_cap)
            .field("store", &self.store)
            .field("fsm_keepalive", &self.fsm_keepalive)
            .finish_non_exhaustive()
    }
}

impl ChannelConfig {
    /// Starts a configuration for the party holding `key` in `role`, against the node's
    /// channel endpoint `url` (`ws://host:3014/channel`, no query). A URL without a path
    /// (`ws://host:3014`) gets the node's `/channel`.
    pub fn builder(
        url: impl Into<String>,
        role: Role,
        network_id: NetworkId,
        key: SecretKey,
    ) -> ChannelConfigBuilder {
        ChannelConfigBuilder {
            url: with_channel_path(url.into()),
            role,
            network_id,
            signer: Arc::new(key),
            peer: None,
            host: None,
            port: None,
            initiator_amount: None,
            responder_amount: None,
            push_amount: Uint::zero(),
            channel_reserve: None,
            lock_period: None,
            template: placeholder(role),
            connection: ConnectionConfig::default(),
            deadlines: Deadlines::default(),
            fee_cap: Uint::from(DEFAULT_FEE_CAP),
            policy: Arc::new(DefaultPolicy),
            store: None,
            invalid: None,
            fsm_keepalive: None,
        }
    }

    /// This party's account.
    pub fn account(&self) -> AccountId {
        self.signer.public_key()
    }

    /// This party's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The other party's account.
    pub fn peer(&self) -> AccountId {
        self.peer
    }

    /// The initiator's account.
    pub fn initiator(&self) -> AccountId {
        match self.role {
            Role::Initiator => self.account(),
            Role::Responder => self.peer,
        }
    }

    /// The responder's account.
    pub fn responder(&self) -> AccountId {
        match self.role {
            Role::Initiator => self.peer,
            Role::Responder => self.account(),
        }
    }

    /// The terms of a new channel, when set.
    pub fn terms(&self) -> Option<&OpenTerms> {
        self.terms.as_ref()
    }

    /// The network id signatures are made for.
    pub fn network_id(&self) -> &NetworkId {
        &self.network_id
    }

    /// The connection settings.
    pub fn connection(&self) -> &ConnectionConfig {
        &self.connection
    }

    /// The operation deadlines.
    pub fn deadlines(&self) -> &Deadlines {
        &self.deadlines
    }

    /// The state store file, when set.
    pub fn store_path(&self) -> Option<&std::path::Path> {
        match &self.store {
            Some(StoreChoice::File(p)) => Some(p),
            _ => None,
        }
    }

    /// Replaces the state store with this file (or none).
    pub fn set_store(&mut self, path: Option<PathBuf>) {
        self.store = path.map(StoreChoice::File);
    }

    /// Runs this party's connections on `reactor`, an I/O thread shared with other channels
    /// (or on an I/O thread of their own with `None`).
    pub fn set_reactor(&mut self, reactor: Option<&crate::Reactor>) {
        self.connection.reactor = reactor.cloned();
    }

    /// The connect parameters every connection of this party starts from (the session part
    /// is filled in per connection).
    pub fn connect_params(&self) -> &ConnectParams {
        &self.template
    }

    /// The full URL to open a new channel.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when the channel terms are incomplete.
    pub fn open_url(&self) -> Result<String, ConfigError> {
        let t = self.terms.as_ref().ok_or(ConfigError::Missing("channel terms"))?;
        let mut p = self.template.clone();
        p.session = Session::Open(OpenParams {
            initiator_id: InitiatorId::Account(self.initiator()),
            responder_id: self.responder(),
            initiator_amount: t.initiator_amount.clone(),
            responder_amount: t.responder_amount.clone(),
            push_amount: t.push_amount.clone(),
            channel_reserve: t.channel_reserve.clone(),
            lock_period: t.lock_period,
        });
        Ok(p.to_url(&self.url))
    }

    /// The full URL to reconnect to (or reestablish) an existing channel.
    pub fn existing_url(&self, channel: &ChannelId, fsm: &FsmId) -> String {
        let mut p = self.template.clone();
        p.session = Session::Existing { channel_id: *channel, fsm_id: *fsm };
        p.to_url(&self.url)
    }

    /// [`ChannelConfig::existing_url`] with `fsm_text` as the `existing_fsm_id` exactly as
    /// given (percent-encoded), or without that parameter for `None`.
    pub fn existing_url_with_fsm_text(
        &self,
        channel: &ChannelId,
        fsm_text: Option<&str>,
    ) -> String {
        let url = self.existing_url(channel, &FsmId([0; 32]));
        let (base, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
        let mut pairs: Vec<String> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            if pair.starts_with("existing_fsm_id=") {
                if let Some(text) = fsm_text {
                    let value = aesc_codec::jsonrpc::connect::percent_encode(text);
                    pairs.push(format!("existing_fsm_id={value}"));
                }
            } else {
                pairs.push(pair.to_owned());
            }
        }
        format!("{base}?{}", pairs.join("&"))
    }
}

/// `ws://host:port` → `ws://host:port/channel`; a URL with a path (or without `://`) stays.
fn with_channel_path(url: String) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url };
    let rest = rest.trim_end_matches('/');
    if rest.contains(['/', '?', '#']) || rest.is_empty() {
        return url;
    }
    format!("{scheme}://{rest}/channel")
}

/// A template with the role set and an empty session (filled in per connection).
fn placeholder(role: Role) -> ConnectParams {
    let zero = ChannelId([0; 32]);
    ConnectParams::existing(role, None, 0, zero, FsmId([0; 32]))
}

/// Parameters the configuration sets itself; a passed-through value would contradict it.
fn bad_extra(key: &str) -> Option<&'static str> {
    const OWN: [&str; 13] = [
        "role",
        "host",
        "port",
        "protocol",
        "initiator_id",
        "responder_id",
        "initiator_amount",
        "responder_amount",
        "push_amount",
        "channel_reserve",
        "lock_period",
        "existing_channel_id",
        "existing_fsm_id",
    ];
    OWN.iter().copied().find(|k| *k == key)
}

/// Sets `key=value` on the template through the codec's typed parameters; other names pass
/// through unchanged. A typed field whose value does not parse is an error naming the field.
fn set_param(template: &mut ConnectParams, key: &str, value: &str) -> Result<(), &'static str> {
    match template.set(key, value) {
        Ok(_) => Ok(()),
        Err(ConnectError::Invalid { name, .. } | ConnectError::ValueTooLow { name }) => Err(name),
        Err(_) => Err("parameter"),
    }
}

/// The default cap on any fee this client signs: 10^15 aettos (a channel transaction costs
/// about 2·10^13 at the minimum gas price).
pub const DEFAULT_FEE_CAP: u64 = 1_000_000_000_000_000;

/// The timeout the node's FSM applies to an idle open channel by default (`timeout_idle`).
const DEFAULT_TIMEOUT_IDLE_MS: u64 = 600_000;

mod builder;
#[cfg(test)]
mod tests;

pub use builder::ChannelConfigBuilder;
