//! Arbitrary-precision non-negative integers, as the protocol's amounts, fees and rounds are.

use core::fmt;
use core::str::FromStr;

use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::rlp::{DecodeError, Encoder, Item};

/// A non-negative integer of any size (aettos, gas, rounds, 256-bit log topics).
///
/// Its RLP form is minimal big-endian bytes with zero as the single byte `0x00`; its JSON form
/// is a number at full precision.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uint(BigUint);

impl Uint {
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

    /// Decodes a canonical RLP integer field.
    ///
    /// # Errors
    /// As [`Item::as_uint_bytes`].
    pub fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        item.as_uint_bytes().map(Uint::from_be_bytes)
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

/// A decimal integer string was not a non-negative integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseUintError {
    /// The text that failed to parse.
    pub input: String,
}

impl fmt::Display for ParseUintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a non-negative decimal integer", self.input)
    }
}

impl std::error::Error for ParseUintError {}

impl FromStr for Uint {
    type Err = ParseUintError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let valid = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return Err(ParseUintError { input: s.into() });
        }
        BigUint::parse_bytes(s.as_bytes(), 10).map(Uint).ok_or(ParseUintError { input: s.into() })
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
        Uint::from_json(&v).ok_or_else(|| {
            serde::de::Error::custom(format!("expected a non-negative integer, found {v}"))
        })
    }
}

impl Uint {
    /// Reads a JSON number (at full precision) or a decimal string.
    pub fn from_json(v: &serde_json::Value) -> Option<Uint> {
        match v {
            serde_json::Value::Number(n) => n.as_str().parse().ok(),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
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
