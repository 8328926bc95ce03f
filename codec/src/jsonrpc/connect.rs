//! Connection parameters.
