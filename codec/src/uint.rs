//! Arbitrary-precision non-negative integers, as the protocol's amounts, fees and rounds are.

use core::fmt;
use core::str::FromStr;

use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};

/// A non-negative integer of any size (aettos, gas, rounds, 256-bit log topics).
///
/// Its RLP form is minimal big-endian bytes with zero as the single byte `0x00`; its JSON form
/// is a number at full precision.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uint(BigUint);

impl Uint {
    /// The largest integer the decoders accept, in bytes: 32, so values are below 2^256.
    ///
    /// The node keeps integers as Erlang bignums, but the protocol's largest values are the
    /// 256-bit log topics; amounts (the total supply is below 2^90 aettos), fees, gas and
    /// rounds are far smaller. Decoders ([`Uint::decode_rlp`], [`FromStr`], the JSON readers)
    /// refuse anything larger, so no decoded value makes decimal conversion expensive.
    /// Values built by arithmetic are not bounded.
    pub const MAX_BYTES: usize = 32;

    /// The longest decimal text the decoders accept: 78 digits, the length of 2^256 − 1.
    pub const MAX_DECIMAL_DIGITS: usize = 78;

    /// Zero.
    pub fn zero() -> Self {
        Uint(BigUint::zero())
    }

    /// Builds from big-endian bytes (leading zeros allowed).
    pub fn from_be_bytes(be: &[u8]) -> Self {
        Uint(BigUint::from_bytes_be(be))
    }

    /// Minimal big-endian bytes; zero is `[0]`.
    pub fn to_be_bytes(&self) -> Vec<u8> {
        self.0.to_bytes_be()
    }

    /// Fixed-width big-endian bytes, or `None` when the value needs more than `N` bytes.
    pub fn to_be_array<const N: usize>(&self) -> Option<[u8; N]> {
        let be = self.to_be_bytes();
        let mut out = [0u8; N];
        let start = N.checked_sub(be.len())?;
        out.get_mut(start..)?.copy_from_slice(&be);
        Some(out)
    }

    /// The value as a `u64`, when it fits.
    pub fn to_u64(&self) -> Option<u64> {
        self.0.to_u64()
    }

    /// The value as a `u128`, when it fits.
    pub fn to_u128(&self) -> Option<u128> {
        self.0.to_u128()
    }

    /// Whether the value is zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// The underlying big integer, for arithmetic.
    pub fn as_big(&self) -> &BigUint {
        &self.0
    }

    /// `self - other`, or `None` when it would be negative.
    pub fn checked_sub(&self, other: &Uint) -> Option<Uint> {
        if other.0 > self.0 {
            None
        } else {
            Some(Uint(&self.0 - &other.0))
        }
    }

    /// Decodes a canonical RLP integer field of at most [`Uint::MAX_BYTES`] bytes.
    ///
    /// # Errors
    /// As [`Item::as_uint_bytes`], plus [`DecodeErrorKind::IntegerTooLarge`] for more than
    /// [`Uint::MAX_BYTES`] bytes.
    pub fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        let bytes = item.as_uint_bytes()?;
        if bytes.len() > Uint::MAX_BYTES {
            return Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::IntegerTooLarge { max_bytes: Uint::MAX_BYTES, found: bytes.len() },
            ));
        }
        Ok(Uint::from_be_bytes(bytes))
    }

    /// Encodes as a canonical RLP integer.
    pub fn encode_rlp(&self, enc: &mut Encoder) {
        enc.uint_bytes(&self.to_be_bytes());
    }
}

impl core::ops::Add<&Uint> for &Uint {
    type Output = Uint;
    fn add(self, rhs: &Uint) -> Uint {
        Uint(&self.0 + &rhs.0)
    }
}

impl core::ops::Mul<&Uint> for &Uint {
    type Output = Uint;
    fn mul(self, rhs: &Uint) -> Uint {
        Uint(&self.0 * &rhs.0)
    }
}

impl From<u64> for Uint {
    fn from(v: u64) -> Self {
        Uint(BigUint::from(v))
    }
}

