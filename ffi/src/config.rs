//! The channel configuration: one JSON document with the connect parameters' names, and the
//! signing policy.

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::Duration;

use aesc_client::aesc_codec::crypto::NetworkId;
use aesc_client::aesc_codec::id::AccountId;
use aesc_client::{ChannelConfig, ChannelConfigBuilder, ConnectionConfig, Deadlines, Role};
use serde_json::{Map, Value};

use crate::error::Failure;
use crate::guard;
use crate::keys::secret_key;
use crate::policy::{aesc_policy_callback, CallbackPolicy};
use crate::result::aesc_result;
use crate::strings::{amount, str_in, Out};

/// The configuration of one party of a channel, made by `aesc_config_new` and used by
/// `aesc_channel_open`, `aesc_channel_connect`, `aesc_channel_reestablish` and
/// `aesc_channel_resume`. It holds the secret key.
///
/// Thread safety: immutable once made; may be used from several threads at once, and freed
/// once nothing uses it (channels made from it keep their own copy).
#[derive(Debug)]
pub struct aesc_config {
    pub(crate) inner: ChannelConfig,
}

/// Keys of the document that configure the client itself; every other key is a connect
/// parameter.
const CLIENT_KEYS: [&str; 13] = [
    "url",
    "role",
    "network_id",
    "secret_key",
    "peer",
    "initiator_id",
    "responder_id",
    "fee_cap",
    "store",
    "fsm_keepalive_ms",
    "deadlines_ms",
    "connection_ms",
    "event_capacity",
];

/// Keys of connect parameters with a builder function of their own.
const TERMS: [&str; 7] = [
    "host",
    "port",
    "initiator_amount",
    "responder_amount",
    "push_amount",
    "channel_reserve",
    "lock_period",
];

/// Makes a channel configuration from the JSON object `json` and the signing policy `policy`.
///
/// The document uses the names of the node's connect parameters, plus a few of the client:
///
/// ```text
/// {
///   "url": "ws://127.0.0.1:3014/channel",   the node's channel endpoint (required)
///   "role": "initiator" | "responder",      (required)
///   "network_id": "ae_mainnet",             what signatures are made for (required)
///   "secret_key": "sk_…",                   this party's key, or its hex seed (required)
///   "initiator_id": "ak_…", "responder_id": "ak_…",
///                                           the parties; the one of this role must be the
///                                           key's account. Or "peer": "ak_…" alone.
///   "host": "127.0.0.1", "port": 3333,      the responder's node (host: initiator only)
///   "initiator_amount": "1000000", "responder_amount": "500000", "push_amount": "0",
///   "channel_reserve": "1", "lock_period": 10,
///                                           the terms of a new channel (decimal strings)
///   "minimum_depth": 1, "keep_running": true, "timeout_idle": 600000, …
///                                           any other connect parameter of the node, passed
///                                           through (strings, numbers or booleans)
///   "fee_cap": "1000000000000000",          the largest fee this client signs
///   "store": "/path/channel.json",          the state store (rewritten after each update)
///   "fsm_keepalive_ms": 30000 | null,       how often to ping an idle FSM (null: never)
///   "deadlines_ms": {"fsm_up", "open", "sign_request", "co_signed", "on_chain", "leave",
///                    "reestablish"},        deadlines of the channel operations
///   "connection_ms": {"connect", "handshake", "call", "close", "ping_interval" (or null),
///                     "keepalive"},        deadlines of the connection
///   "event_capacity": 1024                  events kept before the oldest is dropped
/// }
/// ```
///
/// Amounts may be decimal strings or JSON integers. What is left out keeps the client's
/// default: `fee_cap` 10^15; `deadlines_ms` `fsm_up` 10000, `open` 300000, `sign_request`
/// 30000, `co_signed` 60000, `on_chain` 300000, `leave` 30000, `reestablish` 60000;
/// `connection_ms` `connect` 5000, `handshake` 10000, `call` 30000, `close` 5000,
/// `ping_interval` 20000, `keepalive` 40000; `event_capacity` 1024; `fsm_keepalive_ms` half of
/// the node's `timeout_idle`. A note for tests against the node double or a dev node: without
/// `"minimum_depth_strategy": "plain"` (or a double started with a forced minimum depth), the
/// node's default rule derives the confirmation depth from the fee, which takes many blocks.
///
/// `policy` decides whether to co-sign the other party's proposals (see `aesc_policy_callback`);
/// NULL applies the default policy, which co-signs only what does not reduce this party's
/// balance. `policy_userdata` is passed to every call of `policy`, unchanged.
///
/// Ownership: `json` is borrowed for the call; `policy_userdata` is not owned by the library
/// and must outlive every channel made from the configuration. On success `*config_out`
/// receives a new configuration owned by the caller, to free with `aesc_config_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_UTF8`,
/// `AESC_RESULT_INVALID_ARGUMENT` (not JSON, a missing or malformed field, an amount that does
/// not parse; the message names the field).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_config_new(
    json: *const c_char,
    policy: aesc_policy_callback,
    policy_userdata: *mut c_void,
    config_out: *mut *mut aesc_config,
) -> aesc_result {
    guard::run(|| {
        let out = Out::new(config_out, "config_out")?;
        // SAFETY: the caller passes a NUL-terminated string (contract above).
        let json = unsafe { str_in(json, "json") }?;
        let doc: Value = serde_json::from_str(json).map_err(|e| Failure::invalid("json", e))?;
        let doc = doc.as_object().ok_or_else(|| Failure::invalid("json", "not an object"))?;
        let mut builder = builder(doc)?;
        if let Some(callback) = policy {
            builder = builder.policy(Arc::new(CallbackPolicy::new(callback, policy_userdata)));
        }
        let inner = builder.build().map_err(|e| Failure::invalid("json", e))?;
        let config = Box::new(aesc_config { inner });
        // SAFETY: `config_out` is a writable `aesc_config **` (contract above).
        unsafe { out.write(Box::into_raw(config)) };
        Ok(())
    })
}

