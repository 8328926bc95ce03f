//! Fault switches: make the double misbehave on purpose at a chosen frame.
//!
//! A [`Fault`] names the frames it applies to (the client role, the method and, for
//! `channels.info` / `channels.on_chain_tx`, the event) and what to do with the n-th of them:
//! delay it, drop it, close the socket around it, send a garbage frame before it, or, for a
//! `channels.sign.*` request, send a transaction that differs from the agreed one.
//!
//! ```
//! use std::time::Duration;
//! use aesc_testkit::double::{Fault, Role, Alteration};
//!
//! // The second sign request of the initiator arrives 300 ms late.
//! let late = Fault::on("channels.sign.update").role(Role::Initiator).nth(2)
//!     .delay(Duration::from_millis(300));
//! // The responder is asked to acknowledge an update whose amount was raised.
//! let hostile = Fault::on("channels.sign.update_ack").alter(Alteration::Amount);
//! assert_eq!(hostile.times, 1);
//! # let _ = late;
//! ```

use std::time::Duration;

use super::ids::Role;

/// Which frames a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameMatch {
    /// Only frames to this client (any client when `None`).
    pub role: Option<Role>,
    /// The frame's method (`channels.sign.update`), or `result` / `error` for replies.
    pub method: String,
    /// For `channels.info` and `channels.on_chain_tx`: the `event` / `info` value.
    pub event: Option<String>,
}

impl FrameMatch {
    /// Whether a frame with these properties matches.
    pub fn matches(&self, role: Role, method: &str, event: Option<&str>) -> bool {
        self.role.is_none_or(|r| r == role)
            && self.method == method
            && self.event.as_deref().is_none_or(|e| Some(e) == event)
    }
}

/// How a sign request's transaction is altered (hostile-node tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alteration {
    /// The amount in the transaction (or in the state it commits to) is one more than agreed,
    /// while the `updates` list still shows the agreed amount.
    Amount,
    /// The state commits to the transfer going the other way, or the on-chain tx names another
    /// account.
    Recipient,
    /// The transaction names another channel.
    ChannelId,
    /// The round is one more than it should be.
    Round,
    /// Off-chain: the `updates` list gains a transfer of one token that the client did not ask
    /// for, and the state hash covers it. On chain: the state hash covers one more transfer.
    ExtraUpdate,
    /// A transaction of another type (a deposit instead of an off-chain update, an off-chain
    /// update instead of an on-chain tx).
    WrongType,
}

impl Alteration {
    /// Every alteration, for tests that try them all.
    pub const ALL: [Alteration; 6] = [
        Alteration::Amount,
        Alteration::Recipient,
        Alteration::ChannelId,
        Alteration::Round,
        Alteration::ExtraUpdate,
        Alteration::WrongType,
    ];
}

/// What a fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Send the frame this much later (frames after it are not held back).
    Delay(Duration),
    /// Never send the frame.
    Drop,
    /// Close the socket instead of sending the frame.
    CloseBefore,
    /// Send the frame, then close the socket.
    CloseAfter,
    /// Send this text frame (not valid JSON-RPC) before the frame.
    GarbageBefore(String),
    /// Send these bytes as a binary frame before the frame.
    BinaryBefore(Vec<u8>),
    /// Only for `channels.sign.*`: send a transaction altered this way.
    Alter(Alteration),
}

/// One fault switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The frames it looks at.
    pub matcher: FrameMatch,
    /// Matching frames passed over before the first firing (`nth(n)` sets `n - 1`).
    pub skip: u32,
    /// How many consecutive matching frames it fires on once it starts.
    pub times: u32,
    /// What it does.
    pub action: FaultAction,
}

impl Fault {
    /// A fault on frames with `method` (any role, first occurrence, dropped by default until an
    /// action is chosen).
    pub fn on(method: &str) -> Self {
        Fault {
            matcher: FrameMatch { role: None, method: method.into(), event: None },
            skip: 0,
            times: 1,
            action: FaultAction::Drop,
        }
    }

    /// A fault on `channels.info` frames with `event`.
    pub fn on_info(event: &str) -> Self {
        Fault::on("channels.info").event(event)
    }

    /// A fault on `channels.on_chain_tx` frames with `info`.
    pub fn on_chain(info: &str) -> Self {
        Fault::on("channels.on_chain_tx").event(info)
    }

    /// Only frames to the client of `role`.
    pub fn role(mut self, role: Role) -> Self {
        self.matcher.role = Some(role);
        self
    }

    /// Only frames whose `event` / `info` is `event`.
    pub fn event(mut self, event: &str) -> Self {
        self.matcher.event = Some(event.into());
        self
    }

