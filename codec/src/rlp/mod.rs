//! Canonical RLP, as the node serializes its objects.
//!
//! [`decode_exact`] parses untrusted bytes into a tree of borrowed [`Item`]s and rejects
//! everything that is not the one canonical encoding: truncation, trailing bytes, length
//! prefixes on single bytes, long lengths for short payloads and leading zeros in lengths.
//! Every error carries the byte position where it was found. The encoder ([`Encoder`])
//! always writes the canonical form.
//!
//! ```
//! use aesc_codec::rlp::{self, Encoder};
//!
//! let mut enc = Encoder::new();
//! enc.list(|l| {
//!     l.uint_u64(0);
//!     l.bytes(b"dog");
//! });
//! let bytes = enc.finish();
//! assert_eq!(bytes, [0xc5, 0x00, 0x83, b'd', b'o', b'g']);
//! let item = rlp::decode_exact(&bytes)?;
//! let list = item.as_list()?;
//! assert_eq!(list[1].as_bytes()?, b"dog");
//! # Ok::<_, aesc_codec::rlp::DecodeError>(())
//! ```

mod decode;
mod encode;
mod error;

pub use decode::{decode_exact, Item, ItemKind, MAX_DEPTH};
pub use encode::Encoder;
pub use error::{DecodeError, DecodeErrorKind};

#[cfg(test)]
mod tests;
