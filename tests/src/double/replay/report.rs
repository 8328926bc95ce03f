//! The comparison: the key of a frame (method, event, error code; no ids, keys or amounts)
//! and, per connection, the recorded keys against the keys seen with the double.

use std::fmt;

use serde_json::Value;

use crate::double::Role;
use crate::recording::Direction;

/// One entry of a per-connection frame sequence.
pub type Key = String;

/// The comparison key of a frame: `-> method[ abort]` for client frames, and for node frames
/// the method with the `event`/`info` of notifications, `result`, or `error code/data`.
pub fn frame_key(dir: Direction, v: &Value) -> Key {
    let method = v.get("method").and_then(Value::as_str);
    match dir {
        Direction::ToNode => {
            let abort = v.get("params").and_then(|p| p.get("error")).is_some();
            format!("-> {}{}", method.unwrap_or("?"), if abort { " abort" } else { "" })
        }
        Direction::FromNode => match method {
            Some(m) => {
                let data = v.get("params").and_then(|p| p.get("data"));
                match data
                    .and_then(|d| d.get("event").or_else(|| d.get("info")))
                    .and_then(Value::as_str)
                {
                    Some(e) if m == "channels.info" || m == "channels.on_chain_tx" => {
                        format!("<- {m} {e}")
                    }
                    _ => format!("<- {m}"),
                }
            }
            None => match v.get("error") {
                Some(e) => {
                    let data: Vec<String> = e
                        .get("data")
                        .and_then(Value::as_array)
                        .map(|d| {
                            d.iter()
                                .map(|x| x.get("code").map(|c| c.to_string()).unwrap_or_default())
                                .collect()
                        })
                        .unwrap_or_default();
                    format!(
                        "<- error {} {}",
                        e.get("code").map(|c| c.to_string()).unwrap_or_default(),
                        data.join(",")
                    )
                }
                None => "<- result".into(),
            },
        },
    }
}

/// What the replay found for one connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnReport {
    /// Whose connection (in order of opening).
    pub role: Role,
    /// Recorded keys.
    pub expected: Vec<Key>,
    /// Keys seen with the double.
    pub observed: Vec<Key>,
}

impl ConnReport {
    /// Whether both sequences are equal.
    pub fn matches(&self) -> bool {
        self.expected == self.observed
    }

    /// Whether the sequences hold the same frames in another order (a race between frames the
    /// node does not order, rather than a missing or extra frame).
    pub fn same_frames(&self) -> bool {
        let mut a = self.expected.clone();
        let mut b = self.observed.clone();
        a.sort();
        b.sort();
        a == b
    }

    /// The first index where they differ, with both keys there.
    pub fn first_difference(&self) -> Option<(usize, Option<&Key>, Option<&Key>)> {
        let n = self.expected.len().max(self.observed.len());
        (0..n)
            .find(|i| self.expected.get(*i) != self.observed.get(*i))
            .map(|i| (i, self.expected.get(i), self.observed.get(i)))
    }
}

/// The result of replaying one recording.
#[derive(Debug, Clone)]
pub struct Report {
    /// The recording.
    pub name: String,
    /// Per connection, in order of opening.
    pub connections: Vec<ConnReport>,
    /// Waits that ended without the expected frames, with the step they preceded.
    pub stalls: Vec<String>,
    /// Why the replay could not run at all.
    pub error: Option<String>,
}

impl Report {
    /// Whether every connection matched and nothing failed.
    pub fn matches(&self) -> bool {
        self.error.is_none() && self.connections.iter().all(ConnReport::matches)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = &self.error {
            return write!(f, "{}: not replayed: {e}", self.name);
        }
        let status = if self.matches() {
            "MATCH"
        } else if self.connections.iter().all(ConnReport::same_frames) {
            "ORDER"
        } else {
            "DIFFER"
        };
        write!(f, "{status} {}", self.name)?;
        for (i, c) in self.connections.iter().enumerate() {
            if let Some((at, exp, got)) = c.first_difference() {
                write!(
                    f,
                    "\n  conn {i} ({}{}): {} recorded / {} seen; first difference at {at}: recorded {:?}, seen {:?}",
                    c.role.as_str(),
                    if c.same_frames() { ", same frames in another order" } else { "" },
                    c.expected.len(),
                    c.observed.len(),
                    exp.map(String::as_str).unwrap_or("(end)"),
                    got.map(String::as_str).unwrap_or("(end)"),
                )?;
            }
        }
        for s in &self.stalls {
            write!(f, "\n  stall: {s}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys() {
        let info = json!({"method": "channels.info", "params": {"data": {"event": "open"}}});
        assert_eq!(frame_key(Direction::FromNode, &info), "<- channels.info open");
        let err = json!({"error": {"code": 3, "data": [{"code": 1016}]}});
        assert_eq!(frame_key(Direction::FromNode, &err), "<- error 3 1016");
        let abort = json!({"method": "channels.update", "params": {"error": 4}});
        assert_eq!(frame_key(Direction::ToNode, &abort), "-> channels.update abort");
    }
}
