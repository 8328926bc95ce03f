//! The recorded ids and the double's ids standing in for them: accounts (generated keys in
//! place of the recorded participants), channel ids, fsm ids (`ba_…`) and transaction hashes,
//! learnt as they appear, and applied to what the replayer sends.

use std::collections::HashMap;

use aesc_codec::id::AccountId;
use aesc_codec::jsonrpc::connect::percent_encode;
use aesc_codec::tx::SignedTx;
use serde_json::Value;

use crate::double::Role;
use crate::recording::{self, Step};

/// Recorded id → the double's id.
#[derive(Debug, Default)]
pub(super) struct IdMap(HashMap<String, String>);

impl IdMap {
    /// Maps the recorded participants to `ours(role)`: the first usable key named as
    /// `initiator_id` / `responder_id` (recordings of refused opens also name unusable ones,
    /// which stay as they are).
    pub(super) fn map_participants(&mut self, steps: &[Step], ours: impl Fn(Role) -> String) {
        for step in steps {
            let Step::Connect { url, .. } = step else { continue };
            for (role, key) in
                [(Role::Initiator, "initiator_id"), (Role::Responder, "responder_id")]
            {
                let ours = ours(role);
                if self.0.values().any(|v| *v == ours) {
                    continue;
                }
                let Some(recorded) = recording::query_param(url, key) else { continue };
                let usable = recorded
                    .parse::<AccountId>()
                    .ok()
                    .and_then(|a| ed25519_dalek::VerifyingKey::from_bytes(a.as_bytes()).ok())
                    .is_some_and(|k| !k.is_weak());
                if usable && !self.0.contains_key(&recorded) {
                    self.0.insert(recorded, ours);
                }
            }
        }
    }

    /// Learns the ids of a received frame from its recorded counterpart (the same frame key).
    pub(super) fn learn(&mut self, recorded: &Value, got: &Value) {
        walk_pairs(recorded, got, &mut |rec, ours| {
            if (rec.starts_with("ch_") || rec.starts_with("ba_")) && rec != ours {
                self.0.entry(rec.to_string()).or_insert_with(|| ours.to_string());
            }
            // Transactions: their hashes are what clients name (`assume_minimum_depth`).
            if let (Ok(a), Ok(b)) = (SignedTx::from_api_str(rec), SignedTx::from_api_str(ours)) {
                self.0.entry(a.hash().to_string()).or_insert_with(|| b.hash().to_string());
            }
        });
    }

    /// A `channels.update.new` sent by `role` between accounts nothing named yet: its sender
    /// is `ours(role)`, its payee `ours(role.other())`.
    pub(super) fn map_transfer(&mut self, json: &Value, role: Role, ours: impl Fn(Role) -> String) {
        if json.get("method").and_then(Value::as_str) != Some("channels.update.new") {
            return;
        }
        let params = json.get("params");
        let field =
            |k: &str| params.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_string);
        let (Some(from), Some(to)) = (field("from"), field("to")) else { return };
        let known = |a: &str| self.0.contains_key(a) || self.0.values().any(|v| v == a);
        let parses = |a: &str| a.parse::<AccountId>().is_ok();
        if from == to || known(&from) || known(&to) || !parses(&from) || !parses(&to) {
            return;
        }
        for (recorded, who) in [(from, role), (to, role.other())] {
            self.0.insert(recorded, ours(who));
        }
    }

    /// `v` with every mapped string replaced.
    pub(super) fn json(&self, v: &Value) -> Value {
        map_json(v, &self.0)
    }

    /// The recorded connect query with mapped values, re-encoded.
    pub(super) fn query(&self, query: &str) -> String {
        map_query(query, &self.0)
    }
}

/// Calls `f` on the strings at the same place in `a` and `b`.
fn walk_pairs<'a>(a: &'a Value, b: &'a Value, f: &mut impl FnMut(&'a str, &'a str)) {
    match (a, b) {
        (Value::String(x), Value::String(y)) => f(x, y),
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                if let Some(w) = y.get(k) {
                    walk_pairs(v, w, f);
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for (v, w) in x.iter().zip(y) {
                walk_pairs(v, w, f);
            }
        }
        _ => {}
    }
}

/// `v` with every string found in `map` replaced.
fn map_json(v: &Value, map: &HashMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(map.get(s).cloned().unwrap_or_else(|| s.clone())),
        Value::Array(a) => Value::Array(a.iter().map(|x| map_json(x, map)).collect()),
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), map_json(x, map))).collect())
        }
        other => other.clone(),
    }
}

/// The recorded query with mapped values, re-encoded.
fn map_query(query: &str, map: &HashMap<String, String>) -> String {
    recording::query_pairs(&format!("?{query}"))
        .into_iter()
        .map(|(k, v)| {
            let v = map.get(&v).cloned().unwrap_or(v);
            format!("{}={}", percent_encode(&k), percent_encode(&v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_mapped_and_reencoded() {
        let map = HashMap::from([("ak_a".to_string(), "ak_b".to_string())]);
        let q = map_query("initiator_id=ak_a&existing_fsm_id=ba_%2Bx%3D&role=initiator", &map);
        assert_eq!(q, "initiator_id=ak_b&existing_fsm_id=ba_%2Bx%3D&role=initiator");
    }
}
