//! Errors from parsing prefixed API strings.

use core::fmt;

use super::Prefix;

/// Why a prefixed API string (`ak_…`, `tx_…`, …) could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The string has no `_` separating prefix and body.
    MissingSeparator,
    /// The text before `_` is not a known prefix.
    UnknownPrefix(String),
    /// The prefix is known but not the one the caller expected.
    WrongPrefix {
        /// The prefixes that would have been accepted.
        expected: &'static [Prefix],
        /// The prefix found.
        found: Prefix,
    },
    /// The body text is longer than any valid string of its type; it was not decoded.
    TooLong {
        /// The prefix of the string.
        prefix: Prefix,
        /// The longest body text of that type ([`Prefix::max_text_len`]).
        max: usize,
        /// The length of the body text found, in bytes.
        found: usize,
    },
    /// The body has a character outside the base58 alphabet.
    InvalidBase58Character {
        /// The offending character.
        character: char,
        /// Its byte offset in the body.
        index: usize,
    },
    /// The body has a character outside the base64 alphabet.
    InvalidBase64Character {
        /// The offending byte.
        byte: u8,
        /// Its byte offset in the body.
        index: usize,
    },
    /// The base64 body is not correctly padded (length or `=` placement).
    BadPadding,
    /// The decoded body is shorter than the 4-byte checksum.
    TooShortForChecksum {
        /// Decoded length in bytes.
        len: usize,
    },
    /// The checksum does not match the payload.
    BadChecksum {
        /// Checksum computed from the payload.
        expected: [u8; 4],
        /// Checksum carried by the string.
        found: [u8; 4],
    },
    /// The payload does not have the fixed size of its type.
    WrongSize {
        /// The prefix of the string.
        prefix: Prefix,
        /// The size of that type in bytes.
        expected: usize,
        /// The payload size found.
        found: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::MissingSeparator => f.write_str("missing '_' after the prefix"),
            ParseError::UnknownPrefix(p) => write!(f, "unknown prefix {p:?}"),
            ParseError::WrongPrefix { expected, found } => {
                write!(f, "wrong prefix {found}_, expected ")?;
                for (i, p) in expected.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" or ")?;
                    }
                    write!(f, "{p}_")?;
                }
                Ok(())
            }
            ParseError::TooLong { prefix, max, found } => {
                write!(f, "{prefix}_ body of {found} characters is too long, at most {max} allowed")
            }
            ParseError::InvalidBase58Character { character, index } => {
                write!(f, "invalid base58 character {character:?} at offset {index}")
            }
            ParseError::InvalidBase64Character { byte, index } => {
                write!(f, "invalid base64 byte 0x{byte:02x} at offset {index}")
            }
            ParseError::BadPadding => f.write_str("bad base64 padding"),
            ParseError::TooShortForChecksum { len } => {
                write!(f, "decoded body of {len} bytes is too short for a 4-byte checksum")
            }
            ParseError::BadChecksum { expected, found } => {
                write!(f, "bad checksum: computed {}, found {}", Hex(expected), Hex(found))
            }
            ParseError::WrongSize { prefix, expected, found } => {
                write!(f, "{prefix}_ payload is {found} bytes, expected {expected}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}
