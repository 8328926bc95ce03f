//! Blocking client for æternity state channels.
#![forbid(unsafe_code)]

pub extern crate aesc_codec;

mod channel;
mod channel_config;
mod checks;
mod command;
pub mod config;
mod connection;
mod driver;
pub mod error;
pub mod events;
mod frame;
pub mod params;
mod pending;
pub mod policy;
mod review;
mod session;
pub mod store;
mod transport;
pub mod view;

pub use channel::Channel;
pub use channel_config::{ChannelConfig, ChannelConfigBuilder, ConfigError, OpenTerms};
pub use config::{ConnectionConfig, Deadlines};
pub use connection::Client;
pub use error::{Error, RpcError, Timeout};
pub use events::{Event, Events, RecvError};
pub use params::{ConnectParams, Role};
pub use store::StateStore;
pub use view::{ChannelView, Phase};
