//! Blocking client for æternity state channels.
//!
//! A program opens a channel against a node's WebSocket API as initiator or responder and runs
//! it with plain function calls: [`Channel::open`], [`Channel::transfer`],
//! [`Channel::deposit`], [`Channel::shutdown`], … Each call returns when the node confirms it
//! or fails with a typed [`Error`]; none waits longer than its deadline, and a timeout names
//! its phase ([`Timeout`]).
//!
//! # Why blocking
//!
//! A channel is a strictly sequential conversation: ask, check the sign request, sign, wait for
//! the co-signed state. Blocking calls say exactly that, keep the API small, need no async
//! runtime in the program that embeds the client, and keep dependencies few (tungstenite,
//! crossbeam-channel, mio for readiness, rustls with the `aws-lc-rs` provider for `wss://`).
//!
//! # How it works
//!
//! An I/O thread owns each connection's socket: by default one of its own, or a [`Reactor`]
//! that any number of connections share (one thread, one descriptor per connection). Handles
//! talk to it through bounded crossbeam channels and wake it through a [`mio::Waker`], so a
//! request goes out at once; a table of pending calls matches responses by id; notifications
//! become a typed event stream ([`Events`], a blocking iterator with timeouts, bounded with
//! drop-oldest). WebSocket pings keep an idle socket open; nothing runs periodically, so an
//! idle channel costs no CPU. Dropping or closing a handle performs the close handshake and
//! fails every waiting call with [`Error::Disconnected`].
//!
//! # Many channels
//!
//! A hub, merchant or payment service with thousands of channels creates a [`Reactor`] (or one
//! per core) and passes it to each channel ([`ChannelConfigBuilder::reactor`]). Every channel
//! keeps its own bounded queues, deadlines and events; the reactor runs a connection in bounded
//! rounds (a burst of reads, its queued commands, its timers) and puts one with more to do at
//! the back of the line, so one busy or hostile connection cannot delay the others. A panic in
//! a channel's own callbacks (signer, store, policy) ends that channel with
//! [`Error::Panicked`]; the others go on. One thread runs 1,000 channels (2,000 parties) in
//! about 64 MiB (`client-blocking/BENCHMARKS.md`). Store writes run on the reactor thread:
//! with a [`StateStore`] on a slow disk, spread channels over several reactors.
//!
//! The channel protocol runs on the I/O thread too, so sign requests are answered while the
//! user thread is busy elsewhere: those for the user's own operations after checking them
//! against what was asked for, the other party's proposals after the same checks and the
//! [`policy::SigningPolicy`]. Nothing is signed that the user did not ask for or the policy did
//! not accept ([`policy`] lists the checks). The client keeps its own view of the channel
//! ([`ChannelView`]: round, balances, latest co-signed state) and, with a [`StateStore`],
//! writes it to disk after every co-signed update, so a new process can [`Channel::resume`].
//!
//! [`Client`] is the layer below: plain JSON-RPC calls and events on one connection.
//!
//! # Logs
//!
//! The client logs through the [`log`] facade, for whatever logger the program installs
//! (`RUST_LOG=aesc_client=debug` with `env_logger`): `info` for lifecycle steps (connecting,
//! connected, FSM up, open, leave, closing, closed, connection ended), `debug` for the method
//! of every frame sent and received (target `aesc_client::frames`) and for every review of a
//! sign request, `warn` for refusals, reconnects, state-store failures, deadlines hit and lost
//! connections. No record holds a secret key, an FSM id or a signed transaction. A
//! connection's own I/O thread is named after its role (`aesc-io-initiator`), so that loggers
//! that print thread names tell two parties in one process apart; a shared reactor's thread
//! has the name given to [`Reactor::named`].
//!
//! # TLS
//!
//! `wss://` uses rustls with the webpki root certificates and the process-wide
//! `CryptoProvider` the program installed (`CryptoProvider::install_default`), or else the
//! `aws-lc-rs` provider; [`ConnectionConfig::tls`] takes a whole `rustls::ClientConfig`.
//!
//! # Example
//!
//! Both parties in one program, against the node double of the test kit:
//!
//! ```
//! use std::time::Duration;
//! use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey};
//! use aesc_client::aesc_codec::jsonrpc::TxOptions;
//! use aesc_client::{Channel, ChannelConfig, Role};
//!
//! let node = aesc_testkit::double::spawn(
//!     aesc_testkit::double::Config::new().with_network_id("ae_dev").with_minimum_depth(1),
//! )?;
//! let (alice, bob) = (SecretKey::generate()?, SecretKey::generate()?);
//! let config = |role, me: &SecretKey, peer: &SecretKey| {
//!     ChannelConfig::builder(node.url(), role, NetworkId::new("ae_dev"), me.clone())
//!         .peer(peer.public_key())
//!         .host("127.0.0.1")
//!         .port(3333)
//!         .initiator_amount(1_000_000_000_000_000u64)
//!         .responder_amount(500_000_000_000_000u64)
//!         .channel_reserve(1u64)
//!         .lock_period(10)
//!         .build()
//! };
//!
//! // The responder connects first; both open.
//! let responder = Channel::connect(config(Role::Responder, &bob, &alice)?)?;
//! let initiator = Channel::connect(config(Role::Initiator, &alice, &bob)?)?;
//! initiator.wait_open()?;
//! responder.wait_open()?;
//!
//! // A transfer: the responder's client checks and co-signs it on its I/O thread.
//! let round = initiator.transfer(&bob.public_key(), 1_000u64)?;
//! assert_eq!(round, 2);
//!
//! responder.send_message(&alice.public_key(), "thanks")?;
//! let message = initiator.receive_message(Duration::from_secs(5)).expect("a message");
//! assert_eq!(message.info, "thanks");
//!
//! let close = initiator.shutdown(TxOptions::default())?;
//! println!("closed by {}", close.hash());
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```

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
#[doc(hidden)]
pub mod fuzzing;
mod logging;
pub mod params;
mod pending;
pub mod policy;
mod reactor;
mod review;
mod session;
pub mod signer;
pub mod store;
pub mod trace;
mod transport;
pub mod view;

pub use channel::{Channel, OFFCHAIN_CALL_GAS, OFFCHAIN_CALL_GAS_PRICE};
pub use channel_config::{
    ChannelConfig, ChannelConfigBuilder, ConfigError, OpenTerms, DEFAULT_FEE_CAP,
};
pub use config::{ConnectionConfig, Deadlines};
pub use connection::Client;
pub use error::{Error, RpcError, Timeout};
pub use events::{Event, Events, RecvError};
pub use params::{ConnectParams, Role};
pub use reactor::Reactor;
pub use signer::{Signer, SignerError};
pub use store::{ChannelStore, StateStore, StoredChannel};
pub use view::{ChannelView, Phase};

/// The Rust examples of the workspace README, compiled (and those that need no node run) as
/// doctests of this crate, which depends on everything they use.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
