//! Percent-encoding and the parameter table of [`ConnectParams`].

use std::collections::BTreeMap;

use super::{BlockHashDelta, ConnectError, ConnectParams, InitiatorId, MinDepthStrategy};
use super::{OpenParams, Reports, Role, Session, Timeouts};
use crate::uint::Uint;

/// Percent-encodes everything but the RFC 3986 unreserved characters, in upper-case hex.
pub(super) fn encode(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 0x0f] {
                out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        }
    }
    out
}

/// Decodes one component: `%XX` escapes, and `+` as a space (as the node does).
fn decode(s: &str, offset: usize) -> Result<String, ConnectError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| core::str::from_utf8(h).ok());
                let v = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(v.ok_or(ConnectError::BadEncoding { position: offset + i })?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out)
        .map_err(|e| ConnectError::BadEncoding { position: offset + e.utf8_error().valid_up_to() })
}

pub(super) fn decode_pairs(
    q: &str,
    offset: usize,
) -> Result<BTreeMap<String, String>, ConnectError> {
    let mut map = BTreeMap::new();
    let mut at = offset;
    for part in q.split('&') {
        if !part.is_empty() {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let key = decode(k, at)?;
            let value = decode(v, at + k.len() + 1)?;
            if map.contains_key(&key) {
                return Err(ConnectError::Duplicate { name: key });
            }
            map.insert(key, value);
        }
        at += part.len() + 1;
    }
    Ok(map)
}

const TIMEOUTS: [&str; 8] = [
    "timeout_accept",
    "timeout_funding_create",
    "timeout_funding_sign",
    "timeout_funding_lock",
    "timeout_idle",
    "timeout_sign",
    "timeout_awaiting_open",
    "timeout_initialized",
];

const REPORTS: [&str; 9] = [
    "report_info",
    "report_update",
    "report_leave",
    "report_conflict",
    "report_message",
    "report_error",
    "report_debug",
    "report_on_chain_tx",
    "report_min_depth",
];

fn timeouts_mut(t: &mut Timeouts) -> [&mut Option<u64>; 8] {
    [
        &mut t.accept,
        &mut t.funding_create,
        &mut t.funding_sign,
        &mut t.funding_lock,
        &mut t.idle,
        &mut t.sign,
        &mut t.awaiting_open,
        &mut t.initialized,
    ]
}

fn reports_mut(r: &mut Reports) -> [&mut Option<bool>; 9] {
    [
        &mut r.info,
        &mut r.update,
        &mut r.leave,
        &mut r.conflict,
        &mut r.message,
        &mut r.error,
        &mut r.debug,
        &mut r.on_chain_tx,
        &mut r.min_depth,
    ]
}

pub(super) fn write(p: &ConnectParams) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| out.push((k.to_owned(), v));
    put("protocol", "json-rpc".into());
    put("role", p.role.as_str().into());
    if let Some(h) = &p.host {
        put("host", h.clone());
    }
    put("port", p.port.to_string());
    match &p.session {
        Session::Open(o) => {
            let initiator = match o.initiator_id {
                InitiatorId::Account(a) => a.to_string(),
                InitiatorId::Any => "any".into(),
            };
            put("initiator_id", initiator);
            put("responder_id", o.responder_id.to_string());
            put("initiator_amount", o.initiator_amount.to_string());
            put("responder_amount", o.responder_amount.to_string());
            put("push_amount", o.push_amount.to_string());
            put("channel_reserve", o.channel_reserve.to_string());
            put("lock_period", o.lock_period.to_string());
        }
        Session::Existing { channel_id, fsm_id } => {
            put("existing_channel_id", channel_id.to_string());
            put("existing_fsm_id", fsm_id.to_string());
        }
    }
    let opt = |v: Option<String>| v;
    for (k, v) in [
        ("ttl", opt(p.ttl.map(|v| v.to_string()))),
        ("fee", p.fee.as_ref().map(Uint::to_string)),
        ("gas_price", p.gas_price.as_ref().map(Uint::to_string)),
        ("nonce", p.nonce.map(|v| v.to_string())),
        ("minimum_depth", p.minimum_depth.map(|v| v.to_string())),
        (
            "minimum_depth_strategy",
            p.minimum_depth_strategy.map(|s| match s {
                MinDepthStrategy::Txfee => "txfee".to_owned(),
                MinDepthStrategy::Plain => "plain".to_owned(),
            }),
        ),
        ("keep_running", p.keep_running.map(|b| b.to_string())),
        ("msg_forwarding", p.msg_forwarding.map(|b| b.to_string())),
        ("log_keep", p.log_keep.map(|v| v.to_string())),
        ("slogan", p.slogan.clone()),
    ] {
        if let Some(v) = v {
            put(k, v);
        }
    }
    let mut t = p.timeouts;
    for (k, v) in TIMEOUTS.iter().zip(timeouts_mut(&mut t)) {
        if let Some(v) = v {
            put(k, v.to_string());
        }
    }
    let mut r = p.reports;
    for (k, v) in REPORTS.iter().zip(reports_mut(&mut r)) {
        if let Some(v) = v {
            put(k, v.to_string());
        }
    }
    if let Some(d) = p.block_hash_delta {
        put("bh_delta_not_newer_than", d.not_newer_than.to_string());
        put("bh_delta_not_older_than", d.not_older_than.to_string());
        put("bh_delta_pick", d.pick.to_string());
    }
    for (k, v) in &p.extra {
        put(k, v.clone());
    }
    out
}

