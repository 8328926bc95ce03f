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
            StoreChoice::File(path) => Arc::new(StateStore::open(path.clone())?),
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

/// Builds a [`ChannelConfig`].
#[derive(Debug)]
pub struct ChannelConfigBuilder {
    url: String,
    role: Role,
    network_id: NetworkId,
    signer: Arc<dyn Signer>,
    peer: Option<AccountId>,
    host: Option<String>,
    port: Option<u16>,
    initiator_amount: Option<Uint>,
    responder_amount: Option<Uint>,
    push_amount: Uint,
    channel_reserve: Option<Uint>,
    lock_period: Option<u64>,
    template: ConnectParams,
    connection: ConnectionConfig,
    deadlines: Deadlines,
    fee_cap: Uint,
    policy: Arc<dyn SigningPolicy>,
    store: Option<StoreChoice>,
    /// The first parameter given with a value that does not parse.
    invalid: Option<&'static str>,
    /// `None`: derived from `timeout_idle`; `Some(None)`: off.
    fsm_keepalive: Option<Option<Duration>>,
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

/// The timeout the node's FSM applies to an idle open channel by default (`timeout_idle`).
const DEFAULT_TIMEOUT_IDLE_MS: u64 = 600_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::MinDepthStrategy;

    #[test]
    fn a_url_without_a_path_gets_the_channel_endpoint() {
        for (given, used) in [
            ("ws://127.0.0.1:3014", "ws://127.0.0.1:3014/channel"),
            ("ws://127.0.0.1:3014/", "ws://127.0.0.1:3014/channel"),
            ("ws://127.0.0.1:3014/channel", "ws://127.0.0.1:3014/channel"),
            ("wss://node.example/ws", "wss://node.example/ws"),
            ("nonsense", "nonsense"),
        ] {
            assert_eq!(with_channel_path(given.to_owned()), used);
        }
    }

    #[test]
    fn an_fsm_id_can_be_given_as_text_or_left_out() {
        let ch = ChannelId([1; 32]);
        let cfg = ChannelConfig::builder("ws://n:1", Role::Responder, NetworkId::new("x"), key(1))
            .peer(key(2).public_key())
            .port(3)
            .build()
            .unwrap();
        let url = cfg.existing_url_with_fsm_text(&ch, None);
        assert!(url.starts_with("ws://n:1/channel?existing_channel_id=ch_"), "{url}");
        assert!(!url.contains("existing_fsm_id"), "{url}");
        let url = cfg.existing_url_with_fsm_text(&ch, Some("ba_a+b"));
        assert!(url.contains("&existing_fsm_id=ba_a%2Bb&"), "{url}");
    }

    fn key(b: u8) -> SecretKey {
        SecretKey::from_seed(&[b; 32])
    }

    fn initiator() -> ChannelConfigBuilder {
        ChannelConfig::builder(
            "ws://127.0.0.1:3014/channel",
            Role::Initiator,
            NetworkId::new("ae_dev"),
            key(1),
        )
        .peer(key(2).public_key())
        .host("localhost")
        .port(3333)
    }

    #[test]
    fn open_url_carries_every_term_and_role_specifics() {
        let cfg = initiator()
            .initiator_amount(100u64)
            .responder_amount(50u64)
            .push_amount(1u64)
            .channel_reserve(2u64)
            .lock_period(10)
            .param("minimum_depth", "1")
            .param("minimum_depth_strategy", "plain")
            .param("some_future_param", "a+b")
            .build()
            .unwrap();
        assert_eq!(cfg.connect_params().minimum_depth, Some(1));
        assert_eq!(cfg.connect_params().minimum_depth_strategy, Some(MinDepthStrategy::Plain));
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
            "minimum_depth_strategy=plain",
            "some_future_param=a%2Bb",
            "protocol=json-rpc",
        ] {
            assert!(url.contains(part), "{part} missing in {url}");
        }
        assert!(url.contains(&format!("initiator_id={}", key(1).public_key())));
        assert!(url.contains(&format!("responder_id={}", key(2).public_key())));
        assert!(!url.contains("existing"));
    }

    #[test]
    fn existing_url_reuses_the_options() {
        let cfg = initiator()
            .params(|p| p.timeouts.idle = Some(60_000))
            .param("keep_running", "false")
            .build()
            .unwrap();
        let ch = ChannelId([3; 32]);
        let fsm = FsmId([0xfb; 32]);
        let url = cfg.existing_url(&ch, &fsm);
        assert!(url.contains(&format!("existing_channel_id={ch}")));
        assert!(url.contains("existing_fsm_id=ba_%2B"), "{url}");
        assert!(url.contains("timeout_idle=60000"));
        assert!(url.contains("keep_running=false"));
        assert!(url.contains("host=localhost") && url.contains("role=initiator"));
        assert!(!url.contains("initiator_amount"));
    }

    #[test]
    fn create_fee_and_nonce_parameters_become_terms() {
        let cfg = initiator()
            .initiator_amount(1u64)
            .responder_amount(1u64)
            .channel_reserve(0u64)
            .lock_period(1)
            .param("fee", "20000000000000")
            .param("nonce", "7")
            .build()
            .unwrap();
        let t = cfg.terms().unwrap();
        assert_eq!(t.fee, Some(20_000_000_000_000u64.into()));
        assert_eq!(t.nonce, Some(7));
    }

    #[test]
    fn missing_and_contradicting_fields_are_named() {
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
        assert_eq!(
            b().peer(key(2).public_key())
                .port(1)
                .host("h")
                .param("role", "responder")
                .build()
                .err(),
            Some(ConfigError::Invalid("role"))
        );
        // A typed parameter whose value does not parse is named, not passed through.
        let ok = || b().peer(key(2).public_key()).port(1).host("h");
        assert_eq!(
            ok().param("minimum_depth", "abc").build().err(),
            Some(ConfigError::Invalid("minimum_depth"))
        );
        assert_eq!(
            ok().param("timeout_idle", "-5").build().err(),
            Some(ConfigError::Invalid("timeout_idle"))
        );
        // One of the block-hash delta group alone is passed through for the node to judge.
        let cfg = ok().param("bh_delta_pick", "2").build().unwrap();
        assert!(cfg.connect_params().extra.iter().any(|(k, v)| k == "bh_delta_pick" && v == "2"));
    }
}
