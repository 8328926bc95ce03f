//! Strict RLP decoding into borrowed items.

use super::error::{DecodeError, DecodeErrorKind as K};

/// The deepest list nesting [`decode_exact`] accepts. Protocol objects nest a handful of levels;
/// the bound keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 64;

/// One decoded RLP item, borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item<'a> {
    /// Byte offset of the item's first byte in the outermost input.
    pub offset: usize,
    /// The whole encoding of the item (header and payload).
    pub raw: &'a [u8],
    /// The item's content.
    pub kind: ItemKind<'a>,
}

/// The content of an [`Item`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKind<'a> {
    /// A byte string.
    Bytes(&'a [u8]),
    /// A list of items.
    List(Vec<Item<'a>>),
}

/// Decodes `input` as exactly one canonical RLP item.
///
/// # Errors
/// Any [`DecodeError`]; in particular [`K::TrailingBytes`] when bytes follow the item.
pub fn decode_exact(input: &[u8]) -> Result<Item<'_>, DecodeError> {
    let mut cursor = Cursor { input, pos: 0 };
    let item = cursor.item(0)?;
    let left = input.len() - cursor.pos;
    if left > 0 {
        return Err(DecodeError::new(cursor.pos, K::TrailingBytes { count: left }));
    }
    Ok(item)
}

struct Cursor<'a> {
    input: &'a [u8],
    pos: usize,
}

enum Header {
    Bytes(usize),
    List(usize),
}

impl<'a> Cursor<'a> {
    fn err(&self, at: usize, kind: K) -> DecodeError {
        DecodeError::new(at, kind)
    }

    fn take(&mut self, at: usize, n: usize) -> Result<&'a [u8], DecodeError> {
        let available = self.input.len().saturating_sub(self.pos);
        let end = self.pos.checked_add(n).ok_or(self.err(at, K::LengthOverflow))?;
        let slice = self.input.get(self.pos..end).ok_or(self.err(
            at,
            K::InputTooShort {
                needed: n + (self.pos - at),
                available: available + (self.pos - at),
            },
        ))?;
        self.pos = end;
        Ok(slice)
    }

    fn long_len(&mut self, at: usize, len_of_len: usize) -> Result<usize, DecodeError> {
        let bytes = self.take(at, len_of_len)?;
        if bytes.first() == Some(&0) {
            return Err(self.err(at, K::LeadingZeroInLength));
        }
        if len_of_len > core::mem::size_of::<usize>() {
            return Err(self.err(at, K::LengthOverflow));
        }
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        if len <= 55 {
            return Err(self.err(at, K::NonCanonicalLength));
        }
        Ok(len)
    }

    fn header(&mut self, at: usize) -> Result<Header, DecodeError> {
        let first = *self.take(at, 1)?.first().ok_or(self.err(at, K::LengthOverflow))?;
        Ok(match first {
            0x00..=0x7f => {
                self.pos = at;
                Header::Bytes(1)
            }
            0x80..=0xb7 => Header::Bytes(usize::from(first - 0x80)),
            0xb8..=0xbf => Header::Bytes(self.long_len(at, usize::from(first - 0xb7))?),
            0xc0..=0xf7 => Header::List(usize::from(first - 0xc0)),
            0xf8..=0xff => Header::List(self.long_len(at, usize::from(first - 0xf7))?),
        })
    }

    fn item(&mut self, depth: usize) -> Result<Item<'a>, DecodeError> {
        let at = self.pos;
        match self.header(at)? {
            Header::Bytes(len) => {
                let direct = self.pos == at;
                let payload = self.take(at, len)?;
                if !direct && len == 1 && payload.first().is_some_and(|b| *b < 0x80) {
                    return Err(self.err(at, K::NonCanonicalSingleByte));
                }
                let raw = self.input.get(at..self.pos).unwrap_or_default();
                Ok(Item { offset: at, raw, kind: ItemKind::Bytes(payload) })
            }
            Header::List(len) => {
                if depth >= MAX_DEPTH {
                    return Err(self.err(at, K::TooDeep { limit: MAX_DEPTH }));
                }
                let start = self.pos;
                let payload = self.take(at, len)?;
                let mut inner = Cursor { input: self.input, pos: start };
                let end = start + payload.len();
                let mut items = Vec::new();
                while inner.pos < end {
                    let child_input = self.input.get(..end).unwrap_or_default();
                    let mut child = Cursor { input: child_input, pos: inner.pos };
                    items.push(child.item(depth + 1)?);
                    inner.pos = child.pos;
                }
                let raw = self.input.get(at..self.pos).unwrap_or_default();
                Ok(Item { offset: at, raw, kind: ItemKind::List(items) })
            }
        }
    }
}

