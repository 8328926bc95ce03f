//! The builder of a [`ChannelConfig`].

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aesc_codec::crypto::NetworkId;
use aesc_codec::id::AccountId;
use aesc_codec::Uint;

use crate::config::{ConnectionConfig, Deadlines};
use crate::params::{ConnectParams, Role};
use crate::policy::SigningPolicy;
use crate::signer::Signer;
use crate::store::ChannelStore;

use super::*;

/// Builds a [`ChannelConfig`].
#[derive(Debug)]
pub struct ChannelConfigBuilder {
    pub(super) url: String,
    pub(super) role: Role,
    pub(super) network_id: NetworkId,
    pub(super) signer: Arc<dyn Signer>,
    pub(super) peer: Option<AccountId>,
    pub(super) host: Option<String>,
    pub(super) port: Option<u16>,
    pub(super) initiator_amount: Option<Uint>,
    pub(super) responder_amount: Option<Uint>,
    pub(super) push_amount: Uint,
    pub(super) channel_reserve: Option<Uint>,
    pub(super) lock_period: Option<u64>,
    pub(super) template: ConnectParams,
    pub(super) connection: ConnectionConfig,
    pub(super) deadlines: Deadlines,
    pub(super) fee_cap: Uint,
    pub(super) policy: Arc<dyn SigningPolicy>,
    pub(super) store: Option<StoreChoice>,
    /// The first parameter given with a value that does not parse.
    pub(super) invalid: Option<&'static str>,
    /// `None`: derived from `timeout_idle`; `Some(None)`: off.
    pub(super) fsm_keepalive: Option<Option<Duration>>,
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

    /// A connect parameter by name and text value (`minimum_depth`, `timeout_idle`, …), as a
    /// command line passes them; names with a typed field are read into it (a value that does
    /// not parse makes [`ChannelConfigBuilder::build`] fail with [`ConfigError::Invalid`]),
    /// others pass through unchanged.
    #[must_use]
    pub fn param(mut self, key: &str, value: &str) -> Self {
        if let Err(name) = set_param(&mut self.template, key, value) {
            self.invalid.get_or_insert(name);
        }
        self
    }

    /// Typed access to the other connect parameters (`ttl`, `timeouts`, `reports`,
    /// `keep_running`, `minimum_depth`, …). Role, host, port and session are set by the
    /// configuration itself.
    #[must_use]
    pub fn params(mut self, f: impl FnOnce(&mut ConnectParams)) -> Self {
        f(&mut self.template);
        self
    }

    /// Connection settings (timeouts, keepalive, TLS).
    #[must_use]
    pub fn connection(mut self, mut c: ConnectionConfig) -> Self {
        if c.trace.is_none() {
            c.trace = self.connection.trace.take();
        }
        if c.reactor.is_none() {
            c.reactor = self.connection.reactor.take();
        }
        self.connection = c;
        self
    }

    /// Runs this channel's connections on `reactor`, an I/O thread shared with other channels
    /// (see [`crate::Reactor`]), instead of an I/O thread of its own.
    #[must_use]
    pub fn reactor(mut self, reactor: &crate::Reactor) -> Self {
        self.connection.reactor = Some(reactor.clone());
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

    /// How long an open channel with no operation may stay silent before the client sends the
    /// node's FSM a `get.balances` to keep it from stopping (the FSM stops an open channel with
    /// no traffic for `timeout_idle`, 10 minutes by default). `None` turns this off. Default:
    /// half of `timeout_idle`.
    #[must_use]
    pub fn fsm_keepalive(mut self, every: Option<Duration>) -> Self {
        self.fsm_keepalive = Some(every);
        self
    }

    /// Signs through `signer` instead of the key given to [`ChannelConfig::builder`] (a
    /// wallet, a hardware module, another process): its account becomes this party's. The
    /// review and the policy stay in front of it.
    #[must_use]
    pub fn signer(mut self, signer: Arc<dyn Signer>) -> Self {
        self.signer = signer;
        self
    }

    /// Hands every socket event of this channel's connections to `tracer`, each record
    /// stamped with this party's role (see [`crate::trace`]). Off by default.
    #[must_use]
    pub fn trace(mut self, tracer: Arc<dyn crate::trace::Tracer>) -> Self {
        self.connection.trace = Some(tracer);
        self
    }

    /// Keeps the channel's state in this file (a [`StateStore`]): from `fsm_up` on, before
    /// every signature and after every co-signed state. The channel holds the file's lock.
    #[must_use]
    pub fn store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = Some(StoreChoice::File(path.into()));
        self
    }

    /// Keeps the channel's state in the program's own store (see [`ChannelStore`]).
    #[must_use]
    pub fn store_with(mut self, store: Arc<dyn ChannelStore>) -> Self {
        self.store = Some(StoreChoice::Custom(store));
        self
    }

    /// Checks and builds the configuration. The channel terms are optional (a reestablish
    /// does not need them) but must be complete when any of them is set.
    ///
    /// # Errors
    /// [`ConfigError`] for a missing peer, port, initiator host or incomplete terms.
    pub fn build(self) -> Result<ChannelConfig, ConfigError> {
        if let Some(name) = self.invalid {
            return Err(ConfigError::Invalid(name));
        }
        let peer = self.peer.ok_or(ConfigError::Missing("peer account"))?;
        if peer == self.signer.public_key() {
            return Err(ConfigError::SameParticipants);
        }
        let port = self.port.ok_or(ConfigError::Missing("port"))?;
        if self.role == Role::Initiator && self.host.is_none() {
            return Err(ConfigError::Missing("host"));
        }
        let mut connection = self.connection;
        if let Some(inner) = connection.trace.take() {
            let role = self.role;
            connection.trace = Some(Arc::new(crate::trace::WithRole { inner, role }));
        }
        let mut template = self.template;
        template.role = self.role;
        template.host = self.host;
        template.port = port;
        if let Some(k) = template.extra.iter().find_map(|(k, _)| bad_extra(k)) {
            return Err(ConfigError::Invalid(k));
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
                fee: template.fee.clone(),
                nonce: template.nonce,
            })
        } else {
            None
        };
        let idle_ms = template.timeouts.idle.unwrap_or(DEFAULT_TIMEOUT_IDLE_MS);
        let fsm_keepalive = self.fsm_keepalive.unwrap_or(Some(Duration::from_millis(idle_ms / 2)));
        Ok(ChannelConfig {
            url: self.url,
            role: self.role,
            network_id: self.network_id,
            signer: self.signer,
            peer,
            terms,
            template,
            connection,
            deadlines: self.deadlines,
            fee_cap: self.fee_cap,
            policy: self.policy,
            store: self.store,
            fsm_keepalive,
        })
    }
}
