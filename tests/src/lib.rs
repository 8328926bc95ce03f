//! Test kit for æternity state channels: a reader for recorded client–node sessions and an
//! in-process node double that plays the channel side of a node.

pub mod double;
pub mod recording;
