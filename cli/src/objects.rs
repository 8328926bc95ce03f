//! Prefixed strings as JSON objects and back: the shared core of `decode` and `encode`.
//!
//! Every object starts with `"prefix"` and `"type"`:
//!
//! * `tx_`: a SignedTx (`"type": "SignedTx"`, `signatures`, `tx`) or, for a bare transaction,
//!   the transaction's own JSON (`"type": "ChannelOffChainTx"`, …), as `aesc_codec::tx` writes
//!   them;
//! * `pi_`: the proof of inclusion (`"type": "TreesPoi"`) with its computed `state_hash`;
//! * `ss_`: the state trees (`"type": "StateTrees"`) with their computed `state_hash`;
//! * `cs_`: the call-state tree (`"type": "CallsTree"`) under `"tree"`;
//! * every other prefix (ids, hashes, keys, byte arrays): `"hex"` of the body, with the prefix
//!   table name as `"type"` (`AccountPubkey`, `Channel`, `TxHash`, …).
//!
//! Computed fields (`state_hash`) are ignored by [`encode`]. [`encode_strict`], which `aesc
//! encode` uses, also refuses fields that [`decode`] never prints and [`encode`] does not read.

use std::fmt;

use aesc_codec::crypto::NetworkId;
use aesc_codec::encoding::{self, ParseError, Prefix};
use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::state::{CallsTree, Mtree, StateTrees, TreesPoi};
use aesc_codec::tx::{SignedTx, Tx};
use serde_json::{json, Map, Value};

/// Why a string or object could not be converted; the message says what and where.
#[derive(Debug)]
pub(crate) struct ObjectError(String);

impl ObjectError {
    /// An error described by `what`.
    pub(crate) fn new(what: impl Into<String>) -> Self {
        ObjectError(what.into())
    }
}

impl fmt::Display for ObjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! from_error {
    ($($t:ty),*) => {$(
        impl From<$t> for ObjectError {
            fn from(e: $t) -> Self {
                ObjectError(e.to_string())
            }
        }
    )*};
}

from_error!(
    ParseError,
    aesc_codec::rlp::DecodeError,
    aesc_codec::tx::TxError,
    aesc_codec::tx::JsonError,
    aesc_codec::state::JsonError
);

const SIGNED_TX: &str = "SignedTx";
const TREES_POI: &str = "TreesPoi";
const STATE_TREES: &str = "StateTrees";
const CALLS_TREE: &str = "CallsTree";

/// The type name printed for a prefix without an object form.
fn type_name(prefix: Prefix) -> String {
    format!("{prefix:?}")
}

/// `{"prefix": …, "type": …}` followed by the entries of `body` (whose own `type` is kept).
fn with_head(prefix: Prefix, type_name: &str, body: Value) -> Value {
    let mut out = Map::new();
    out.insert("prefix".into(), json!(prefix.as_str()));
    out.insert("type".into(), json!(type_name));
    match body {
        Value::Object(map) => out.extend(map),
        other => {
            out.insert("value".into(), other);
        }
    }
    Value::Object(out)
}

/// Decodes a prefixed string into its JSON object.
///
/// # Errors
/// When the string or the object inside it is malformed.
pub(crate) fn decode(input: &str) -> Result<Value, ObjectError> {
    let (prefix, body) = encoding::decode(input)?;
    Ok(match prefix {
        Prefix::Transaction => {
            if aesc_codec::object::peek_tag(&body)?.0 == SignedTx::TAG {
                with_head(prefix, SIGNED_TX, SignedTx::from_rlp(&body)?.to_json())
            } else {
                let tx = Tx::from_rlp(&body)?;
                with_head(prefix, tx.kind().name(), tx.to_json())
            }
        }
        Prefix::Poi => with_head(prefix, TREES_POI, TreesPoi::from_rlp(&body)?.to_json()),
        Prefix::StateTrees => {
            let trees = StateTrees::from_rlp(&body)?;
            let mut v = with_head(prefix, STATE_TREES, trees.to_json());
            if let Value::Object(map) = &mut v {
                map.insert("state_hash".into(), json!(trees.state_hash().to_string()));
            }
            v
        }
        Prefix::CallStateTree => {
            let tree = CallsTree::from_rlp(&body)?;
            with_head(prefix, CALLS_TREE, json!({ "tree": tree.0.to_json() }))
        }
        _ => with_head(prefix, &type_name(prefix), json!({ "hex": to_hex(&body) })),
    })
}

