//! The connect URL's query parameters (protocol §6.2), parsed as `sc_ws_handler` reads them.

use std::time::Duration;

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{AccountId, ChannelId, FsmId};
use aesc_codec::Uint;

use super::frames::{DataCode, NodeError};
use super::ids::Role;

/// Why a connect request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The node closes the socket without a word (missing or unreadable parameters).
    Silent,
    /// The node sends this error object, then closes the socket.
    Error(NodeError),
}

impl From<DataCode> for Refusal {
    fn from(code: DataCode) -> Self {
        Refusal::Error(NodeError::data(code))
    }
}

/// `minimum_depth_strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DepthStrategy {
    /// Depth from the fee: `ceil((fee / min_gas_price)^(1/factor))`.
    TxFee,
    /// A fixed number of blocks.
    Plain,
}

/// The FSM timers of one side (protocol §7, milliseconds in the URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub accept: Duration,
    pub funding_create: Duration,
    pub funding_sign: Duration,
    pub funding_lock: Duration,
    pub idle: Duration,
    pub sign: Duration,
    pub initialized: Duration,
    pub awaiting_open: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        let ms = Duration::from_millis;
        Timeouts {
            accept: ms(120_000),
            funding_create: ms(120_000),
            funding_sign: ms(120_000),
            funding_lock: ms(360_000),
            idle: ms(600_000),
            sign: ms(500_000),
            initialized: ms(120_000),
            awaiting_open: ms(600_000),
        }
    }
}

/// Which notification classes a client wants (`report_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reports {
    pub info: bool,
    pub update: bool,
    pub leave: bool,
    pub conflict: bool,
    pub message: bool,
    pub error: bool,
    pub on_chain_tx: bool,
}

impl Default for Reports {
    fn default() -> Self {
        Reports {
            info: true,
            update: true,
            leave: true,
            conflict: true,
            message: true,
            error: true,
            on_chain_tx: true,
        }
    }
}

impl Reports {
    /// Whether a notification with `method` reaches the client.
    pub(crate) fn allows(&self, method: &str) -> bool {
        match method {
            "channels.info" => self.info,
            "channels.update" => self.update,
            "channels.leave" => self.leave,
            "channels.conflict" => self.conflict,
            "channels.message" => self.message,
            "channels.error" => self.error,
            "channels.on_chain_tx" => self.on_chain_tx,
            _ => true,
        }
    }
}

/// Options every connect carries (open, reconnect and reestablish alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SideOptions {
    pub role: Role,
    pub port: Option<u64>,
    pub timeouts: Timeouts,
    pub reports: Reports,
    pub keep_running: bool,
    pub msg_forwarding: bool,
    pub minimum_depth: Option<u64>,
    pub strategy: Option<DepthStrategy>,
    pub ttl: Option<u64>,
}

/// The parameters of a channel open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenParams {
    /// `None`: the responder accepts any initiator (`initiator_id=any`).
    pub initiator: Option<AccountId>,
    pub responder: AccountId,
    pub initiator_amount: Uint,
    pub responder_amount: Uint,
    pub push_amount: Uint,
    pub channel_reserve: Uint,
    pub lock_period: u64,
    pub fee: Option<Uint>,
    pub gas_price: Option<Uint>,
    pub nonce: Option<u64>,
}

/// A parsed connect request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Connect {
    /// Open a new channel.
    Open { side: SideOptions, params: OpenParams },
    /// Re-attach to a running FSM or reestablish a channel.
    Existing { side: SideOptions, channel: ChannelId, fsm_id: FsmId },
}

