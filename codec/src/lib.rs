//! Pure codec for æternity state channels.
//!
//! Everything a state-channel client sends or receives can be decoded, checked, built and
//! signed with this crate, without a node and without I/O: the prefixed API strings
//! ([`encoding`]), canonical RLP ([`rlp`]), every channel transaction and off-chain update
//! ([`tx`]), state trees, Merkle-Patricia proofs and state hashes ([`state`]), Ed25519 signing
//! ([`crypto`]) and the typed channel WebSocket JSON-RPC API ([`jsonrpc`]).
//!
//! ```
//! use aesc_codec::id::{AccountId, ChannelId};
//! use aesc_codec::derive::channel_id;
//!
//! let initiator: AccountId = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C".parse()?;
//! let responder: AccountId = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt".parse()?;
//! let id: ChannelId = channel_id(&initiator, 3u64.into(), &responder);
//! assert_eq!(id.to_string(), "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu");
//! # Ok::<_, aesc_codec::encoding::ParseError>(())
//! ```

#![forbid(unsafe_code)]

pub mod crypto;
pub mod derive;
pub mod encoding;
pub mod hash;
pub mod id;
pub mod jsonrpc;
pub mod object;
pub mod rlp;
pub mod state;
pub mod tx;
pub mod uint;

pub use uint::Uint;
