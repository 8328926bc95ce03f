//! Frames on their way to the sockets: report filters, fault switches and delayed frames.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::clock::later;
use super::faults::{FaultAction, Faults};
use super::frames::frame_key;
use super::ids::{ConnId, Role};
use super::query::Reports;

/// What the hub does with a socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Output {
    /// Send a text frame.
    Text(ConnId, String),
    /// Send a binary frame.
    Binary(ConnId, Vec<u8>),
    /// Close the socket.
    Close(ConnId),
}

impl Output {
    fn conn(&self) -> ConnId {
        match self {
            Output::Text(c, _) | Output::Binary(c, _) | Output::Close(c) => *c,
        }
    }
}

/// A record of something the double did that a test may want to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// A client signed a sign request that a fault switch had altered.
    SignedAlteredTx {
        /// Which client.
        role: Role,
        /// The sign request's method.
        method: String,
    },
    /// A client refused (aborted) a sign request that a fault switch had altered.
    RefusedAlteredTx {
        /// Which client.
        role: Role,
        /// The abort code it gave.
        code: u64,
    },
    /// A fault switch fired on a frame.
    FaultFired {
        /// Whose frame.
        role: Role,
        /// The frame's method.
        method: String,
        /// What was done.
        action: String,
    },
}

/// Collects the outputs of one step of the node.
#[derive(Debug)]
pub(crate) struct Outbox {
    pub(crate) faults: Faults,
    out: Vec<Output>,
    delayed: Vec<(Instant, Output)>,
    /// Sockets whose frames wait behind a latency until the given time.
    holds: Vec<(ConnId, Instant)>,
    observations: Vec<Observation>,
}

impl Outbox {
    pub(crate) fn new(faults: Faults) -> Self {
        Outbox {
            faults,
            out: Vec::new(),
            delayed: Vec::new(),
            holds: Vec::new(),
            observations: Vec::new(),
        }
    }

    /// Sends `frame` to `conn`, the socket of `role`'s client, after its report filter and the
    /// fault switches.
    pub(crate) fn frame(
        &mut self,
        now: Instant,
        conn: ConnId,
        role: Role,
        reports: &Reports,
        frame: &Value,
    ) {
        self.frame_after(now, Duration::ZERO, conn, role, reports, frame);
    }

    /// Like [`Outbox::frame`], `latency` later (a message that came through the peer's FSM);
    /// frames sent to the socket afterwards wait for it.
    pub(crate) fn frame_after(
        &mut self,
        now: Instant,
        latency: Duration,
        conn: ConnId,
        role: Role,
        reports: &Reports,
        frame: &Value,
    ) {
        let (method, event) = frame_key(frame);
        if !reports.allows(&method) {
            return;
        }
        let text = frame.to_string();
        let actions = self.faults.frame_actions(role, &method, event.as_deref());
        let mut send = Some(Output::Text(conn, text));
        let mut close_after = false;
        let mut delay = Duration::ZERO;
        // In order behind frames already held for this socket by latency.
        let held = self.held_until(conn).map(|t| t.saturating_duration_since(now));
        let base = latency.max(held.unwrap_or_default());
        for action in actions {
            self.observations.push(Observation::FaultFired {
                role,
                method: method.clone(),
                action: format!("{action:?}"),
            });
            match action {
                FaultAction::Delay(by) => delay = delay.max(by),
                FaultAction::Drop => send = None,
                FaultAction::CloseBefore => {
                    send = None;
                    self.push(now, Output::Close(conn));
                }
                FaultAction::CloseAfter => close_after = true,
                FaultAction::GarbageBefore(text) => self.push(now, Output::Text(conn, text)),
                FaultAction::BinaryBefore(bytes) => self.push(now, Output::Binary(conn, bytes)),
                FaultAction::Alter(_) => {}
            }
        }
        if let Some(out) = send {
            if !delay.is_zero() {
                // A delay fault: later frames are not held back by it.
                self.delayed.push((later(now, base.max(delay)), out));
            } else if !base.is_zero() {
                let at = later(now, base);
                self.delayed.push((at, out));
                self.holds.push((conn, at));
            } else {
                self.push(now, out);
            }
        }
        if close_after {
            self.close(now, conn);
        }
    }

    fn push(&mut self, _now: Instant, out: Output) {
        self.out.push(out);
    }

    /// Sends a raw text frame (no filter, no faults).
    pub(crate) fn raw(&mut self, conn: ConnId, text: String) {
        self.out.push(Output::Text(conn, text));
    }

    /// Closes `conn` after every frame already queued for it, delayed ones included.
    pub(crate) fn close(&mut self, now: Instant, conn: ConnId) {
        let last = self.delayed.iter().filter(|(_, o)| o.conn() == conn).map(|(t, _)| *t).max();
        match last {
            Some(t) => self.delayed.push((t, Output::Close(conn))),
            None => self.push(now, Output::Close(conn)),
        }
    }

    /// Closes `conn` no earlier than `at`.
    pub(crate) fn close_at(&mut self, at: Instant, conn: ConnId) {
        let last = self.delayed.iter().filter(|(_, o)| o.conn() == conn).map(|(t, _)| *t).max();
        self.delayed.push((last.map_or(at, |t| t.max(at)), Output::Close(conn)));
    }

    /// Records an observation.
    pub(crate) fn observe(&mut self, o: Observation) {
        self.observations.push(o);
    }

    fn held_until(&self, conn: ConnId) -> Option<Instant> {
        self.holds.iter().filter(|(c, _)| *c == conn).map(|(_, t)| *t).max()
    }

    /// Moves delayed frames that are due into the output.
    pub(crate) fn release(&mut self, now: Instant) {
        self.holds.retain(|(_, t)| *t > now);
        if self.delayed.is_empty() {
            return;
        }
        self.delayed.sort_by_key(|(t, _)| *t);
        let split = self.delayed.iter().position(|(t, _)| *t > now).unwrap_or(self.delayed.len());
        let due: Vec<(Instant, Output)> = self.delayed.drain(..split).collect();
        self.out.extend(due.into_iter().map(|(_, o)| o));
    }

    /// The earliest time a delayed frame is due.
    pub(crate) fn next_due(&self) -> Option<Instant> {
        self.delayed.iter().map(|(t, _)| *t).min()
    }

    /// Takes the outputs collected so far.
    pub(crate) fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// Takes the observations collected so far.
    pub(crate) fn take_observations(&mut self) -> Vec<Observation> {
        std::mem::take(&mut self.observations)
    }

    /// Forgets pending frames for a socket that is gone.
    pub(crate) fn forget(&mut self, conn: ConnId) {
        self.delayed.retain(|(_, o)| o.conn() != conn);
        self.holds.retain(|(c, _)| *c != conn);
    }
}
