//! The C ABI of the æternity state-channel workspace: `libaesc` (`libaesc.so`, `libaesc.a`)
//! and its header `include/aesc.h`, generated from this crate by cbindgen.
//!
//! The conventions are rustls-ffi's:
//!
//! * every fallible function returns an [`aesc_result`] (0 is success) and writes its outputs
//!   through pointer parameters, which are written only on success unless a function says
//!   otherwise;
//! * the detail of the last failure on the calling thread is text
//!   ([`aesc_last_error_message`]) and, for errors of the node, its codes
//!   ([`aesc_last_error_node_code`]);
//! * no panic crosses the boundary: every entry point catches unwinding and returns
//!   [`aesc_result::Panic`];
//! * every pointer is checked for NULL; strings in are NUL-terminated UTF-8; strings out are
//!   owned by the caller once returned and freed with [`aesc_string_free`];
//! * amounts, balances and fees are decimal strings (they exceed 64 bits);
//! * every object is an opaque handle with its `_free` function; freeing NULL does nothing;
//!   each type states its thread safety.
//!
//! The modules follow the header's sections: results and errors, strings, the codec
//! (decode, encode, hashes, ids), keys, signing, the channel configuration and its signing
//! policy, the shared reactor, the channel and its operations, events, and (with the `node-double` feature) the
//! node double.
//!
//! From Rust the functions can be called directly (this crate's tests and benches do); they are
//! meant for C.

#![allow(non_camel_case_types)]
// The C functions take raw pointers, as rustls-ffi's do; each documents (in the header) what it
// requires of them and checks every one for NULL.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

// The header lists the items in the order of these modules.

// Version, results, errors and strings: the conventions.
mod version;

mod result;

mod error;

mod strings;

// The codec.
mod codec;

mod keys;

mod signing;

// The channel client.
mod config;

mod policy;

mod reactor;

mod channel;

mod operations;

mod events;

mod view;

// Tests without a node.
#[cfg(feature = "node-double")]
mod double;

// Internals.
mod guard;
mod json;
#[path = "../../cli/src/objects.rs"]
#[allow(dead_code, unreachable_pub)]
mod objects;

pub use channel::*;
pub use codec::*;
pub use config::*;
#[cfg(feature = "node-double")]
pub use double::*;
pub use error::*;
pub use events::*;
pub use keys::*;
pub use operations::*;
pub use policy::*;
pub use reactor::*;
pub use result::*;
pub use signing::*;
pub use strings::*;
pub use version::*;
pub use view::*;

#[cfg(test)]
mod tests {
    /// The thread safety the header states for each handle.
    #[test]
    fn handles_are_send_and_sync() {
        fn shared<T: Send + Sync>() {}
        shared::<crate::aesc_channel>();
        shared::<crate::aesc_config>();
        #[cfg(feature = "node-double")]
        shared::<crate::aesc_node_double>();
    }
}
