//! Errors from decoding RLP.

use core::fmt;

/// What was wrong with an RLP input, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the outermost input where the problem was found.
    pub position: usize,
    /// What the problem was.
    pub kind: DecodeErrorKind,
}

/// The kinds of RLP decoding failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ends before the item does.
    InputTooShort {
        /// Bytes the item needs from its position on.
        needed: usize,
        /// Bytes left from its position on.
        available: usize,
    },
    /// Bytes remain after the top-level item.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A single byte below 0x80 was given a length prefix (`81 05`).
    NonCanonicalSingleByte,
    /// The long length form was used for a payload of 55 bytes or fewer.
    NonCanonicalLength,
    /// A long-form length starts with a zero byte.
    LeadingZeroInLength,
    /// A length does not fit in memory addresses.
    LengthOverflow,
    /// Lists are nested deeper than the decoder allows.
    TooDeep {
        /// The nesting limit.
        limit: usize,
    },
    /// A byte string was expected, a list was found.
    UnexpectedList,
    /// A list was expected, a byte string was found.
    UnexpectedBytes,
    /// An integer has a leading zero byte (or is the empty string, which the canonical
    /// encoding never produces: zero is the single byte `0x00`).
    NonCanonicalInteger,
    /// An integer is larger than its field allows.
    IntegerTooLarge {
        /// Largest allowed size in bytes.
        max_bytes: usize,
        /// Size found.
        found: usize,
    },
    /// A byte string does not have the fixed size its field requires.
    WrongLength {
        /// Required length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A list does not have the number of items its object requires.
    ListLength {
        /// Required count.
        expected: usize,
        /// Count found.
        found: usize,
    },
    /// A boolean is neither `<<0>>` nor `<<1>>`.
    InvalidBool,
    /// An `id` field has an unknown tag byte.
    InvalidIdTag {
        /// The tag byte found.
        tag: u8,
    },
    /// An `id` field has a known tag other than the one its field requires.
    UnexpectedIdTag {
        /// The tag the field requires.
        expected: u8,
        /// The tag found.
        found: u8,
    },
    /// An object's tag is not the one expected at this place.
    UnexpectedTag {
        /// The tag expected.
        expected: u32,
        /// The tag found.
        found: u32,
    },
    /// An object's version is not supported for its tag.
    UnsupportedVersion {
        /// The object tag.
        tag: u32,
        /// The version found.
        version: u32,
    },
    /// An object tag that this codec does not know.
    UnknownTag {
        /// The tag found.
        tag: u32,
    },
    /// Signatures in a SignedTx are not each 64 bytes.
    BadSignatureLength {
        /// Length found.
        found: usize,
    },
    /// A value violates a protocol rule beyond its encoding (described by the text).
    Invalid(&'static str),
}

impl DecodeError {
    /// Builds an error of `kind` at `position`.
    pub const fn new(position: usize, kind: DecodeErrorKind) -> Self {
        DecodeError { position, kind }
    }
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use DecodeErrorKind as K;
        match self {
            K::InputTooShort { needed, available } => {
                write!(f, "input too short: item needs {needed} bytes, {available} left")
            }
            K::TrailingBytes { count } => write!(f, "{count} trailing bytes after the item"),
            K::NonCanonicalSingleByte => f.write_str("single byte below 0x80 with a length prefix"),
            K::NonCanonicalLength => f.write_str("long length form used for a short payload"),
            K::LeadingZeroInLength => f.write_str("length with a leading zero byte"),
            K::LengthOverflow => f.write_str("length overflows"),
            K::TooDeep { limit } => write!(f, "lists nested deeper than {limit}"),
            K::UnexpectedList => f.write_str("expected a byte string, found a list"),
            K::UnexpectedBytes => f.write_str("expected a list, found a byte string"),
            K::NonCanonicalInteger => f.write_str("integer with a leading zero or empty"),
            K::IntegerTooLarge { max_bytes, found } => {
                write!(f, "integer of {found} bytes exceeds {max_bytes} bytes")
            }
            K::WrongLength { expected, found } => {
                write!(f, "byte string of {found} bytes, expected {expected}")
            }
            K::ListLength { expected, found } => {
                write!(f, "list of {found} items, expected {expected}")
            }
            K::InvalidBool => f.write_str("boolean is neither 0 nor 1"),
            K::InvalidIdTag { tag } => write!(f, "unknown id tag {tag}"),
            K::UnexpectedIdTag { expected, found } => {
                write!(f, "id tag {found} where tag {expected} is required")
            }
            K::UnexpectedTag { expected, found } => {
                write!(f, "object tag {found} where tag {expected} is required")
            }
            K::UnsupportedVersion { tag, version } => {
                write!(f, "unsupported version {version} of object tag {tag}")
            }
            K::UnknownTag { tag } => write!(f, "unknown object tag {tag}"),
            K::BadSignatureLength { found } => {
                write!(f, "signature of {found} bytes, expected 64")
            }
            K::Invalid(what) => write!(f, "invalid value: {what}"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rlp at byte {}: {}", self.position, self.kind)
    }
}

impl std::error::Error for DecodeError {}