impl From<u128> for Uint {
    fn from(v: u128) -> Self {
        Uint(BigUint::from(v))
    }
}

impl From<u32> for Uint {
    fn from(v: u32) -> Self {
        Uint(BigUint::from(v))
    }
}

impl From<BigUint> for Uint {
    fn from(v: BigUint) -> Self {
        Uint(v)
    }
}

impl fmt::Display for Uint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Uint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A decimal integer string was not a non-negative integer the codec accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseUintError {
    /// The text is longer than [`Uint::MAX_DECIMAL_DIGITS`]; it was not parsed.
    TooLong {
        /// The length of the text, in bytes.
        len: usize,
    },
    /// The text is empty or holds something other than ASCII digits.
    NotDecimal {
        /// The text (at most [`Uint::MAX_DECIMAL_DIGITS`] bytes long).
        input: String,
    },
    /// The value is 2^256 or more.
    TooLarge,
}

impl fmt::Display for ParseUintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseUintError::TooLong { len } => write!(
                f,
                "integer of {len} characters is too long, at most {} digits allowed",
                Uint::MAX_DECIMAL_DIGITS
            ),
            ParseUintError::NotDecimal { input } => {
                write!(f, "{input:?} is not a non-negative decimal integer")
            }
            ParseUintError::TooLarge => f.write_str("integer is 2^256 or more"),
        }
    }
}

impl std::error::Error for ParseUintError {}

impl FromStr for Uint {
    type Err = ParseUintError;

    /// Parses a decimal integer of at most [`Uint::MAX_DECIMAL_DIGITS`] digits (leading zeros
    /// count) and below 2^256. The length is checked first: decimal conversion is quadratic.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > Uint::MAX_DECIMAL_DIGITS {
            return Err(ParseUintError::TooLong { len: s.len() });
        }
        let valid = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(ParseUintError::NotDecimal { input: s.into() });
        }
        let value = BigUint::parse_bytes(s.as_bytes(), 10)
            .ok_or_else(|| ParseUintError::NotDecimal { input: s.into() })?;
        if value.bits() > 8 * Uint::MAX_BYTES as u64 {
            return Err(ParseUintError::TooLarge);
        }
        Ok(Uint(value))
    }
}

impl Serialize for Uint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(v) = self.to_u64() {
            return s.serialize_u64(v);
        }
        if let Some(v) = self.to_u128() {
            return s.serialize_u128(v);
        }
        match serde_json::Number::from_str(&self.to_string()) {
            Ok(n) => n.serialize(s),
            Err(_) => s.serialize_str(&self.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Uint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        match Uint::parse_json(&v) {
            Ok(Some(n)) => Ok(n),
            Ok(None) => {
                Err(serde::de::Error::custom(format!("expected a non-negative integer, found {v}")))
            }
            Err(e) => Err(serde::de::Error::custom(e)),
        }
    }
}

impl Uint {
    /// Reads a JSON number (at full precision) or a decimal string, as [`FromStr`] does.
    pub fn from_json(v: &serde_json::Value) -> Option<Uint> {
        Uint::parse_json(v).ok().flatten()
    }

    /// Reads a JSON number (at full precision) or a decimal string, as [`FromStr`] does;
    /// `Ok(None)` when the value is neither a number nor a string.
    ///
    /// # Errors
    /// The [`ParseUintError`] of the text.
    pub fn parse_json(v: &serde_json::Value) -> Result<Option<Uint>, ParseUintError> {
        match v {
            serde_json::Value::Number(n) => n.as_str().parse().map(Some),
            serde_json::Value::String(s) => s.parse().map(Some),
            _ => Ok(None),
        }
    }

    /// The JSON number for this value, at full precision.
    pub fn to_json(&self) -> serde_json::Value {
        match serde_json::Number::from_str(&self.to_string()) {
            Ok(n) => serde_json::Value::Number(n),
            Err(_) => serde_json::Value::String(self.to_string()),
        }
    }
}
