//! Blocking client for æternity state channels.
#![forbid(unsafe_code)]

pub extern crate aesc_codec;

mod command;
pub mod config;
mod connection;
mod driver;
pub mod error;
pub mod events;
mod frame;
mod pending;
pub mod policy;
mod transport;

pub use config::ConnectionConfig;
pub use connection::Client;
pub use error::{Error, RpcError, Timeout};
pub use events::{Event, Events, RecvError};
