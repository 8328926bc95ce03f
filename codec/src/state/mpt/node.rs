//! MPT nodes as the node serializes them, and the hex-prefix path encoding.

use crate::hash::blake2b_256;
use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};

/// A reference from a branch to a child node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum NodeRef {
    /// No child (`<<>>`).
    #[default]
    Empty,
    /// The child's hash, `blake2b(rlp(child))`, when its RLP is 32 bytes or longer.
    Hash([u8; 32]),
    /// The child's RLP itself, embedded as a byte string, when shorter than 32 bytes.
    Embedded(Vec<u8>),
}

/// One Merkle-Patricia tree node: an RLP list of byte strings.
///
/// Paths are sequences of nibbles (values 0..=15), high nibble of each key byte first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// `[hp(path, leaf), value]`.
    Leaf {
        /// The rest of the key's path.
        path: Vec<u8>,
        /// The value.
        value: Vec<u8>,
    },
    /// `[hp(path, extension), child_hash]`; the child is always referenced by hash.
    Extension {
        /// The shared part of the path.
        path: Vec<u8>,
        /// The hash of the child (a branch).
        child: [u8; 32],
    },
    /// `[c0, …, c15, value]`; `value` is empty when no key ends here.
    Branch {
        /// The sixteen children, by next nibble.
        children: Box<[NodeRef; 16]>,
        /// The value of the key ending at this node, or empty.
        value: Vec<u8>,
    },
}

/// Splits bytes into nibbles, high nibble first.
pub fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

/// The hex-prefix encoding of a nibble path: flag nibble (0 extension / 2 leaf, +1 when the
/// length is odd, then the first nibble), then the nibbles packed in pairs.
pub fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag: u8 = if leaf { 2 } else { 0 };
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = match path.split_first() {
        Some((first, rest)) if path.len() % 2 == 1 => {
            out.push(((flag + 1) << 4) | (first & 0x0f));
            rest
        }
        _ => {
            out.push(flag << 4);
            path
        }
    };
    out.extend(rest.chunks(2).map(|pair| match pair {
        [hi, lo] => ((hi & 0x0f) << 4) | (lo & 0x0f),
        [hi] => (hi & 0x0f) << 4,
        _ => 0,
    }));
    out
}

/// Decodes a hex-prefix path into `(nibbles, is_leaf)`, rejecting non-canonical flag bytes.
fn decode_hex_prefix(item: &Item<'_>) -> Result<(Vec<u8>, bool), DecodeError> {
    let bad = |what| DecodeError::new(item.offset, DecodeErrorKind::Invalid(what));
    let bytes = item.as_bytes()?;
    let (first, rest) = bytes.split_first().ok_or(bad("empty hex-prefix path"))?;
    let (leaf, odd) = match first >> 4 {
        0 => (false, false),
        1 => (false, true),
        2 => (true, false),
        3 => (true, true),
        _ => return Err(bad("hex-prefix flag is not 0..3")),
    };
    let mut path = Vec::with_capacity(rest.len() * 2 + 1);
    if odd {
        path.push(first & 0x0f);
    } else if first & 0x0f != 0 {
        return Err(bad("even hex-prefix path with a non-zero padding nibble"));
    }
    path.extend(nibbles(rest));
    Ok((path, leaf))
}

impl NodeRef {
    fn encode_rlp(&self, enc: &mut Encoder) {
        match self {
            NodeRef::Empty => enc.bytes(&[]),
            NodeRef::Hash(h) => enc.bytes(h),
            NodeRef::Embedded(rlp) => enc.bytes(rlp),
        };
    }

    fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        let bytes = item.as_bytes()?;
        match bytes.len() {
            0 => Ok(NodeRef::Empty),
            32 => Ok(NodeRef::Hash(item.as_array()?)),
            1..=31 => {
                let base = item.offset + item.raw.len().saturating_sub(bytes.len());
                Node::from_rlp(bytes).map_err(|mut e| {
                    e.position = e.position.saturating_add(base);
                    e
                })?;
                Ok(NodeRef::Embedded(bytes.to_vec()))
            }
            found => Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::WrongLength { expected: 32, found },
            )),
        }
    }
}

impl Node {
    /// The canonical serialization.
    pub fn to_rlp(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        self.encode_rlp(&mut enc);
        enc.finish()
    }

    /// `blake2b(rlp(node))`, the key of the node in a proof.
    pub fn hash(&self) -> [u8; 32] {
        blake2b_256(&self.to_rlp())
    }

    /// Writes the node as an RLP list of byte strings.
    pub fn encode_rlp(&self, enc: &mut Encoder) {
        enc.list(|l| match self {
            Node::Leaf { path, value } => {
                l.bytes(&hex_prefix(path, true));
                l.bytes(value);
            }
            Node::Extension { path, child } => {
                l.bytes(&hex_prefix(path, false));
                l.bytes(child);
            }
            Node::Branch { children, value } => {
                children.iter().for_each(|c| c.encode_rlp(l));
                l.bytes(value);
            }
        });
    }

    /// Decodes one serialized node.
    ///
    /// # Errors
    /// A [`DecodeError`] for bad RLP or anything but a canonical leaf, extension or branch.
    pub fn from_rlp(bytes: &[u8]) -> Result<Self, DecodeError> {
        Node::decode_rlp(&rlp::decode_exact(bytes)?)
    }

    /// Decodes a node from a parsed item: a list of 2 (leaf or extension, by the path flag)
    /// or 17 (branch) byte strings.
    ///
    /// # Errors
    /// As [`Node::from_rlp`].
    pub fn decode_rlp(item: &Item<'_>) -> Result<Self, DecodeError> {
        match item.as_list()? {
            [path, second] => {
                let (path, leaf) = decode_hex_prefix(path)?;
                if leaf {
                    Ok(Node::Leaf { path, value: second.as_bytes()?.to_vec() })
                } else {
                    Ok(Node::Extension { path, child: second.as_array()? })
                }
            }
            [children @ .., value] if children.len() == 16 => {
                let mut refs: [NodeRef; 16] = Default::default();
                for (slot, child) in refs.iter_mut().zip(children) {
                    *slot = NodeRef::decode_rlp(child)?;
                }
                Ok(Node::Branch { children: Box::new(refs), value: value.as_bytes()?.to_vec() })
            }
            other => Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::ListLength { expected: 17, found: other.len() },
            )),
        }
    }
}
