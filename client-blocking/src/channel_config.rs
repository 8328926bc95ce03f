//! The configuration of one party of a channel: who, against which node, with which terms,
//! and how carefully to sign.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::Uint;

use crate::config::{ConnectionConfig, Deadlines};
use crate::params::{ConnectParams, Role};
use crate::policy::{DefaultPolicy, SigningPolicy};

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
    pub(crate) key: SecretKey,
    pub(crate) peer: AccountId,
    pub(crate) host: Option<String>,
    pub(crate) port: u16,
    pub(crate) terms: Option<OpenTerms>,
    pub(crate) extra: ConnectParams,
    pub(crate) connection: ConnectionConfig,
    pub(crate) deadlines: Deadlines,
    pub(crate) fee_cap: Uint,
    pub(crate) policy: Arc<dyn SigningPolicy>,
    pub(crate) store: Option<PathBuf>,
}

impl fmt::Debug for ChannelConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelConfig")
            .field("url", &self.url)
            .field("role", &self.role)
            .field("network_id", &self.network_id)
            .field("account", &self.key.public_key())
            .field("peer", &self.peer)
            .field("terms", &self.terms)
            .field("fee_cap", &self.fee_cap)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl ChannelConfig {
    /// Starts a configuration for the party holding `key` in `role`, against the node's
    /// channel endpoint `url` (`ws://host:3014/channel`, no query).
    pub fn builder(
        url: impl Into<String>,
        role: Role,
        network_id: NetworkId,
        key: SecretKey,
    ) -> ChannelConfigBuilder {
        ChannelConfigBuilder {
            url: url.into(),
            role,
            network_id,
            key,
            peer: None,
            host: None,
            port: None,
            initiator_amount: None,
            responder_amount: None,
            push_amount: Uint::zero(),
            channel_reserve: None,
            lock_period: None,
            extra: ConnectParams::new(),
            connection: ConnectionConfig::default(),
            deadlines: Deadlines::default(),
            fee_cap: Uint::from(DEFAULT_FEE_CAP),
            policy: Arc::new(DefaultPolicy),
            store: None,
        }
    }

    /// This party's account.
    pub fn account(&self) -> AccountId {
        self.key.public_key()
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
        self.store.as_deref()
    }

    /// Replaces the state store file.
    pub fn set_store(&mut self, path: Option<PathBuf>) {
        self.store = path;
    }

    fn base_params(&self) -> ConnectParams {
        let mut p = self.extra.clone();
        p.role(self.role).port(self.port);
        if let Some(h) = &self.host {
            p.host(h);
        }
        p
    }

    /// The full URL to open a new channel.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when the channel terms are incomplete.
    pub fn open_url(&self) -> Result<String, ConfigError> {
        let t = self.terms.as_ref().ok_or(ConfigError::Missing("channel terms"))?;
        let mut p = self.base_params();
        p.initiator_id(&self.initiator())
            .responder_id(&self.responder())
            .initiator_amount(&t.initiator_amount)
            .responder_amount(&t.responder_amount)
            .push_amount(&t.push_amount)
            .channel_reserve(&t.channel_reserve)
            .lock_period(t.lock_period);
        Ok(p.url(&self.url))
    }

    /// The full URL to reconnect to (or reestablish) an existing channel.
    pub fn existing_url(&self, channel: &ChannelId, fsm: &FsmId) -> String {
        let mut p = self.base_params();
        p.existing(channel, fsm);
        p.url(&self.url)
    }
}

/// The default cap on any fee this client signs: 10^15 aettos (a channel transaction costs
/// about 2·10^13 at the minimum gas price).
pub const DEFAULT_FEE_CAP: u64 = 1_000_000_000_000_000;

/// Builds a [`ChannelConfig`].
#[derive(Debug)]
pub struct ChannelConfigBuilder {
    url: String,
    role: Role,
    network_id: NetworkId,
    key: SecretKey,
    peer: Option<AccountId>,
    host: Option<String>,
    port: Option<u16>,
    initiator_amount: Option<Uint>,
    responder_amount: Option<Uint>,
    push_amount: Uint,
    channel_reserve: Option<Uint>,
    lock_period: Option<u64>,
    extra: ConnectParams,
    connection: ConnectionConfig,
    deadlines: Deadlines,
    fee_cap: Uint,
    policy: Arc<dyn SigningPolicy>,
    store: Option<PathBuf>,
}

impl ChannelConfigBuilder {
    /// The other party's account (`responder_id` for an initiator, `initiator_id` for a
    /// responder).
    #[must_use]
    pub fn peer(mut self, peer: AccountId) -> Self {
        self.peer = Some(peer);
        self
    }

