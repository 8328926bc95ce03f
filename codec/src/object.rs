//! The object envelope: `rlp([tag, version, field1, field2, …])`.

use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};

/// A serialized chain object with a tag and a version.
pub trait Object: Sized {
    /// The object tag (`aeser_chain_objects`).
    const TAG: u32;

    /// The version this value serializes as.
    fn version(&self) -> u32;

    /// Writes the fields after tag and version.
    fn encode_fields(&self, enc: &mut Encoder);

    /// Reads the fields after tag and version. `at` is the offset of the object's list, for
    /// errors about the object as a whole.
    ///
    /// # Errors
    /// A [`DecodeError`] naming the position of the bad field.
    fn decode_fields(version: u32, fields: &[Item<'_>], at: usize) -> Result<Self, DecodeError>;

    /// The canonical serialization.
    fn to_rlp(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        self.encode_rlp(&mut enc);
        enc.finish()
    }

    /// Writes the whole object (envelope and fields) into `enc`.
    fn encode_rlp(&self, enc: &mut Encoder) {
        enc.list(|l| {
            l.uint_u64(u64::from(Self::TAG));
            l.uint_u64(u64::from(self.version()));
            self.encode_fields(l);
        });
    }

    /// Decodes exactly one object from `bytes`.
    ///
    /// # Errors
    /// Any [`DecodeError`]: bad RLP, another tag, an unsupported version, a wrong field count
    /// or a bad field.
    fn from_rlp(bytes: &[u8]) -> Result<Self, DecodeError> {
        Self::decode_item(&rlp::decode_exact(bytes)?)
    }

    /// Decodes the object from an already parsed item.
    ///
    /// # Errors
    /// As [`Object::from_rlp`].
    fn decode_item(item: &Item<'_>) -> Result<Self, DecodeError> {
        let (tag, version, fields) = envelope(item)?;
        if tag != Self::TAG {
            return Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::UnexpectedTag { expected: Self::TAG, found: tag },
            ));
        }
        Self::decode_fields(version, fields, item.offset)
    }
}

/// Splits an object item into tag, version and the remaining fields.
///
/// # Errors
/// When the item is not a list of at least two integers that fit in `u32`.
pub fn envelope<'i, 'a>(item: &'i Item<'a>) -> Result<(u32, u32, &'i [Item<'a>]), DecodeError> {
    let list = item.as_list()?;
    let (tag_item, rest) = list.split_first().ok_or(DecodeError::new(
        item.offset,
        DecodeErrorKind::ListLength { expected: 2, found: 0 },
    ))?;
    let (vsn_item, fields) = rest.split_first().ok_or(DecodeError::new(
        item.offset,
        DecodeErrorKind::ListLength { expected: 2, found: 1 },
    ))?;
    Ok((small_int(tag_item)?, small_int(vsn_item)?, fields))
}

/// Peeks at the tag of a serialized object without decoding its fields.
///
/// # Errors
/// When `bytes` is not RLP of an object envelope.
pub fn peek_tag(bytes: &[u8]) -> Result<(u32, u32), DecodeError> {
    let item = rlp::decode_exact(bytes)?;
    let (tag, vsn, _) = envelope(&item)?;
    Ok((tag, vsn))
}

fn small_int(item: &Item<'_>) -> Result<u32, DecodeError> {
    let v = item.as_u64()?;
    u32::try_from(v).map_err(|_| {
        let found = item.as_uint_bytes().map_or(8, <[u8]>::len);
        DecodeError::new(item.offset, DecodeErrorKind::IntegerTooLarge { max_bytes: 4, found })
    })
}

/// Checks that an object of `tag`/`version` has exactly `N` fields and returns them.
///
/// # Errors
/// [`DecodeErrorKind::ListLength`] counting tag and version as the node does.
pub fn fields<'i, 'a, const N: usize>(
    fields: &'i [Item<'a>],
    at: usize,
) -> Result<&'i [Item<'a>; N], DecodeError> {
    <&[Item<'a>; N]>::try_from(fields).map_err(|_| {
        DecodeError::new(
            at,
            DecodeErrorKind::ListLength { expected: N + 2, found: fields.len() + 2 },
        )
    })
}

/// The error for an unsupported `version` of `tag`.
pub fn unsupported(tag: u32, version: u32, at: usize) -> DecodeError {
    DecodeError::new(at, DecodeErrorKind::UnsupportedVersion { tag, version })
}