impl<'a> Item<'a> {
    /// The byte string of this item.
    ///
    /// # Errors
    /// [`K::UnexpectedList`] when the item is a list.
    pub fn as_bytes(&self) -> Result<&'a [u8], DecodeError> {
        match self.kind {
            ItemKind::Bytes(b) => Ok(b),
            ItemKind::List(_) => Err(DecodeError::new(self.offset, K::UnexpectedList)),
        }
    }

    /// The items of this list.
    ///
    /// # Errors
    /// [`K::UnexpectedBytes`] when the item is a byte string.
    pub fn as_list(&self) -> Result<&[Item<'a>], DecodeError> {
        match &self.kind {
            ItemKind::List(items) => Ok(items),
            ItemKind::Bytes(_) => Err(DecodeError::new(self.offset, K::UnexpectedBytes)),
        }
    }

    /// The items of this list, which must number exactly `N`.
    ///
    /// # Errors
    /// [`K::UnexpectedBytes`] or [`K::ListLength`].
    pub fn as_fixed_list<const N: usize>(&self) -> Result<&[Item<'a>; N], DecodeError> {
        let items = self.as_list()?;
        <&[Item<'a>; N]>::try_from(items).map_err(|_| {
            DecodeError::new(self.offset, K::ListLength { expected: N, found: items.len() })
        })
    }

    /// A byte string of exactly `N` bytes.
    ///
    /// # Errors
    /// [`K::UnexpectedList`] or [`K::WrongLength`].
    pub fn as_array<const N: usize>(&self) -> Result<[u8; N], DecodeError> {
        let b = self.as_bytes()?;
        <[u8; N]>::try_from(b).map_err(|_| {
            DecodeError::new(self.offset, K::WrongLength { expected: N, found: b.len() })
        })
    }

    /// The canonical integer bytes of this item: big-endian, no leading zero, zero as `[0]`.
    ///
    /// # Errors
    /// [`K::UnexpectedList`] or [`K::NonCanonicalInteger`].
    pub fn as_uint_bytes(&self) -> Result<&'a [u8], DecodeError> {
        let b = self.as_bytes()?;
        match b {
            [] => Err(DecodeError::new(self.offset, K::NonCanonicalInteger)),
            [0, _, ..] => Err(DecodeError::new(self.offset, K::NonCanonicalInteger)),
            _ => Ok(b),
        }
    }

    /// An integer that must fit in a `u64`.
    ///
    /// # Errors
    /// As [`Item::as_uint_bytes`], plus [`K::IntegerTooLarge`].
    pub fn as_u64(&self) -> Result<u64, DecodeError> {
        let b = self.as_uint_bytes()?;
        if b.len() > 8 {
            return Err(DecodeError::new(
                self.offset,
                K::IntegerTooLarge { max_bytes: 8, found: b.len() },
            ));
        }
        Ok(b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x)))
    }

    /// A boolean: `<<0>>` or `<<1>>`.
    ///
    /// # Errors
    /// [`K::UnexpectedList`] or [`K::InvalidBool`].
    pub fn as_bool(&self) -> Result<bool, DecodeError> {
        match self.as_bytes()? {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err(DecodeError::new(self.offset, K::InvalidBool)),
        }
    }
}
