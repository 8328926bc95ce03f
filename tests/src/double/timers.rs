//! The I/O thread's timers: one min-heap of (deadline, socket). An entry is only a reminder to
//! look at the socket again; the socket itself knows its real deadline (the handshake's, its
//! silence limit or its close grace), so a deadline that moved later needs no heap update and
//! a socket keeps at most one live entry.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::time::Instant;

use super::ids::ConnId;

/// Deadlines of the sockets of the I/O thread.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    heap: BinaryHeap<Reverse<(Instant, ConnId)>>,
    /// The earliest entry each socket has in the heap.
    armed: HashMap<ConnId, Instant>,
}

impl Timers {
    /// Makes sure `conn` is looked at no later than `at`.
    pub(crate) fn arm(&mut self, conn: ConnId, at: Instant) {
        match self.armed.get(&conn) {
            Some(t) if *t <= at => {}
            _ => {
                self.armed.insert(conn, at);
                self.heap.push(Reverse((at, conn)));
            }
        }
    }

    /// Forgets `conn` (its stale heap entries are dropped when they come up).
    pub(crate) fn disarm(&mut self, conn: ConnId) {
        self.armed.remove(&conn);
    }

    /// The earliest live deadline.
    pub(crate) fn next(&mut self) -> Option<Instant> {
        while let Some(Reverse((at, conn))) = self.heap.peek().copied() {
            if self.armed.get(&conn) == Some(&at) {
                return Some(at);
            }
            self.heap.pop();
        }
        None
    }

    /// Removes and returns the sockets whose entries are due at `now`.
    pub(crate) fn due(&mut self, now: Instant) -> Vec<ConnId> {
        let mut out = Vec::new();
        while let Some(Reverse((at, conn))) = self.heap.peek().copied() {
            if at > now {
                break;
            }
            self.heap.pop();
            if self.armed.get(&conn) == Some(&at) {
                self.armed.remove(&conn);
                out.push(conn);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn earliest_entry_wins_and_stale_ones_are_skipped() {
        let t0 = Instant::now();
        let mut timers = Timers::default();
        timers.arm(ConnId(1), t0 + Duration::from_secs(5));
        timers.arm(ConnId(1), t0 + Duration::from_secs(9));
        timers.arm(ConnId(2), t0 + Duration::from_secs(3));
        timers.arm(ConnId(2), t0 + Duration::from_secs(1));
        assert_eq!(timers.next(), Some(t0 + Duration::from_secs(1)));
        timers.disarm(ConnId(2));
        assert_eq!(timers.next(), Some(t0 + Duration::from_secs(5)));
        assert!(timers.due(t0 + Duration::from_secs(4)).is_empty());
        assert_eq!(timers.due(t0 + Duration::from_secs(10)), vec![ConnId(1)]);
        assert_eq!(timers.next(), None);
    }
}
