//! The flood limit: frames counted per second.

use std::time::{Duration, Instant};

/// Counts the frames of the current second.
#[derive(Debug)]
pub(super) struct FloodMeter {
    limit: Option<u32>,
    since: Instant,
    frames: u32,
}

impl FloodMeter {
    pub(super) fn new(limit: Option<u32>) -> Self {
        FloodMeter { limit, since: Instant::now(), frames: 0 }
    }

    /// Counts one frame; the count when it exceeds the limit.
    pub(super) fn count(&mut self, now: Instant) -> Option<u32> {
        let limit = self.limit?;
        if now.saturating_duration_since(self.since) >= Duration::from_secs(1) {
            self.since = now;
            self.frames = 0;
        }
        self.frames = self.frames.saturating_add(1);
        (self.frames > limit).then_some(self.frames)
    }
}
