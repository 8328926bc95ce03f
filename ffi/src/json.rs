//! JSON conventions of the client functions' outputs: amounts as decimal strings, ids as their
//! prefixed strings, names in snake case.

use aesc_codec::tx::Update;
use aesc_codec::Uint;
use serde_json::Value;

use crate::error::Failure;
use crate::result::aesc_result;

/// An amount as a decimal string.
pub(crate) fn amount(v: &Uint) -> Value {
    Value::String(v.to_string())
}

/// The keys of an update's JSON that hold amounts.
const AMOUNT_KEYS: [&str; 3] = ["amount", "deposit", "gas_price"];

/// An off-chain update as the node's JSON (`op`, …), with its amounts as decimal strings.
pub(crate) fn update(u: &Update) -> Value {
    let mut v = u.to_json();
    if let Value::Object(map) = &mut v {
        for key in AMOUNT_KEYS {
            if let Some(slot) = map.get_mut(key) {
                if let Value::Number(n) = slot {
                    *slot = Value::String(n.to_string());
                }
            }
        }
    }
    v
}

/// The text of `value`.
pub(crate) fn text(value: &Value) -> Result<String, Failure> {
    serde_json::to_string(value).map_err(|e| Failure::new(aesc_result::Other, e.to_string()))
}
