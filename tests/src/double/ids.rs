//! Who is who: the participants of a channel and the client sockets. A leaf module, so the
//! pure channel logic and the threads that carry its frames can both name them.

/// A participant of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The party that opens the channel (and pays the create fee).
    Initiator,
    /// The party that accepts it.
    Responder,
}

impl Role {
    /// The other participant.
    pub const fn other(self) -> Role {
        match self {
            Role::Initiator => Role::Responder,
            Role::Responder => Role::Initiator,
        }
    }

    /// `"initiator"` or `"responder"`, as in the `role` query parameter.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Initiator => "initiator",
            Role::Responder => "responder",
        }
    }
}

/// The id of a client socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct ConnId(pub u64);
