//! BLAKE2b-256, the node's hash function.

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

/// BLAKE2b with a 32-byte digest, unkeyed (`enacl:generichash(32, _)`).
pub fn blake2b_256(data: &[u8]) -> [u8; 32] {
    Blake2b::<U32>::digest(data).into()
}

/// BLAKE2b-256 over the concatenation of `parts`.
pub fn blake2b_256_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Blake2b::<U32>::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}