/// Frees a configuration made by `aesc_config_new`.
///
/// Ownership: takes back `config`, which must not be used afterwards; channels made from it are
/// not affected. `config == NULL` does nothing.
///
/// Thread safety: the caller must ensure no other thread uses `config` during or after the call.
#[no_mangle]
pub extern "C" fn aesc_config_free(config: *mut aesc_config) {
    guard::run_or((), || {
        if !config.is_null() {
            // SAFETY: per the contract above, `config` came from `Box::into_raw` in
            // `aesc_config_new` and is freed once.
            drop(unsafe { Box::from_raw(config) });
        }
    });
}

fn str_field<'a>(doc: &'a Map<String, Value>, key: &str) -> Result<&'a str, Failure> {
    match doc.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Failure::invalid(key, "expected a string")),
        None => Err(Failure::invalid(key, "is required")),
    }
}

fn account(doc: &Map<String, Value>, key: &str) -> Result<Option<AccountId>, Failure> {
    match doc.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s.parse().map(Some).map_err(|e| Failure::invalid(key, e)),
        Some(_) => Err(Failure::invalid(key, "expected an account (ak_…)")),
    }
}

/// An amount field: a decimal string or a JSON integer.
fn amount_field(v: &Value, key: &str) -> Result<aesc_codec::Uint, Failure> {
    match v {
        Value::String(s) => amount(s, key),
        Value::Number(n) => amount(n.as_str(), key),
        _ => Err(Failure::invalid(key, "expected a decimal string")),
    }
}

fn u64_field(v: &Value, key: &str) -> Result<u64, Failure> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| Failure::invalid(key, "expected a non-negative integer"))
}

/// A duration in milliseconds.
fn ms(v: &Value, key: &str) -> Result<Duration, Failure> {
    u64_field(v, key).map(Duration::from_millis)
}

