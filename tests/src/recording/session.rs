//! A recorded session as values: the steps in order, whose connection each belongs to and what
//! it carried, and what the session tells about its channel (participants, accounts, channel
//! ids, network id).

use std::path::Path;

use serde_json::Value;

use super::prefixed::prefixed_strings;
use super::query::{query_pairs, query_param};

/// The side of the channel a step belongs to: the codec's role.
pub use aesc_codec::jsonrpc::connect::Role;

/// Which way a frame travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by the client to the node (`---> node`).
    ToNode,
    /// Received by the client from the node (`<--- node`).
    FromNode,
}

/// One recorded event.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// The client of `role` opened a WebSocket connection to `url`.
    Connect {
        /// Whose connection.
        role: Role,
        /// The full `ws://…/channel?…` URL, query still percent-encoded.
        url: String,
    },
    /// The client of `role` closed its WebSocket connection.
    Close {
        /// Whose connection.
        role: Role,
    },
    /// A JSON-RPC frame.
    Frame {
        /// Whose connection carried it.
        role: Role,
        /// Which way it went.
        direction: Direction,
        /// The parsed frame (numbers keep their full precision).
        json: Value,
        /// The frame text exactly as recorded.
        text: String,
    },
    /// A free-text remark of the recording tool.
    Note {
        /// Whose client wrote it.
        role: Role,
        /// The text, lines joined with `\n`.
        text: String,
    },
}

impl Step {
    /// The role of the step.
    pub fn role(&self) -> Role {
        match self {
            Step::Connect { role, .. }
            | Step::Close { role }
            | Step::Frame { role, .. }
            | Step::Note { role, .. } => *role,
        }
    }
}

/// The two accounts of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Participants {
    /// `ak_…` of the initiator.
    pub initiator: String,
    /// `ak_…` of the responder.
    pub responder: String,
}

/// A parsed recorded session.
#[derive(Debug, Clone)]
pub struct Recording {
    /// Where it came from (the path for files, the given name otherwise).
    pub name: String,
    /// The title line of a scraped text page (`init_per_group`, …), if any.
    pub title: Option<String>,
    /// The events in recorded order.
    pub steps: Vec<Step>,
    /// Participants of the group set-up (`init_per_group.md` next to or above the file), used
    /// when the recording itself never opens a channel.
    pub group_participants: Option<Participants>,
}

impl Recording {
    /// The network id the session was signed for: `ae_dev` for `live/` recordings,
    /// `local_lima_testnet` for `changeable_fee/sc_ws_set_fee_*` and
    /// `continuous/sc_ws_update_conflict.md`, `local_iris_testnet` otherwise.
    pub fn network_id(&self) -> &'static str {
        network_id_for(Path::new(&self.name))
    }

    /// All frames with their role and direction.
    pub fn frames(&self) -> impl Iterator<Item = (Role, Direction, &Value)> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Frame { role, direction, json, .. } => Some((*role, *direction, json)),
            _ => None,
        })
    }

    /// All connect URLs with their role.
    pub fn connects(&self) -> impl Iterator<Item = (Role, &str)> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Connect { role, url } => Some((*role, url.as_str())),
            _ => None,
        })
    }

    /// The participants named in the first connect URL that carries both `initiator_id` and
    /// `responder_id`; otherwise the group participants.
    pub fn participants(&self) -> Option<Participants> {
        self.connect_participants().or_else(|| self.group_participants.clone())
    }

    /// Every distinct participant pair named in connect URLs, in order of appearance (a
    /// recording of rejected opens tries several).
    pub fn all_participants(&self) -> Vec<Participants> {
        let mut out: Vec<Participants> = Vec::new();
        for (_, url) in self.connects() {
            if let Some(p) = participants_of(url) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Every distinct `ak_…` string of the recording (connect URLs and frames), in order of
    /// appearance: the candidate signers when [`Recording::participants`] is unknown.
    pub fn accounts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut add = |s: &str| {
            if s.starts_with("ak_") && !out.iter().any(|o| o == s) {
                out.push(s.to_owned());
            }
        };
        for step in &self.steps {
            match step {
                Step::Connect { url, .. } => query_pairs(url).iter().for_each(|(_, v)| add(v)),
                Step::Frame { json, .. } => prefixed_strings(json).into_iter().for_each(&mut add),
                _ => {}
            }
        }
        out
    }

    /// Every distinct `channel_id` value of the frames, in order of appearance.
    pub fn channel_ids(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (_, _, json) in self.frames() {
            collect_channel_ids(json, &mut out);
        }
        out
    }

    pub(super) fn connect_participants(&self) -> Option<Participants> {
        self.connects().find_map(|(_, url)| participants_of(url))
    }
}

/// Every string value under a `channel_id` key, anywhere in `v`.
fn collect_channel_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect_channel_ids(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                match x {
                    Value::String(s) if k == "channel_id" => {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    }
                    _ => collect_channel_ids(x, out),
                }
            }
        }
        _ => {}
    }
}

fn network_id_for(path: &Path) -> &'static str {
    let file = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
    let parent = path.parent().and_then(|p| p.file_name()).and_then(|f| f.to_str()).unwrap_or("");
    let in_live = path.parent().is_some_and(|p| p.components().any(|c| c.as_os_str() == "live"));
    if in_live {
        "ae_dev"
    } else if (parent == "changeable_fee" && file.starts_with("sc_ws_set_fee_"))
        || (parent == "continuous" && file == "sc_ws_update_conflict.md")
    {
        "local_lima_testnet"
    } else {
        "local_iris_testnet"
    }
}

fn participants_of(url: &str) -> Option<Participants> {
    Some(Participants {
        initiator: query_param(url, "initiator_id")?,
        responder: query_param(url, "responder_id")?,
    })
}
