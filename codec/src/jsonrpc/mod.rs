//! The channel WebSocket JSON-RPC API, fully typed (spec §6).
//!
//! * Envelopes: [`Request`], [`Response`] / [`ResponsePayload`], [`Notification`], and the
//!   frame decoders [`decode_incoming`] (node → client) and [`decode_request`]
//!   (client → node). Errors: [`ErrorObject`] with [`ErrorCode`] and [`DataCode`].
//! * Client methods: one struct per method implementing [`Method`], all of them gathered in
//!   [`ClientRequest`]; params are validated as the node does ([`ParamsError`]); results are
//!   typed ([`Balance`], [`OffchainState`], [`ContractCall`], …).
//! * Node notifications: [`NodeEvent`].
//! * Connection query parameters: [`connect::ConnectParams`].
//!
//! Every decoder is total: malformed input gives a typed error, never a panic, and numbers
//! keep their full precision.
//!
//! ```
//! use aesc_codec::jsonrpc::{decode_incoming, ClientRequest, GetBalances, Id, Incoming};
//!
//! let account = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C".parse()?;
//! let request = ClientRequest::from(GetBalances { accounts: vec![account] });
//! let frame = request.to_frame(Some(Id::from(1u64)));
//! assert!(frame.contains("channels.get.balances"));
//!
//! let reply = r#"{"channel_id":null,"id":1,"jsonrpc":"2.0","result":"ok","version":1}"#;
//! let Ok(Incoming::Response(r)) = decode_incoming(reply) else { unreachable!() };
//! assert_eq!(r.id, Id::from(1u64));
//! # Ok::<_, aesc_codec::encoding::ParseError>(())
//! ```

mod codes;
pub mod connect;
mod envelope;
mod error;
mod error_object;
mod events;
mod id;
mod methods;
mod outputs;
mod params;
mod values;

pub use codes::{DataCode, ErrorCode};
pub use envelope::{
    decode_incoming, decode_request, decode_requests, Incoming, Notification, Request, Response,
    ResponsePayload, API_VERSION,
};
pub use error::{FrameError, JsonKind};
pub use error_object::{ErrorData, ErrorObject};
pub use events::*;
pub use id::{Id, TwoPointZero};
pub use methods::*;
pub use outputs::*;
pub use params::{BrokenField, EncodingKind, Params, ParamsError};
pub use values::{BlockHash, ContractBytes, EncodedCallsTree, EncodedPoi, EncodedStateTrees};
pub use values::{EncodedTx, StoreKey, StoreValue};
