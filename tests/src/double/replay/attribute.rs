//! The recorded side: which recorded socket each step belongs to. A role may have several
//! sockets open at once; the recording then tells them apart by channel id, and sockets whose
//! FSM died close first.

use serde_json::Value;

use super::report::{frame_key, Key};
use crate::double::Role;
use crate::recording::{self, Direction, Step};

/// One recorded action or expectation, attributed to a connection.
#[derive(Debug, Clone)]
pub(super) enum Action {
    Connect { conn: usize, role: Role, url: String },
    Close { conn: usize },
    Send { conn: usize, json: Value },
    Expect { conn: usize, json: Value },
}

fn to_role(r: recording::Role) -> Role {
    match r {
        recording::Role::Initiator => Role::Initiator,
        recording::Role::Responder => Role::Responder,
    }
}

fn channel_of(v: &Value) -> Option<&str> {
    v.get("params")
        .and_then(|p| p.get("channel_id"))
        .or_else(|| v.get("channel_id"))
        .and_then(Value::as_str)
}

fn is_died(v: &Value) -> bool {
    v.get("params").and_then(|p| p.get("data")).and_then(|d| d.get("event")).and_then(Value::as_str)
        == Some("died")
}

/// What the attribution knows of a recorded connection.
#[derive(Debug, Clone)]
struct Recorded {
    role: Role,
    open: bool,
    channel: Option<String>,
    died: bool,
}

/// Attributes the steps to connections (a role may have several sockets open at once: the
/// recording then tells them apart by channel id, and sockets whose FSM died close first).
pub(super) fn attribute(steps: &[Step]) -> (Vec<Action>, Vec<Role>) {
    let mut actions = Vec::new();
    let mut conns: Vec<Recorded> = Vec::new();
    for step in steps {
        match step {
            Step::Connect { role, url } => {
                let conn = conns.len();
                conns.push(Recorded {
                    role: to_role(*role),
                    open: true,
                    channel: None,
                    died: false,
                });
                actions.push(Action::Connect { conn, role: to_role(*role), url: url.clone() });
            }
            Step::Close { role } => {
                let role = to_role(*role);
                let mine: Vec<usize> = (0..conns.len())
                    .filter(|c| conns.get(*c).is_some_and(|r| r.open && r.role == role))
                    .collect();
                let died = |c: &usize| conns.get(*c).is_some_and(|r| r.died);
                let pick = mine.iter().copied().find(died).or_else(|| mine.last().copied());
                if let Some(r) = pick.and_then(|c| conns.get_mut(c)) {
                    r.open = false;
                }
                if let Some(conn) = pick {
                    actions.push(Action::Close { conn });
                }
            }
            Step::Frame { role, direction, json, .. } => {
                let role = to_role(*role);
                let mine: Vec<usize> = (0..conns.len())
                    .filter(|c| conns.get(*c).is_some_and(|r| r.open && r.role == role))
                    .collect();
                let Some(&latest) = mine.last() else { continue };
                let channel = |c: &usize| conns.get(*c).and_then(|r| r.channel.clone());
                let conn = match direction {
                    Direction::ToNode => mine
                        .iter()
                        .rev()
                        .copied()
                        .find(|c| conns.get(*c).is_some_and(|r| !r.died))
                        .unwrap_or(latest),
                    Direction::FromNode => match channel_of(json) {
                        _ if mine.len() == 1 => latest,
                        Some(cid) => mine
                            .iter()
                            .copied()
                            .find(|c| channel(c).as_deref() == Some(cid))
                            .or_else(|| mine.iter().rev().copied().find(|c| channel(c).is_none()))
                            .unwrap_or(latest),
                        None => latest,
                    },
                };
                if let Some(r) = conns.get_mut(conn) {
                    if let (Some(cid), None) = (channel_of(json), &r.channel) {
                        r.channel = Some(cid.to_string());
                    }
                    if *direction == Direction::FromNode && is_died(json) {
                        r.died = true;
                    }
                }
                actions.push(match direction {
                    Direction::ToNode => Action::Send { conn, json: json.clone() },
                    Direction::FromNode => Action::Expect { conn, json: json.clone() },
                });
            }
            Step::Note { .. } => {}
        }
    }
    (actions, conns.into_iter().map(|r| r.role).collect())
}

/// The recorded keys of connection `conn`.
pub(super) fn expected_keys(actions: &[Action], conn: usize) -> Vec<Key> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { conn: c, json } if *c == conn => {
                Some(frame_key(Direction::ToNode, json))
            }
            Action::Expect { conn: c, json } if *c == conn => {
                Some(frame_key(Direction::FromNode, json))
            }
            _ => None,
        })
        .collect()
}

/// What the action at a stall was, for the report.
pub(super) fn describe(a: Option<&Action>) -> String {
    match a {
        Some(Action::Connect { role, .. }) => format!("{} connects", role.as_str()),
        Some(Action::Close { conn }) => format!("conn {conn} closes"),
        Some(Action::Send { conn, json }) => {
            format!("conn {conn} sends {}", frame_key(Direction::ToNode, json))
        }
        Some(Action::Expect { .. }) => "expect".into(),
        None => "end".into(),
    }
}
