//! Channel state: the state objects, Merkle-Patricia trees, state hashes and proofs of
//! inclusion, byte-exact with the node.
//!
//! * Objects: [`Account`] (tag 10), [`Contract`] (40), [`ContractCall`] (41), [`Channel`]
//!   (58), [`Mtree`] (63) and [`MtreeValue`] (64), the subtree wrappers 621..626
//!   ([`ContractsTree`] … [`AccountsTree`]) and [`StateTrees`] (62, API prefix `ss_`; the
//!   `cs_` call-state tree is a [`CallsTree`] alone).
//! * [`mpt`]: the node's Merkle-Patricia tree (`aeu_mp_trees`): root hashes and proofs.
//! * [`TreesPoi`] (tag 60, API prefix `pi_`): a proof of inclusion, its root hash and lookups
//!   through it.
//! * [`OffChainState`]: the channel's off-chain state as client and node keep it: initial
//!   state, balance updates, state hash and PoI.
//!
//! The state hash of a state or of a PoI is
//! `blake2b(u64_be(1) ‖ accounts ‖ calls ‖ channels ‖ contracts ‖ ns ‖ oracles)` over the root
//! hashes of the six subtrees, 32 zero bytes for an empty subtree ([`state_hash`]).
//!
//! # JSON forms
//!
//! Every object has `to_json`/`from_json` over [`serde_json::Value`] that round-trip exactly.
//! Field names follow the node's HTTP and WebSocket API where it has one (`nonce`, `balance`,
//! `owner_id`, `vm_version`, `caller_id`, `return_type`, `state_hash`, …). Ids use their
//! prefixed text forms (`ak_`, `ct_`, `st_`), contract byte arrays (code, call data, return
//! values, log data, GA auth functions) use `cb_`, amounts are full-precision JSON numbers.
//! Opaque binaries that the node never shows in JSON — MPT keys and values, proof nodes and
//! their hashes, subtree root hashes, channel `*_auth` fields — are **lowercase hex** without
//! a `0x` prefix: they are hashes and raw tree data, and hex keeps them comparable by eye
//! with node logs and the spec.
//!
//! ```
//! use aesc_codec::id::AccountId;
//! use aesc_codec::state::OffChainState;
//!
//! let initiator: AccountId = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C".parse()?;
//! let responder: AccountId = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt".parse()?;
//! let state = OffChainState::initial(
//!     initiator,
//!     70_000_000_000_000u64.into(),
//!     responder,
//!     40_000_000_000_000u64.into(),
//!     1u64.into(),
//! )?;
//! assert_eq!(
//!     state.state_hash().to_string(),
//!     "st_ZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEbeZckq"
//! );
//! # Ok::<_, Box<dyn std::error::Error>>(())
//! ```

mod account;
mod api;
mod call;
mod channel;
mod contract;
mod error;
mod json;
pub mod mpt;
mod mtree;
mod nested;
mod offchain;
mod poi;
mod trees;

pub use account::{Account, GaAuth};
pub use api::ApiStringError;
pub use call::{ContractCall, LogEntry, ReturnType};
pub use channel::{Channel, ChannelVersion};
pub use contract::{Contract, ContractVersion, CtVersion};
pub use error::{ApplyError, PoiError, ProofError, TreesError};
pub use json::JsonError;
pub use mtree::{Mtree, MtreeValue};
pub use offchain::OffChainState;
pub use poi::{SubtreePoi, TreesPoi};
pub use trees::{
    state_hash, AccountsTree, CallsTree, ChannelsTree, ContractsTree, NsTree, OraclesTree,
    StateTrees, SubtreeRoots,
};
