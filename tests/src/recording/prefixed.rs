//! Prefixed API strings (`ak_…`, `ch_…`, `tx_…`) inside recorded frames.

use serde_json::Value;

/// Every string value in `value` (recursively, object keys excluded) that looks like a
/// prefixed API string: two lowercase letters, `_`, and at least one more character.
pub fn prefixed_strings(value: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    collect_prefixed(value, &mut out);
    out
}

fn collect_prefixed<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(s) if looks_prefixed(s) => out.push(s),
        Value::Array(items) => items.iter().for_each(|v| collect_prefixed(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_prefixed(v, out)),
        _ => {}
    }
}

/// `xx_` followed by at least one character, `xx` lowercase ASCII letters.
pub fn looks_prefixed(s: &str) -> bool {
    let b = s.as_bytes();
    matches!(b, [a, c, b'_', _, ..] if a.is_ascii_lowercase() && c.is_ascii_lowercase())
}