struct Reader(BTreeMap<String, String>);

impl Reader {
    fn take(&mut self, name: &'static str) -> Option<String> {
        self.0.remove(name)
    }

    fn required(&mut self, name: &'static str) -> Result<String, ConnectError> {
        self.take(name).ok_or(ConnectError::Missing { name })
    }

    fn digits(name: &'static str, s: &str) -> Result<(), ConnectError> {
        if let Some(abs) = s.strip_prefix('-') {
            if !abs.is_empty() && abs.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConnectError::ValueTooLow { name });
            }
        }
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConnectError::Invalid { name, expected: "a non-negative integer" });
        }
        Ok(())
    }

    fn uint_of(name: &'static str, s: &str) -> Result<Uint, ConnectError> {
        Reader::digits(name, s)?;
        s.parse().map_err(|_| ConnectError::Invalid { name, expected: "a non-negative integer" })
    }

    fn u64_of(name: &'static str, s: &str) -> Result<u64, ConnectError> {
        Reader::digits(name, s)?;
        s.parse().map_err(|_| ConnectError::Invalid { name, expected: "an integer below 2^64" })
    }

    fn uint(&mut self, name: &'static str) -> Result<Uint, ConnectError> {
        Reader::uint_of(name, &self.required(name)?)
    }

    fn opt_uint(&mut self, name: &'static str) -> Result<Option<Uint>, ConnectError> {
        self.take(name).map(|s| Reader::uint_of(name, &s)).transpose()
    }

    fn u64(&mut self, name: &'static str) -> Result<u64, ConnectError> {
        Reader::u64_of(name, &self.required(name)?)
    }

    fn opt_u64(&mut self, name: &'static str) -> Result<Option<u64>, ConnectError> {
        self.take(name).map(|s| Reader::u64_of(name, &s)).transpose()
    }

    fn opt_bool(&mut self, name: &'static str) -> Result<Option<bool>, ConnectError> {
        match self.take(name).as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ConnectError::Invalid { name, expected: "true or false" }),
        }
    }

    fn parsed<T: core::str::FromStr>(
        &mut self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<T, ConnectError> {
        self.required(name)?.parse().map_err(|_| ConnectError::Invalid { name, expected })
    }
}

pub(super) fn read(map: &BTreeMap<String, String>) -> Result<ConnectParams, ConnectError> {
    let mut r = Reader(map.clone());
    if r.required("protocol")? != "json-rpc" {
        return Err(ConnectError::Invalid { name: "protocol", expected: "json-rpc" });
    }
    let role = match r.required("role")?.as_str() {
        "initiator" => Role::Initiator,
        "responder" => Role::Responder,
        _ => {
            return Err(ConnectError::Invalid { name: "role", expected: "initiator or responder" })
        }
    };
    let port = r.parsed("port", "a port number")?;
    let host = r.take("host");
    if role == Role::Initiator && host.is_none() {
        return Err(ConnectError::Missing { name: "host" });
    }
    let session = match r.take("existing_channel_id") {
        Some(ch) => {
            let channel_id = ch.parse().map_err(|_| ConnectError::Invalid {
                name: "existing_channel_id",
                expected: "a ch_ channel id",
            })?;
            let fsm = r.take("existing_fsm_id").ok_or(ConnectError::MissingFsmId)?;
            let fsm_id = fsm.parse().map_err(|_| ConnectError::InvalidFsmId)?;
            Session::Existing { channel_id, fsm_id }
        }
        None => Session::Open(read_open(&mut r)?),
    };
    let mut p = ConnectParams::new(role, host, port, session);
    p.ttl = r.opt_u64("ttl")?;
    p.fee = r.opt_uint("fee")?;
    p.gas_price = r.opt_uint("gas_price")?;
    p.nonce = r.opt_u64("nonce")?;
    p.minimum_depth = r.opt_u64("minimum_depth")?;
    p.minimum_depth_strategy = match r.take("minimum_depth_strategy").as_deref() {
        None => None,
        Some("txfee") => Some(MinDepthStrategy::Txfee),
        Some("plain") => Some(MinDepthStrategy::Plain),
        Some(_) => {
            let expected = "txfee or plain";
            return Err(ConnectError::Invalid { name: "minimum_depth_strategy", expected });
        }
    };
    for (k, v) in TIMEOUTS.iter().zip(timeouts_mut(&mut p.timeouts)) {
        *v = r.opt_u64(k)?;
    }
    for (k, v) in REPORTS.iter().zip(reports_mut(&mut p.reports)) {
        *v = r.opt_bool(k)?;
    }
    p.block_hash_delta = read_delta(&mut r)?;
    p.keep_running = r.opt_bool("keep_running")?;
    p.msg_forwarding = r.opt_bool("msg_forwarding")?;
    p.log_keep = r.opt_u64("log_keep")?;
    p.slogan = r.take("slogan");
    p.extra = r.0.into_iter().collect();
    Ok(p)
}

