//! Prefixed API strings: `<prefix>_<base58 or base64 of (body ‖ checksum)>`.
//!
//! The checksum is the first four bytes of SHA-256(SHA-256(body)). Whether the body is base58
//! (Bitcoin alphabet) or base64 (standard alphabet, padded) and whether it has a fixed size is
//! decided by the [`Prefix`] table alone.
//!
//! Decoding is linear in the input: a body text longer than any valid string of its type
//! ([`Prefix::max_text_len`]) is refused with [`ParseError::TooLong`] before it is decoded,
//! which matters because base58 decoding is quadratic in the text length.
//!
//! ```
//! use aesc_codec::encoding::{self, Prefix};
//!
//! let s = encoding::encode(Prefix::Bytearray, b"");
//! assert_eq!(s, "ba_Xfbg4g==");
//! let body = encoding::decode_as(Prefix::Bytearray, &s)?;
//! assert!(body.is_empty());
//! # Ok::<_, aesc_codec::encoding::ParseError>(())
//! ```

mod error;
mod prefix;

use base64::Engine as _;
use sha2::{Digest, Sha256};

pub use error::ParseError;
pub use prefix::{Encoding, Prefix, MAX_UNSIZED_BASE58_BODY};

use prefix::CHECKSUM_LEN;

/// Computes the 4-byte double-SHA-256 checksum of `body`.
pub fn checksum(body: &[u8]) -> [u8; 4] {
    let twice = Sha256::digest(Sha256::digest(body));
    let mut out = [0u8; CHECKSUM_LEN];
    out.copy_from_slice(twice.get(..CHECKSUM_LEN).unwrap_or(&[0; 4]));
    out
}

/// Encodes `body` as a prefixed API string.
///
/// The size in the prefix table is not enforced here: encoding is total. Use the typed ids in
/// [`crate::id`] to guarantee sizes statically.
pub fn encode(prefix: Prefix, body: &[u8]) -> String {
    let mut data = Vec::with_capacity(body.len() + CHECKSUM_LEN);
    data.extend_from_slice(body);
    data.extend_from_slice(&checksum(body));
    let payload = match prefix.encoding() {
        Encoding::Base58 => bs58::encode(&data).into_string(),
        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(&data),
    };
    let mut out = String::with_capacity(3 + payload.len());
    out.push_str(prefix.as_str());
    out.push('_');
    out.push_str(&payload);
    out
}

/// Splits `s` into its prefix and body text without decoding the body.
///
/// # Errors
/// [`ParseError::MissingSeparator`] or [`ParseError::UnknownPrefix`].
pub fn split_prefix(s: &str) -> Result<(Prefix, &str), ParseError> {
    let (head, body) = s.split_once('_').ok_or(ParseError::MissingSeparator)?;
    let prefix = Prefix::from_text(head).ok_or_else(|| ParseError::UnknownPrefix(head.into()))?;
    Ok((prefix, body))
}

/// Decodes any prefixed string into its prefix and checked body.
///
/// # Errors
/// Any [`ParseError`]: the string is checked strictly (length, alphabet, padding, checksum,
/// size). A body text longer than [`Prefix::max_text_len`] is refused as
/// [`ParseError::TooLong`] without being decoded.
pub fn decode(s: &str) -> Result<(Prefix, Vec<u8>), ParseError> {
    let (prefix, text) = split_prefix(s)?;
    if let Some(max) = prefix.max_text_len() {
        if text.len() > max {
            return Err(ParseError::TooLong { prefix, max, found: text.len() });
        }
    }
    let mut data = match prefix.encoding() {
        Encoding::Base58 => decode_base58(text)?,
        Encoding::Base64 => decode_base64(text)?,
    };
    let len = data.len();
    if len < CHECKSUM_LEN {
        return Err(ParseError::TooShortForChecksum { len });
    }
    let found_vec = data.split_off(len - CHECKSUM_LEN);
    let mut found = [0u8; CHECKSUM_LEN];
    found.copy_from_slice(&found_vec);
    let expected = checksum(&data);
    if expected != found {
        return Err(ParseError::BadChecksum { expected, found });
    }
    if let Some(size) = prefix.size() {
        if data.len() != size {
            return Err(ParseError::WrongSize { prefix, expected: size, found: data.len() });
        }
    }
    Ok((prefix, data))
}

/// Decodes `s`, which must carry one of the `expected` prefixes.
///
/// # Errors
/// [`ParseError::WrongPrefix`] when the prefix is another known one, otherwise as [`decode`].
pub fn decode_one_of(
    expected: &'static [Prefix],
    s: &str,
) -> Result<(Prefix, Vec<u8>), ParseError> {
    let (prefix, _) = split_prefix(s)?;
    if !expected.contains(&prefix) {
        return Err(ParseError::WrongPrefix { expected, found: prefix });
    }
    decode(s)
}

/// Decodes `s`, which must carry exactly `prefix`, and returns its body.
///
/// # Errors
/// As [`decode_one_of`].
pub fn decode_as(prefix: Prefix, s: &str) -> Result<Vec<u8>, ParseError> {
    let expected: &'static [Prefix] = single(prefix);
    decode_one_of(expected, s).map(|(_, body)| body)
}

/// Decodes `s` with prefix `prefix` into a fixed-size array.
///
/// # Errors
/// As [`decode_as`], plus [`ParseError::WrongSize`] when the body is not `N` bytes.
pub fn decode_to_array<const N: usize>(prefix: Prefix, s: &str) -> Result<[u8; N], ParseError> {
    let body = decode_as(prefix, s)?;
    <[u8; N]>::try_from(body.as_slice()).map_err(|_| ParseError::WrongSize {
        prefix,
        expected: N,
        found: body.len(),
    })
}

fn single(prefix: Prefix) -> &'static [Prefix] {
    let all = Prefix::ALL;
    let idx = all.iter().position(|p| *p == prefix).unwrap_or(0);
    all.get(idx..=idx).unwrap_or(&[])
}

fn decode_base58(text: &str) -> Result<Vec<u8>, ParseError> {
    bs58::decode(text).into_vec().map_err(|e| match e {
        bs58::decode::Error::InvalidCharacter { character, index } => {
            ParseError::InvalidBase58Character { character, index }
        }
        bs58::decode::Error::NonAsciiCharacter { index } => ParseError::InvalidBase58Character {
            character: text.get(index..).and_then(|t| t.chars().next()).unwrap_or('\u{fffd}'),
            index,
        },
        _ => ParseError::InvalidBase58Character { character: '\u{fffd}', index: 0 },
    })
}

fn decode_base64(text: &str) -> Result<Vec<u8>, ParseError> {
    use base64::DecodeError as E;
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|e| match e {
        E::InvalidByte(_, b'=') => ParseError::BadPadding,
        E::InvalidByte(index, byte) => ParseError::InvalidBase64Character { byte, index },
        E::InvalidLastSymbol(index, byte) => ParseError::InvalidBase64Character { byte, index },
        E::InvalidLength(_) | E::InvalidPadding => ParseError::BadPadding,
    })
}

#[cfg(test)]
mod tests;
