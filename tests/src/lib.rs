//! Test kit for æternity state channels: a reader for recorded client–node sessions
//! ([`recording`]) and an in-process node double that plays the channel side of a node
//! ([`double`]), so that the whole channel lifecycle runs in tests and demos without a node.
//!
//! ```
//! use aesc_testkit::double::{self, Config};
//! use aesc_testkit::recording::Recording;
//!
//! // A node double on a free loopback port; it shuts down when dropped.
//! let node = double::spawn(Config::new().with_network_id("ae_dev").with_minimum_depth(1))?;
//! assert!(node.url().starts_with("ws://127.0.0.1:"));
//!
//! // A recorded session, as the recordings in `shared/` are written.
//! let text = "#### initiator <--- node\n```javascript\n{\n  \"jsonrpc\": \"2.0\",\n  \
//!             \"method\": \"channels.info\",\n  \"params\": {\"channel_id\": null, \
//!             \"data\": {\"event\": \"fsm_up\"}},\n  \"version\": 1\n}\n```\n";
//! let recording = Recording::parse("example.md", text)?;
//! assert_eq!(recording.frames().count(), 1);
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```

pub mod double;
pub mod real_node;
pub mod recording;
