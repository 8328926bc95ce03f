//! State objects.