    /// Fire on the n-th matching frame (1-based; 0 is taken as 1).
    pub fn nth(mut self, n: u32) -> Self {
        self.skip = n.saturating_sub(1);
        self
    }

    /// Fire on this many consecutive matching frames (`u32::MAX`: every one).
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Delay the frame.
    pub fn delay(mut self, by: Duration) -> Self {
        self.action = FaultAction::Delay(by);
        self
    }

    /// Drop the frame.
    pub fn drop_frame(mut self) -> Self {
        self.action = FaultAction::Drop;
        self
    }

    /// Close the socket instead of sending the frame.
    pub fn close_before(mut self) -> Self {
        self.action = FaultAction::CloseBefore;
        self
    }

    /// Send the frame, then close the socket.
    pub fn close_after(mut self) -> Self {
        self.action = FaultAction::CloseAfter;
        self
    }

    /// Send a garbage text frame before the frame.
    pub fn garbage_before(mut self, text: &str) -> Self {
        self.action = FaultAction::GarbageBefore(text.into());
        self
    }

    /// Send a binary frame before the frame.
    pub fn binary_before(mut self, bytes: Vec<u8>) -> Self {
        self.action = FaultAction::BinaryBefore(bytes);
        self
    }

    /// Alter the transaction of a sign request.
    pub fn alter(mut self, how: Alteration) -> Self {
        self.action = FaultAction::Alter(how);
        self
    }
}

#[derive(Debug, Clone)]
struct Armed {
    fault: Fault,
    seen: u32,
    fired: u32,
}

/// The active faults with their counters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Faults {
    armed: Vec<Armed>,
}

impl Faults {
    pub(crate) fn new(initial: &[Fault]) -> Self {
        let mut f = Faults::default();
        for fault in initial {
            f.add(fault.clone());
        }
        f
    }

    pub(crate) fn add(&mut self, fault: Fault) {
        self.armed.push(Armed { fault, seen: 0, fired: 0 });
    }

    pub(crate) fn clear(&mut self) {
        self.armed.clear();
    }

    /// The frame-level actions that fire for an outgoing frame (alterations excluded: those are
    /// taken by the FSM when it builds a sign request, through [`Faults::take_alteration`]).
    pub(crate) fn frame_actions(
        &mut self,
        role: Role,
        method: &str,
        event: Option<&str>,
    ) -> Vec<FaultAction> {
        let mut out = Vec::new();
        for a in &mut self.armed {
            if matches!(a.fault.action, FaultAction::Alter(_)) {
                continue;
            }
            if let Some(action) = a.check(role, method, event) {
                out.push(action);
            }
        }
        out
    }

    /// The alteration to apply to a sign request with `method` to `role`, if one fires.
    pub(crate) fn take_alteration(&mut self, role: Role, method: &str) -> Option<Alteration> {
        let mut found = None;
        for a in &mut self.armed {
            if !matches!(a.fault.action, FaultAction::Alter(_)) {
                continue;
            }
            if let Some(FaultAction::Alter(how)) = a.check(role, method, None) {
                found = found.or(Some(how));
            }
        }
        found
    }
}

impl Armed {
    fn check(&mut self, role: Role, method: &str, event: Option<&str>) -> Option<FaultAction> {
        if !self.fault.matcher.matches(role, method, event) {
            return None;
        }
        self.seen = self.seen.saturating_add(1);
        if self.seen <= self.fault.skip || self.fired >= self.fault.times {
            return None;
        }
        self.fired = self.fired.saturating_add(1);
        Some(self.fault.action.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_and_times() {
        let mut f = Faults::new(&[Fault::on("channels.info").event("open").nth(2).times(2)]);
        let fire = |f: &mut Faults| {
            !f.frame_actions(Role::Initiator, "channels.info", Some("open")).is_empty()
        };
        assert!(!fire(&mut f));
        assert!(fire(&mut f));
        assert!(fire(&mut f));
        assert!(!fire(&mut f));
        assert!(f.frame_actions(Role::Initiator, "channels.info", Some("update")).is_empty());
    }

    #[test]
    fn role_filter_and_alteration() {
        let mut f = Faults::new(&[Fault::on("channels.sign.update")
            .role(Role::Responder)
            .alter(Alteration::Round)]);
        assert_eq!(f.take_alteration(Role::Initiator, "channels.sign.update"), None);
        assert!(f.frame_actions(Role::Responder, "channels.sign.update", None).is_empty());
        assert_eq!(
            f.take_alteration(Role::Responder, "channels.sign.update"),
            Some(Alteration::Round)
        );
        assert_eq!(f.take_alteration(Role::Responder, "channels.sign.update"), None);
    }
}
