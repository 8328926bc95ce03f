//! The connect parameters of the channel WebSocket URL (spec §6.2) and their percent-encoding.

use std::collections::BTreeMap;
use std::fmt;

use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::Uint;

/// The role of this client in the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Opens the channel, pays the create fee, connects to the responder's node.
    Initiator,
    /// Accepts the channel; its node listens on `port`.
    Responder,
}

impl Role {
    /// `initiator` or `responder`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Initiator => "initiator",
            Role::Responder => "responder",
        }
    }

    /// The other role.
    pub const fn other(self) -> Role {
        match self {
            Role::Initiator => Role::Responder,
            Role::Responder => Role::Initiator,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the FSM decides that a transaction is deep enough on chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinimumDepthStrategy {
    /// `minimum_depth` is a number of blocks.
    Plain,
    /// `minimum_depth` is a factor applied to the fee.
    TxFee,
}

/// The FSM timers that can be set per connection (milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FsmTimer {
    /// `timeout_accept`.
    Accept,
    /// `timeout_funding_create`.
    FundingCreate,
    /// `timeout_funding_sign`.
    FundingSign,
    /// `timeout_funding_lock`.
    FundingLock,
    /// `timeout_idle`.
    Idle,
    /// `timeout_sign`.
    Sign,
    /// `timeout_awaiting_open`.
    AwaitingOpen,
    /// `timeout_initialized`.
    Initialized,
}

impl FsmTimer {
    /// The query parameter name.
    pub const fn key(self) -> &'static str {
        match self {
            FsmTimer::Accept => "timeout_accept",
            FsmTimer::FundingCreate => "timeout_funding_create",
            FsmTimer::FundingSign => "timeout_funding_sign",
            FsmTimer::FundingLock => "timeout_funding_lock",
            FsmTimer::Idle => "timeout_idle",
            FsmTimer::Sign => "timeout_sign",
            FsmTimer::AwaitingOpen => "timeout_awaiting_open",
            FsmTimer::Initialized => "timeout_initialized",
        }
    }
}

/// The notification classes the node can be told not to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Report {
    /// `report_info`.
    Info,
    /// `report_update`.
    Update,
    /// `report_leave`.
    Leave,
    /// `report_conflict`.
    Conflict,
    /// `report_message`.
    Message,
    /// `report_error`.
    Error,
    /// `report_debug`.
    Debug,
    /// `report_on_chain_tx`.
    OnChainTx,
    /// `report_min_depth`.
    MinDepth,
}

impl Report {
    /// The query parameter name.
    pub const fn key(self) -> &'static str {
        match self {
            Report::Info => "report_info",
            Report::Update => "report_update",
            Report::Leave => "report_leave",
            Report::Conflict => "report_conflict",
            Report::Message => "report_message",
            Report::Error => "report_error",
            Report::Debug => "report_debug",
            Report::OnChainTx => "report_on_chain_tx",
            Report::MinDepth => "report_min_depth",
        }
    }
}

/// The query parameters of one connection, kept sorted by name; setting a name twice keeps the
/// last value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectParams {
    values: BTreeMap<String, String>,
}

impl ConnectParams {
    /// No parameters yet except `protocol=json-rpc`.
    pub fn new() -> Self {
        let mut p = ConnectParams::default();
        p.set("protocol", "json-rpc");
        p
    }