    /// `host` of the responder's node (required for the initiator).
    #[must_use]
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.host = Some(host.into());
        self
    }

    /// `port` the responder's node listens on for the peer.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// `initiator_amount`.
    #[must_use]
    pub fn initiator_amount(mut self, v: impl Into<Uint>) -> Self {
        self.initiator_amount = Some(v.into());
        self
    }

    /// `responder_amount`.
    #[must_use]
    pub fn responder_amount(mut self, v: impl Into<Uint>) -> Self {
        self.responder_amount = Some(v.into());
        self
    }

    /// `push_amount` (default 0).
    #[must_use]
    pub fn push_amount(mut self, v: impl Into<Uint>) -> Self {
        self.push_amount = v.into();
        self
    }

    /// `channel_reserve`.
    #[must_use]
    pub fn channel_reserve(mut self, v: impl Into<Uint>) -> Self {
        self.channel_reserve = Some(v.into());
        self
    }

    /// `lock_period`.
    #[must_use]
    pub fn lock_period(mut self, blocks: u64) -> Self {
        self.lock_period = Some(blocks);
        self
    }

    /// Any other connect parameter by name (`minimum_depth`, `timeout_idle`, …).
    #[must_use]
    pub fn param(mut self, key: &str, value: &str) -> Self {
        self.extra.set(key, value);
        self
    }

    /// Typed access to the other connect parameters.
    #[must_use]
    pub fn params(mut self, f: impl FnOnce(&mut ConnectParams)) -> Self {
        f(&mut self.extra);
        self
    }

    /// Connection settings (timeouts, keepalive, TLS).
    #[must_use]
    pub fn connection(mut self, c: ConnectionConfig) -> Self {
        self.connection = c;
        self
    }

    /// Operation deadlines.
    #[must_use]
    pub fn deadlines(mut self, d: Deadlines) -> Self {
        self.deadlines = d;
        self
    }

    /// The largest fee this client signs for (default [`DEFAULT_FEE_CAP`]).
    #[must_use]
    pub fn fee_cap(mut self, cap: impl Into<Uint>) -> Self {
        self.fee_cap = cap.into();
        self
    }

    /// The policy for the other party's proposals (default [`DefaultPolicy`]).
    #[must_use]
    pub fn policy(mut self, policy: Arc<dyn SigningPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// Keeps the channel's state in this file after every co-signed update.
    #[must_use]
    pub fn store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(path.into());
        self
    }

    /// Checks and builds the configuration. The channel terms are optional (a reestablish
    /// does not need them) but must be complete when any of them is set.
    ///
    /// # Errors
    /// [`ConfigError`] for a missing peer, port, initiator host or incomplete terms.
    pub fn build(self) -> Result<ChannelConfig, ConfigError> {
        let peer = self.peer.ok_or(ConfigError::Missing("peer account"))?;
        if peer == self.key.public_key() {
            return Err(ConfigError::SameParticipants);
        }
        let port = self.port.ok_or(ConfigError::Missing("port"))?;
        if self.role == Role::Initiator && self.host.is_none() {
            return Err(ConfigError::Missing("host"));
        }
        let any_term = self.initiator_amount.is_some()
            || self.responder_amount.is_some()
            || self.channel_reserve.is_some()
            || self.lock_period.is_some();
        let terms = if any_term {
            Some(OpenTerms {
                initiator_amount: self
                    .initiator_amount
                    .ok_or(ConfigError::Missing("initiator_amount"))?,
                responder_amount: self
                    .responder_amount
                    .ok_or(ConfigError::Missing("responder_amount"))?,
                push_amount: self.push_amount,
                channel_reserve: self
                    .channel_reserve
                    .ok_or(ConfigError::Missing("channel_reserve"))?,
                lock_period: self.lock_period.ok_or(ConfigError::Missing("lock_period"))?,
                fee: match self.extra.get("fee") {
                    Some(f) => Some(f.parse().map_err(|_| ConfigError::Invalid("fee"))?),
                    None => None,
                },
                nonce: match self.extra.get("nonce") {
                    Some(n) => Some(n.parse().map_err(|_| ConfigError::Invalid("nonce"))?),
                    None => None,
                },
            })
        } else {
            None
        };
        Ok(ChannelConfig {
            url: self.url,
            role: self.role,
            network_id: self.network_id,
            key: self.key,
            peer,
            host: self.host,
            port,
            terms,
            extra: self.extra,
            connection: self.connection,
            deadlines: self.deadlines,
            fee_cap: self.fee_cap,
            policy: self.policy,
            store: self.store,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretKey {
        SecretKey::from_seed(&[b; 32])
    }

    #[test]
    fn open_url_carries_every_term_and_role_specifics() {
        let cfg = ChannelConfig::builder(
            "ws://127.0.0.1:3014/channel",
            Role::Initiator,
            NetworkId::new("ae_dev"),
            key(1),
        )
        .peer(key(2).public_key())
        .host("localhost")
        .port(3333)
        .initiator_amount(100u64)
        .responder_amount(50u64)
        .push_amount(1u64)
        .channel_reserve(2u64)
        .lock_period(10)
        .param("minimum_depth", "1")
        .build()
        .unwrap();
        let url = cfg.open_url().unwrap();
        for part in [
            "host=localhost",
            "port=3333",
            "role=initiator",
            "initiator_amount=100",
            "responder_amount=50",
            "push_amount=1",
            "channel_reserve=2",
            "lock_period=10",
            "minimum_depth=1",
            "protocol=json-rpc",
        ] {
            assert!(url.contains(part), "{part} missing in {url}");
        }
        assert!(url.contains(&format!("initiator_id={}", key(1).public_key())));
        assert!(url.contains(&format!("responder_id={}", key(2).public_key())));
    }

    #[test]
    fn missing_fields_are_named() {
        let b =
            || ChannelConfig::builder("ws://x/channel", Role::Initiator, "ae_dev".into(), key(1));
        assert_eq!(b().port(1).build().err(), Some(ConfigError::Missing("peer account")));
        assert_eq!(
            b().peer(key(2).public_key()).port(1).build().err(),
            Some(ConfigError::Missing("host"))
        );
        assert_eq!(
            b().peer(key(2).public_key()).port(1).host("h").initiator_amount(1u64).build().err(),
            Some(ConfigError::Missing("responder_amount"))
        );
        assert_eq!(
            b().peer(key(1).public_key()).port(1).host("h").build().err(),
            Some(ConfigError::SameParticipants)
        );
    }
}