/// A duration in milliseconds, or null for none.
fn opt_ms(v: &Value, key: &str) -> Result<Option<Duration>, Failure> {
    if v.is_null() {
        Ok(None)
    } else {
        ms(v, key).map(Some)
    }
}

/// A pass-through connect parameter's text.
fn param_text(v: &Value, key: &str) -> Result<String, Failure> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(Failure::invalid(key, "expected a string, a number or a boolean")),
    }
}

fn builder(doc: &Map<String, Value>) -> Result<ChannelConfigBuilder, Failure> {
    let role = match str_field(doc, "role")? {
        "initiator" => Role::Initiator,
        "responder" => Role::Responder,
        other => {
            return Err(Failure::invalid(
                "role",
                format!("{other:?} is neither initiator nor responder"),
            ))
        }
    };
    let key = secret_key(str_field(doc, "secret_key")?, "secret_key")?;
    let me = key.public_key();
    let (own_key, peer_key) = match role {
        Role::Initiator => ("initiator_id", "responder_id"),
        Role::Responder => ("responder_id", "initiator_id"),
    };
    if let Some(own) = account(doc, own_key)? {
        if own != me {
            return Err(Failure::invalid(own_key, "is not the account of secret_key"));
        }
    }
    let peer = match (account(doc, "peer")?, account(doc, peer_key)?) {
        (Some(a), Some(b)) if a != b => {
            return Err(Failure::invalid("peer", format!("differs from {peer_key}")))
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => return Err(Failure::invalid(peer_key, "is required (or \"peer\")")),
    };
    let network = NetworkId::new(str_field(doc, "network_id")?);
    let mut b = ChannelConfig::builder(str_field(doc, "url")?, role, network, key).peer(peer);
    for (k, v) in doc {
        let k = k.as_str();
        b = match k {
            "host" => b.host(param_text(v, k)?),
            "port" => {
                let port = u64_field(v, k)?;
                b.port(u16::try_from(port).map_err(|_| Failure::invalid(k, "above 65535"))?)
            }
            "initiator_amount" => b.initiator_amount(amount_field(v, k)?),
            "responder_amount" => b.responder_amount(amount_field(v, k)?),
            "push_amount" => b.push_amount(amount_field(v, k)?),
            "channel_reserve" => b.channel_reserve(amount_field(v, k)?),
            "lock_period" => b.lock_period(u64_field(v, k)?),
            "fee_cap" => b.fee_cap(amount_field(v, k)?),
            "store" => b.store(param_text(v, k)?),
            "fsm_keepalive_ms" => b.fsm_keepalive(opt_ms(v, k)?),
            "deadlines_ms" => b.deadlines(deadlines(v)?),
            "connection_ms" | "event_capacity" => b,
            _ if CLIENT_KEYS.contains(&k) || TERMS.contains(&k) => b,
            _ => b.param(k, &param_text(v, k)?),
        };
    }
    if doc.contains_key("connection_ms") || doc.contains_key("event_capacity") {
        b = b.connection(connection(doc)?);
    }
    Ok(b)
}

fn object<'a>(v: &'a Value, key: &str) -> Result<&'a Map<String, Value>, Failure> {
    v.as_object().ok_or_else(|| Failure::invalid(key, "expected an object"))
}

fn deadlines(v: &Value) -> Result<Deadlines, Failure> {
    let mut d = Deadlines::default();
    for (k, v) in object(v, "deadlines_ms")? {
        let slot = match k.as_str() {
            "fsm_up" => &mut d.fsm_up,
            "open" => &mut d.open,
            "sign_request" => &mut d.sign_request,
            "co_signed" => &mut d.co_signed,
            "on_chain" => &mut d.on_chain,
            "leave" => &mut d.leave,
            "reestablish" => &mut d.reestablish,
            other => {
                return Err(Failure::invalid("deadlines_ms", format!("unknown deadline {other:?}")))
            }
        };
        *slot = ms(v, &format!("deadlines_ms.{k}"))?;
    }
    Ok(d)
}