pub(super) fn set(p: &mut ConnectParams, name: &str, value: &str) -> Result<bool, ConnectError> {
    let mut r = Reader(BTreeMap::from([(name.to_owned(), value.to_owned())]));
    match name {
        "ttl" => p.ttl = r.opt_u64("ttl")?,
        "fee" => p.fee = r.opt_uint("fee")?,
        "gas_price" => p.gas_price = r.opt_uint("gas_price")?,
        "nonce" => p.nonce = r.opt_u64("nonce")?,
        "minimum_depth" => p.minimum_depth = r.opt_u64("minimum_depth")?,
        "minimum_depth_strategy" => {
            p.minimum_depth_strategy = Some(match value {
                "txfee" => MinDepthStrategy::Txfee,
                "plain" => MinDepthStrategy::Plain,
                _ => {
                    let expected = "txfee or plain";
                    return Err(ConnectError::Invalid { name: "minimum_depth_strategy", expected });
                }
            });
        }
        "keep_running" => p.keep_running = r.opt_bool("keep_running")?,
        "msg_forwarding" => p.msg_forwarding = r.opt_bool("msg_forwarding")?,
        "log_keep" => p.log_keep = r.opt_u64("log_keep")?,
        "slogan" => p.slogan = Some(value.to_owned()),
        _ => {
            if let Some((k, field)) =
                TIMEOUTS.iter().zip(timeouts_mut(&mut p.timeouts)).find(|(k, _)| **k == name)
            {
                *field = r.opt_u64(k)?;
                return Ok(true);
            }
            if let Some((k, field)) =
                REPORTS.iter().zip(reports_mut(&mut p.reports)).find(|(k, _)| **k == name)
            {
                *field = r.opt_bool(k)?;
                return Ok(true);
            }
            p.extra.retain(|(k, _)| k != name);
            p.extra.push((name.to_owned(), value.to_owned()));
            return Ok(false);
        }
    }
    Ok(true)
}

fn read_open(r: &mut Reader) -> Result<OpenParams, ConnectError> {
    let initiator_id = match r.required("initiator_id")?.as_str() {
        "any" => InitiatorId::Any,
        s => InitiatorId::Account(s.parse().map_err(|_| ConnectError::Invalid {
            name: "initiator_id",
            expected: "an ak_ account or any",
        })?),
    };
    Ok(OpenParams {
        initiator_id,
        responder_id: r.parsed("responder_id", "an ak_ account")?,
        initiator_amount: r.uint("initiator_amount")?,
        responder_amount: r.uint("responder_amount")?,
        push_amount: r.uint("push_amount")?,
        channel_reserve: r.uint("channel_reserve")?,
        lock_period: r.u64("lock_period")?,
    })
}

fn read_delta(r: &mut Reader) -> Result<Option<BlockHashDelta>, ConnectError> {
    let nnt = r.opt_u64("bh_delta_not_newer_than")?;
    let not = r.opt_u64("bh_delta_not_older_than")?;
    let pick = r.opt_u64("bh_delta_pick")?;
    match (nnt, not, pick) {
        (None, None, None) => Ok(None),
        (Some(not_newer_than), Some(not_older_than), Some(pick)) => {
            Ok(Some(BlockHashDelta { not_newer_than, not_older_than, pick }))
        }
        (None, _, _) => Err(ConnectError::Missing { name: "bh_delta_not_newer_than" }),
        (_, None, _) => Err(ConnectError::Missing { name: "bh_delta_not_older_than" }),
        (_, _, None) => Err(ConnectError::Missing { name: "bh_delta_pick" }),
    }
}
