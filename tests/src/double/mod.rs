//! The node double.