    /// Sets any parameter by name (for parameters this type has no setter for).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.values.insert(key.into(), value.into());
        self
    }

    /// Removes a parameter.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        self.values.remove(key);
        self
    }

    /// The value of a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// All parameters, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `role`.
    pub fn role(&mut self, role: Role) -> &mut Self {
        self.set("role", role.as_str())
    }

    /// `host` of the responder's node (required for the initiator).
    pub fn host(&mut self, host: &str) -> &mut Self {
        self.set("host", host)
    }

    /// `port` the responder's node listens on.
    pub fn port(&mut self, port: u16) -> &mut Self {
        self.set("port", port.to_string())
    }

    /// `initiator_id`.
    pub fn initiator_id(&mut self, id: &AccountId) -> &mut Self {
        self.set("initiator_id", id.to_string())
    }

    /// `initiator_id=any`: a responder accepting any initiator.
    pub fn any_initiator(&mut self) -> &mut Self {
        self.set("initiator_id", "any")
    }

    /// `responder_id`.
    pub fn responder_id(&mut self, id: &AccountId) -> &mut Self {
        self.set("responder_id", id.to_string())
    }

    /// `initiator_amount`.
    pub fn initiator_amount(&mut self, v: &Uint) -> &mut Self {
        self.set("initiator_amount", v.to_string())
    }

    /// `responder_amount`.
    pub fn responder_amount(&mut self, v: &Uint) -> &mut Self {
        self.set("responder_amount", v.to_string())
    }

    /// `push_amount`.
    pub fn push_amount(&mut self, v: &Uint) -> &mut Self {
        self.set("push_amount", v.to_string())
    }

    /// `channel_reserve`.
    pub fn channel_reserve(&mut self, v: &Uint) -> &mut Self {
        self.set("channel_reserve", v.to_string())
    }

    /// `lock_period`.
    pub fn lock_period(&mut self, blocks: u64) -> &mut Self {
        self.set("lock_period", blocks.to_string())
    }

    /// `ttl` of FSM-built on-chain transactions.
    pub fn ttl(&mut self, ttl: u64) -> &mut Self {
        self.set("ttl", ttl.to_string())
    }

    /// `fee` of the create transaction.
    pub fn fee(&mut self, v: &Uint) -> &mut Self {
        self.set("fee", v.to_string())
    }

    /// `gas_price` for the create-fee computation.
    pub fn gas_price(&mut self, v: &Uint) -> &mut Self {
        self.set("gas_price", v.to_string())
    }

    /// `nonce` of the create transaction.
    pub fn nonce(&mut self, nonce: u64) -> &mut Self {
        self.set("nonce", nonce.to_string())
    }

    /// `minimum_depth` and `minimum_depth_strategy`.
    pub fn minimum_depth(&mut self, strategy: MinimumDepthStrategy, depth: u64) -> &mut Self {
        let s = match strategy {
            MinimumDepthStrategy::Plain => "plain",
            MinimumDepthStrategy::TxFee => "txfee",
        };
        self.set("minimum_depth_strategy", s);
        self.set("minimum_depth", depth.to_string())
    }

    /// One FSM timer, in milliseconds.
    pub fn timer(&mut self, timer: FsmTimer, ms: u64) -> &mut Self {
        self.set(timer.key(), ms.to_string())
    }

    /// Enables or disables one notification class.
    pub fn report(&mut self, report: Report, on: bool) -> &mut Self {
        self.set(report.key(), bool_str(on))
    }

    /// The block-hash window: `bh_delta_not_newer_than`, `bh_delta_not_older_than`,
    /// `bh_delta_pick` (the node needs all three or none).
    pub fn block_hash_deltas(
        &mut self,
        not_newer_than: u64,
        not_older_than: u64,
        pick: u64,
    ) -> &mut Self {
        self.set("bh_delta_not_newer_than", not_newer_than.to_string());
        self.set("bh_delta_not_older_than", not_older_than.to_string());
        self.set("bh_delta_pick", pick.to_string())
    }

    /// `keep_running` (responder only).
    pub fn keep_running(&mut self, on: bool) -> &mut Self {
        self.set("keep_running", bool_str(on))
    }

    /// `msg_forwarding`.
    pub fn msg_forwarding(&mut self, on: bool) -> &mut Self {
        self.set("msg_forwarding", bool_str(on))
    }

    /// `log_keep`.
    pub fn log_keep(&mut self, n: u64) -> &mut Self {
        self.set("log_keep", n.to_string())
    }

    /// `slogan`.
    pub fn slogan(&mut self, text: &str) -> &mut Self {
        self.set("slogan", text)
    }

    /// `existing_channel_id` and `existing_fsm_id`: reconnect to a running FSM or reestablish
    /// a stopped one.
    pub fn existing(&mut self, channel: &ChannelId, fsm: &FsmId) -> &mut Self {
        self.set("existing_channel_id", channel.to_string());
        self.set("existing_fsm_id", fsm.to_string())
    }

    /// The query string, every value percent-encoded (base64 payloads carry `+ / =`, which the
    /// node would otherwise misread).
    pub fn to_query(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.values.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            percent_encode(k, &mut out);
            out.push('=');
            percent_encode(v, &mut out);
        }
        out
    }

    /// `base` (`ws://host:port/channel`) followed by `?` and the query.
    pub fn url(&self, base: &str) -> String {
        format!("{base}?{}", self.to_query())
    }
}

