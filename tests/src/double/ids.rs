//! Who is who: the participants of a channel and the client sockets. A leaf module, so the
//! pure channel logic and the threads that carry its frames can both name them.

/// A participant of a channel: the codec's role, the one the connect parameters carry.
pub use aesc_codec::jsonrpc::connect::Role;

/// The id of a client socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ConnId(pub u64);