fn connection(doc: &Map<String, Value>) -> Result<ConnectionConfig, Failure> {
    let mut c = ConnectionConfig::default();
    if let Some(n) = doc.get("event_capacity") {
        let n = u64_field(n, "event_capacity")?;
        c.event_capacity =
            usize::try_from(n).map_err(|_| Failure::invalid("event_capacity", "too large"))?;
    }
    let Some(v) = doc.get("connection_ms") else { return Ok(c) };
    for (k, v) in object(v, "connection_ms")? {
        let name = format!("connection_ms.{k}");
        match k.as_str() {
            "connect" => c.connect_timeout = ms(v, &name)?,
            "handshake" => c.handshake_timeout = ms(v, &name)?,
            "call" => c.call_timeout = ms(v, &name)?,
            "close" => c.close_timeout = ms(v, &name)?,
            "ping_interval" => c.ping_interval = opt_ms(v, &name)?,
            "keepalive" => c.keepalive_timeout = ms(v, &name)?,
            other => {
                return Err(Failure::invalid("connection_ms", format!("unknown setting {other:?}")))
            }
        }
    }
    Ok(c)
}

/// The failure for a configuration that does not fit an operation.
pub(crate) fn mismatch(why: &str) -> Failure {
    Failure::new(aesc_result::InvalidArgument, why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults the documentation of `aesc_config_new` lists are the client's.
    #[test]
    fn documented_defaults_are_the_clients() {
        let d = Deadlines::default();
        let ms = |d: Duration| d.as_millis();
        assert_eq!(
            [d.fsm_up, d.open, d.sign_request, d.co_signed, d.on_chain, d.leave, d.reestablish]
                .map(ms),
            [10_000, 300_000, 30_000, 60_000, 300_000, 30_000, 60_000]
        );
        let c = ConnectionConfig::default();
        assert_eq!(
            [c.connect_timeout, c.handshake_timeout, c.call_timeout, c.close_timeout].map(ms),
            [5_000, 10_000, 30_000, 5_000]
        );
        assert_eq!(c.ping_interval.map(ms), Some(20_000));
        assert_eq!(ms(c.keepalive_timeout), 40_000);
        assert_eq!(c.event_capacity, 1024);
        assert_eq!(aesc_client::DEFAULT_FEE_CAP, 1_000_000_000_000_000);
    }

    fn doc(extra: &str) -> Map<String, Value> {
        let key = aesc_codec::crypto::SecretKey::from_seed(&[1; 32]);
        let peer = aesc_codec::crypto::SecretKey::from_seed(&[2; 32]).public_key();
        let text = format!(
            r#"{{"url": "ws://h:1", "role": "initiator", "network_id": "ae_dev",
                "secret_key": "{}", "peer": "{peer}", "host": "h", "port": 1,
                "initiator_amount": "1", "responder_amount": 2, "channel_reserve": "1",
                "lock_period": 1 {extra}}}"#,
            key.to_sk_string().as_str()
        );
        serde_json::from_str::<Value>(&text).unwrap().as_object().unwrap().clone()
    }

    #[test]
    fn documents_become_configurations() {
        let cfg = builder(&doc(r#", "minimum_depth": 1, "keep_running": false,
            "deadlines_ms": {"open": 1500}, "connection_ms": {"ping_interval": null}"#))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(cfg.deadlines().open, Duration::from_millis(1500));
        assert_eq!(cfg.connection().ping_interval, None);
        assert_eq!(cfg.connect_params().minimum_depth, Some(1));
        assert_eq!(cfg.connect_params().keep_running, Some(false));
        let bad = |extra: &str| builder(&doc(extra)).err().map(|f| f.message);
        assert!(bad(r#", "deadlines_ms": {"opne": 1}"#).unwrap().contains("opne"));
        assert!(bad(r#", "port": 70000"#).unwrap().contains("port"));
        assert!(bad(r#", "minimum_depth": [1]"#).unwrap().contains("minimum_depth"));
        assert!(bad(r##", "responder_id": "ak_2""##).unwrap().contains("responder_id"));
    }
}
