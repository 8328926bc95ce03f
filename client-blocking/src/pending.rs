//! The table of requests waiting for their response, keyed by request id.
//!
//! A plain data structure without I/O, so it can be tested on its own. The I/O thread owns one;
//! callers never see it.

use std::collections::HashMap;

/// Who waits for a response.
#[derive(Debug)]
pub(crate) enum Waiter<S> {
    /// A caller blocked on a reply channel.
    Caller(S),
    /// The channel session (sign replies and other requests the session made itself);
    /// the value is the session's own tag for the request.
    Session(u64),
}

/// An entry could not be inserted because its id is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DuplicateId(pub u64);

/// Requests sent and not yet answered.
#[derive(Debug)]
pub(crate) struct PendingCalls<S> {
    map: HashMap<u64, Waiter<S>>,
}

impl<S> Default for PendingCalls<S> {
    fn default() -> Self {
        PendingCalls { map: HashMap::new() }
    }
}

impl<S> PendingCalls<S> {
    /// Registers `waiter` for `id`.
    pub(crate) fn insert(&mut self, id: u64, waiter: Waiter<S>) -> Result<(), DuplicateId> {
        if self.map.contains_key(&id) {
            return Err(DuplicateId(id));
        }
        self.map.insert(id, waiter);
        Ok(())
    }

    /// Removes and returns the waiter of `id` (the response arrived).
    pub(crate) fn complete(&mut self, id: u64) -> Option<Waiter<S>> {
        self.map.remove(&id)
    }

    /// Forgets `id` (the caller gave up); a late response is then unmatched.
    pub(crate) fn cancel(&mut self, id: u64) -> bool {
        self.map.remove(&id).is_some()
    }

    /// Whether nothing waits.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Removes every waiter, for failing them all when the connection ends.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (u64, Waiter<S>)> + '_ {
        self.map.drain()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_completes_exactly_its_request() {
        let mut p = PendingCalls::default();
        p.insert(1, Waiter::Caller("a")).unwrap();
        p.insert(2, Waiter::Session(7)).unwrap();
        assert!(matches!(p.complete(2), Some(Waiter::Session(7))));
        assert!(p.complete(2).is_none(), "a second response with the same id is unmatched");
        assert!(matches!(p.complete(1), Some(Waiter::Caller("a"))));
        assert!(p.is_empty());
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let mut p = PendingCalls::default();
        p.insert(5, Waiter::Caller(())).unwrap();
        assert_eq!(p.insert(5, Waiter::Caller(())), Err(DuplicateId(5)));
        assert!(p.complete(5).is_some());
        assert!(p.is_empty());
    }

    #[test]
    fn cancelled_request_ignores_late_response() {
        let mut p = PendingCalls::default();
        p.insert(9, Waiter::Caller(())).unwrap();
        assert!(p.cancel(9));
        assert!(!p.cancel(9));
        assert!(p.complete(9).is_none());
    }

    #[test]
    fn drain_returns_every_waiter_once() {
        let mut p = PendingCalls::default();
        for id in 0..10 {
            p.insert(id, Waiter::Caller(id)).unwrap();
        }
        let mut ids: Vec<u64> = p.drain().map(|(id, _)| id).collect();
        ids.sort_unstable();
        assert_eq!(ids, (0..10).collect::<Vec<_>>());
        assert!(p.is_empty());
    }
}
