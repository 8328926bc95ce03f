//! Deadline arithmetic that cannot overflow. A leaf module: the chain, the FSMs, the outbox and
//! the probe all compute deadlines.

use std::time::{Duration, Instant};

/// `now + d`, saturating far in the future instead of overflowing (durations come from
/// connect URLs and fault switches).
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).or_else(|| now.checked_add(Duration::from_secs(1 << 32))).unwrap_or(now)
}
