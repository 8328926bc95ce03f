//! Node notifications.