/// Encodes a JSON object printed by [`decode`] back into its prefixed string.
///
/// # Errors
/// When the object is not one [`decode`] prints.
pub(crate) fn encode(value: &Value) -> Result<String, ObjectError> {
    let obj = value.as_object().ok_or_else(|| ObjectError::new("expected a JSON object"))?;
    let prefix_text = str_field(obj, "prefix")?;
    let prefix = Prefix::from_text(prefix_text)
        .ok_or_else(|| ParseError::UnknownPrefix(prefix_text.into()))?;
    let mut rest = obj.clone();
    rest.remove("prefix");
    let rest = Value::Object(rest);
    let body = match prefix {
        Prefix::Transaction => {
            if str_field(obj, "type")? == SIGNED_TX {
                SignedTx::from_json(&rest)?.to_rlp()
            } else {
                Tx::from_json(&rest)?.to_rlp()
            }
        }
        Prefix::Poi => TreesPoi::from_json(&rest)?.to_rlp(),
        Prefix::StateTrees => StateTrees::from_json(&rest)?.to_rlp(),
        Prefix::CallStateTree => {
            let tree = obj.get("tree").ok_or_else(|| missing("tree"))?;
            CallsTree(Mtree::from_json(tree)?).to_rlp()
        }
        _ => {
            let hex = str_field(obj, "hex")?;
            let body = from_hex(hex)
                .ok_or_else(|| ObjectError::new("\"hex\" is not an even-length hex string"))?;
            if let Some(size) = prefix.size() {
                if body.len() != size {
                    return Err(ParseError::WrongSize {
                        prefix,
                        expected: size,
                        found: body.len(),
                    }
                    .into());
                }
            }
            body
        }
    };
    Ok(encoding::encode(prefix, &body))
}

/// As [`encode`], and refuses an object with fields that [`decode`] does not print for its
/// result and [`encode`] does not read (a misspelt or foreign field), naming every such field
/// by its path (`tx.fee_cap`, `signatures[0].x`).
///
/// # Errors
/// As [`encode`], or an error naming the unknown fields.
pub(crate) fn encode_strict(value: &Value) -> Result<String, ObjectError> {
    let encoded = encode(value)?;
    let printed = decode(&encoded)?;
    let mut candidates = Vec::new();
    absent_keys(value, &printed, &mut Vec::new(), &mut candidates);
    // A key the printed form leaves out may still be read (an optional field at its default,
    // such as an account's `"flags": 0`): it is unknown only if a value no field accepts in
    // its place changes nothing.
    let unknown: Vec<String> = candidates
        .iter()
        .filter(|path| {
            let mut probe = value.clone();
            if let Some(slot) = lookup_mut(&mut probe, path) {
                *slot = json!({ "\u{0}not a field value": [null] });
            }
            encode(&probe).is_ok_and(|again| again == encoded)
        })
        .map(|path| render_path(path))
        .collect();
    match unknown.as_slice() {
        [] => Ok(encoded),
        [one] => Err(ObjectError::new(format!("unknown field {one:?}"))),
        many => Err(ObjectError::new(format!(
            "unknown fields {}",
            many.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// One step of a path into a JSON value.
#[derive(Debug, Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Appends to `out` the paths of the keys of `input` that `printed` lacks at the same place,
/// walking both in step.
fn absent_keys(input: &Value, printed: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match (input, printed) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, v) in a {
                path.push(Step::Key(key.clone()));
                match b.get(key) {
                    Some(w) => absent_keys(v, w, path, out),
                    None => out.push(path.clone()),
                }
                path.pop();
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                path.push(Step::Index(i));
                absent_keys(v, w, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn lookup_mut<'a>(value: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, step| match step {
        Step::Key(k) => v.as_object_mut()?.get_mut(k),
        Step::Index(i) => v.as_array_mut()?.get_mut(*i),
    })
}

/// `tx.updates[1].amount`.
fn render_path(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

fn missing(key: &str) -> ObjectError {
    ObjectError::new(format!("missing string field \"{key}\""))
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Result<&'a str, ObjectError> {
    obj.get(key).and_then(Value::as_str).ok_or_else(|| missing(key))
}

/// Lowercase hex.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Parses hex (either case, no prefix).
pub(crate) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}

/// The report of `aesc verify` and its failures (empty when verified).
pub(crate) fn verify_report(
    signed: &SignedTx,
    network: &NetworkId,
    signers: &[AccountId],
    any: bool,
) -> (Value, Vec<String>) {
    let checks = signed.verify(network, signers);
    let signatures: Vec<Value> = checks
        .iter()
        .map(|c| {
            json!({
                "layer": c.layer,
                "signature": c.signature.to_string(),
                "signer": c.verified.map(|v| v.signer.to_string()),
                "form": c.verified.map(|v| v.form.as_str()),
            })
        })
        .collect();
    let missing: Vec<String> = signers
        .iter()
        .filter(|s| !checks.iter().any(|c| c.verified.is_some_and(|v| v.signer == **s)))
        .map(ToString::to_string)
        .collect();
    let unverified: Vec<String> =
        checks.iter().filter(|c| c.verified.is_none()).map(|c| c.signature.to_string()).collect();
    let mut failures: Vec<String> = Vec::new();
    if checks.is_empty() {
        failures.push("the transaction carries no signature".into());
    } else if any {
        if checks.iter().all(|c| c.verified.is_none()) {
            failures.push("no signature verifies against a named signer".into());
        }
    } else {
        failures.extend(missing.iter().map(|s| format!("{s} did not sign")));
        failures.extend(unverified.iter().map(|s| format!("{s} verifies against no named signer")));
    }
    let report = json!({
        "tx_hash": signed.hash().to_string(),
        "type": signed.innermost_tx().kind().name(),
        "signatures": signatures,
        "missing": missing,
        "unverified": unverified,
        "verified": failures.is_empty(),
        "failures": failures,
    });
    (report, failures)
}