fn bool_str(on: bool) -> &'static str {
    if on {
        "true"
    } else {
        "false"
    }
}

/// Percent-encodes everything except the RFC 3986 unreserved characters.
pub(crate) fn percent_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 0x0f] {
                out.push(HEX.get(usize::from(nibble)).map_or('0', |h| char::from(*h)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsm_id_is_percent_encoded_as_in_the_recording() {
        // From live/001: existing_fsm_id=ba_%2Bv83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg
        let fsm: FsmId = "ba_+v83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg".parse().unwrap();
        let ch: ChannelId = "ch_yzcUVMdUNprXBoGwMCAMXJ1Tjf3yJmmNxndghRR8tBPK7Q3f9".parse().unwrap();
        let mut p = ConnectParams::new();
        p.existing(&ch, &fsm).role(Role::Responder).port(3342);
        assert_eq!(
            p.to_query(),
            "existing_channel_id=ch_yzcUVMdUNprXBoGwMCAMXJ1Tjf3yJmmNxndghRR8tBPK7Q3f9\
             &existing_fsm_id=ba_%2Bv83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg\
             &port=3342&protocol=json-rpc&role=responder"
        );
    }

    #[test]
    fn open_query_matches_the_recorded_initiator_url() {
        let mut p = ConnectParams::new();
        let i: AccountId = "ak_qJFvBznNakNngYCxQCFzsUdWLTot1HbctCGbop2XDFvphnGeu".parse().unwrap();
        let r: AccountId = "ak_K56NVwc9cihWWPb24eoC4zp2rv1UjD1fztdPj1EeqM1FUqeDq".parse().unwrap();
        p.channel_reserve(&2u64.into())
            .host("127.0.0.1")
            .initiator_amount(&70_000_000_000_000u64.into())
            .initiator_id(&i)
            .keep_running(false)
            .lock_period(10)
            .minimum_depth(MinimumDepthStrategy::Plain, 4)
            .port(3341)
            .push_amount(&1u64.into())
            .responder_amount(&40_000_000_000_000u64.into())
            .responder_id(&r)
            .role(Role::Initiator);
        assert_eq!(
            p.url("ws://127.0.0.1:3014/channel"),
            "ws://127.0.0.1:3014/channel?channel_reserve=2&host=127.0.0.1\
             &initiator_amount=70000000000000\
             &initiator_id=ak_qJFvBznNakNngYCxQCFzsUdWLTot1HbctCGbop2XDFvphnGeu\
             &keep_running=false&lock_period=10&minimum_depth=4&minimum_depth_strategy=plain\
             &port=3341&protocol=json-rpc&push_amount=1&responder_amount=40000000000000\
             &responder_id=ak_K56NVwc9cihWWPb24eoC4zp2rv1UjD1fztdPj1EeqM1FUqeDq&role=initiator"
        );
    }

    #[test]
    fn reserved_and_non_ascii_characters_are_escaped() {
        let mut out = String::new();
        percent_encode("a b+c/d=e&f?g#h%é~_.-", &mut out);
        assert_eq!(out, "a%20b%2Bc%2Fd%3De%26f%3Fg%23h%25%C3%A9~_.-");
    }
}
