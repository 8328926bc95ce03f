//! Objects serialized inside byte-string fields of other objects.

use crate::object::Object;
use crate::rlp::{DecodeError, Encoder, Item};

/// Decodes the object serialized in the byte-string `item`; error positions stay relative to
/// the outermost input.
pub(crate) fn decode<T: Object>(item: &Item<'_>) -> Result<T, DecodeError> {
    let bytes = item.as_bytes()?;
    let base = item.offset + item.raw.len().saturating_sub(bytes.len());
    T::from_rlp(bytes).map_err(|mut e| {
        e.position = e.position.saturating_add(base);
        e
    })
}

/// Writes `obj` serialized, as a byte string.
pub(crate) fn encode<T: Object>(obj: &T, enc: &mut Encoder) {
    enc.bytes(&obj.to_rlp());
}