/// Percent-decodes a query component the way cowboy does (`+` is a space).
fn decode_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The decoded `(key, value)` pairs of a query string; `None` if one is not decodable.
pub(crate) fn pairs(query: &str) -> Option<Vec<(String, String)>> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Some((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

struct Query(Vec<(String, String)>);

impl Query {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn required(&self, key: &str) -> Result<&str, Refusal> {
        self.get(key).ok_or(Refusal::Silent)
    }

    /// A signed integer; negative values are reported as "value too low" by the caller.
    fn int(&self, key: &str) -> Result<Option<Signed>, Refusal> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => parse_signed(v).map(Some).ok_or(Refusal::Silent),
        }
    }

    fn uint(&self, key: &str) -> Result<Option<Uint>, Refusal> {
        match self.int(key)? {
            None => Ok(None),
            Some(Signed::Negative) => Err(DataCode::ValueTooLow.into()),
            Some(Signed::NonNegative(u)) => Ok(Some(u)),
        }
    }

    fn u64(&self, key: &str) -> Result<Option<u64>, Refusal> {
        match self.uint(key)? {
            None => Ok(None),
            Some(u) => u.to_u64().map(Some).ok_or(Refusal::Silent),
        }
    }

    fn bool(&self, key: &str, default: bool) -> Result<bool, Refusal> {
        match self.get(key) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(_) => Err(Refusal::Silent),
        }
    }

    fn millis(&self, key: &str, default: Duration) -> Result<Duration, Refusal> {
        Ok(self.u64(key)?.map_or(default, Duration::from_millis))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Signed {
    Negative,
    NonNegative(Uint),
}

fn parse_signed(v: &str) -> Option<Signed> {
    if let Some(rest) = v.strip_prefix('-') {
        let magnitude: Uint = rest.parse().ok()?;
        return Some(if magnitude.is_zero() {
            Signed::NonNegative(magnitude)
        } else {
            Signed::Negative
        });
    }
    v.parse().ok().map(Signed::NonNegative)
}

fn side_options(q: &Query) -> Result<SideOptions, Refusal> {
    let role = match q.required("role")? {
        "initiator" => Role::Initiator,
        "responder" => Role::Responder,
        _ => return Err(Refusal::Silent),
    };
    let d = Timeouts::default();
    let timeouts = Timeouts {
        accept: q.millis("timeout_accept", d.accept)?,
        funding_create: q.millis("timeout_funding_create", d.funding_create)?,
        funding_sign: q.millis("timeout_funding_sign", d.funding_sign)?,
        funding_lock: q.millis("timeout_funding_lock", d.funding_lock)?,
        idle: q.millis("timeout_idle", d.idle)?,
        sign: q.millis("timeout_sign", d.sign)?,
        initialized: q.millis("timeout_initialized", q.millis("timeout_accept", d.initialized)?)?,
        awaiting_open: q
            .millis("timeout_awaiting_open", q.millis("timeout_idle", d.awaiting_open)?)?,
    };
    let r = Reports::default();
    let reports = Reports {
        info: q.bool("report_info", r.info)?,
        update: q.bool("report_update", r.update)?,
        leave: q.bool("report_leave", r.leave)?,
        conflict: q.bool("report_conflict", r.conflict)?,
        message: q.bool("report_message", r.message)?,
        error: q.bool("report_error", r.error)?,
        on_chain_tx: q.bool("report_on_chain_tx", r.on_chain_tx)?,
    };
    let strategy = match q.get("minimum_depth_strategy") {
        None => None,
        Some("txfee") => Some(DepthStrategy::TxFee),
        Some("plain") => Some(DepthStrategy::Plain),
        Some(_) => return Err(Refusal::Silent),
    };
    Ok(SideOptions {
        role,
        port: q.u64("port")?,
        timeouts,
        reports,
        keep_running: role == Role::Responder && q.bool("keep_running", true)?,
        msg_forwarding: q.bool("msg_forwarding", false)?,
        minimum_depth: q.u64("minimum_depth")?,
        strategy,
        ttl: q.u64("ttl")?,
    })
}

fn account(q: &Query, key: &str) -> Result<AccountId, Refusal> {
    q.required(key)?.parse().map_err(|_| Refusal::Silent)
}

/// Parses a connect query. Protocol, role and port are always required, `host` for an
/// initiator; `existing_channel_id` switches to reconnect mode.
pub(crate) fn parse(query: &str) -> Result<Connect, Refusal> {
    let q = Query(pairs(query).ok_or(Refusal::Silent)?);
    if q.required("protocol")? != "json-rpc" {
        return Err(Refusal::Silent);
    }
    let side = side_options(&q)?;
    if side.role == Role::Initiator && q.get("host").is_none() {
        return Err(Refusal::Silent);
    }
    if let Some(existing) = q.get("existing_channel_id") {
        let channel: ChannelId = existing.parse().map_err(|_| Refusal::Silent)?;
        let fsm_text = q.get("existing_fsm_id").ok_or(DataCode::MissingField("existing_fsm_id"))?;
        let fsm_id = encoding::decode_to_array::<32>(Prefix::Bytearray, fsm_text)
            .map(FsmId)
            .map_err(|_| DataCode::InvalidFsmId)?;
        return Ok(Connect::Existing { side, channel, fsm_id });
    }
    if side.port.is_none() {
        return Err(Refusal::Silent);
    }
    let initiator = match q.required("initiator_id")? {
        "any" if side.role == Role::Responder => None,
        _ => Some(account(&q, "initiator_id")?),
    };
    let responder = account(&q, "responder_id")?;
    let amount = |key: &str| -> Result<Uint, Refusal> { q.uint(key)?.ok_or(Refusal::Silent) };
    // The node checks every value before it complains, so a negative one anywhere wins over a
    // missing one only if it comes first; the order below is the node's.
    let initiator_amount = amount("initiator_amount")?;
    let responder_amount = amount("responder_amount")?;
    let push_amount = amount("push_amount")?;
    let channel_reserve = amount("channel_reserve")?;
    let lock_period = q.u64("lock_period")?.ok_or(Refusal::Silent)?;
    Ok(Connect::Open {
        side,
        params: OpenParams {
            initiator,
            responder,
            initiator_amount,
            responder_amount,
            push_amount,
            channel_reserve,
            lock_period,
            fee: q.uint("fee")?,
            gas_price: q.uint("gas_price")?,
            nonce: q.u64("nonce")?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: &str = "channel_reserve=2&host=localhost&initiator_amount=70000000000000&\
        initiator_id=ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C&keep_running=false&\
        lock_period=10&port=13179&protocol=json-rpc&push_amount=1&responder_amount=40000000000000&\
        responder_id=ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt&role=initiator";

    #[test]
    fn open_parses() {
        let Connect::Open { side, params } = parse(OPEN).unwrap() else { panic!() };
        assert_eq!(side.role, Role::Initiator);
        assert_eq!(side.port, Some(13179));
        assert!(!side.keep_running);
        assert_eq!(params.lock_period, 10);
        assert_eq!(params.push_amount, Uint::from(1u64));
    }

    #[test]
    fn negative_amount_is_value_too_low() {
        let q = OPEN.replace("initiator_amount=70000000000000", "initiator_amount=-1");
        assert_eq!(parse(&q), Err(Refusal::from(DataCode::ValueTooLow)));
    }

    #[test]
    fn missing_role_closes_silently() {
        let q = OPEN.replace("&role=initiator", "");
        assert_eq!(parse(&q), Err(Refusal::Silent));
    }

    #[test]
    fn reconnect_errors() {
        let base = "existing_channel_id=ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu&\
            host=localhost&port=1&protocol=json-rpc&role=initiator";
        assert_eq!(parse(base), Err(Refusal::from(DataCode::MissingField("existing_fsm_id"))));
        for bad in ["Invalid", "ba_coAQqWrG81Rzy5Z8"] {
            let q = format!("{base}&existing_fsm_id={bad}");
            assert_eq!(parse(&q), Err(Refusal::from(DataCode::InvalidFsmId)), "{bad}");
        }
        let good =
            format!("{base}&existing_fsm_id=ba_%2Bv83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg");
        assert!(matches!(parse(&good), Ok(Connect::Existing { .. })));
        // An unescaped `+` reads as a space, as cowboy decodes it: the id no longer parses.
        let plus =
            format!("{base}&existing_fsm_id=ba_+v83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg");
        assert_eq!(parse(&plus), Err(Refusal::from(DataCode::InvalidFsmId)));
    }
}
