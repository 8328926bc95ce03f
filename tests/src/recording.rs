//! Recorded client–node sessions.
