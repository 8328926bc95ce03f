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
//! Computed fields (`state_hash`) are ignored by [`encode`].

use std::fmt;

use aesc_codec::encoding::{self, ParseError, Prefix};
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
    if text.len() % 2 != 0 {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}
