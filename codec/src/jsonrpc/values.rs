//! Prefixed base64 strings that travel through the API without being decoded further here
//! (transactions, contract byte arrays, proofs, trees), and block hashes.
//!
//! Each newtype checks its prefix and checksum when parsed and keeps the exact text, so a
//! value written back is byte-identical to the one read.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::encoding::{self, ParseError, Prefix};
use crate::id::{KeyBlockHash, MicroBlockHash};

macro_rules! encoded_string {
    ($(#[$doc:meta])* $name:ident, $prefix:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The prefix of the text form.
            pub const PREFIX: Prefix = Prefix::$prefix;

            /// Encodes raw bytes.
            pub fn from_bytes(bytes: &[u8]) -> Self {
                $name(encoding::encode(Prefix::$prefix, bytes))
            }

            /// The checked text, e.g. `tx_…`.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The decoded bytes (the checksum was verified when parsing).
            ///
            /// # Errors
            /// Never in practice: the text was checked on construction.
            pub fn to_bytes(&self) -> Result<Vec<u8>, ParseError> {
                encoding::decode_as(Prefix::$prefix, &self.0)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, ParseError> {
                encoding::decode_as(Prefix::$prefix, s)?;
                Ok($name(s.to_owned()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.0.len() > 40 {
                    let head = self.0.get(..24).unwrap_or(&self.0);
                    write!(f, "{}({head}…, {} chars)", stringify!($name), self.0.len())
                } else {
                    write!(f, "{}({})", stringify!($name), self.0)
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

encoded_string!(
    /// A serialized transaction (`tx_…`), usually a SignedTx.
    EncodedTx, Transaction
);
encoded_string!(
    /// Contract byte code, call data or a return value (`cb_…`).
    ContractBytes, ContractBytearray
);
encoded_string!(
    /// A serialized proof of inclusion (`pi_…`).
    EncodedPoi, Poi
);
encoded_string!(
    /// Serialized state trees (`ss_…`).
    EncodedStateTrees, StateTrees
);
encoded_string!(
    /// A serialized calls tree (`cs_…`).
    EncodedCallsTree, CallStateTree
);
encoded_string!(
    /// A contract store key (`ck_…`).
    StoreKey, ContractStoreKey
);
encoded_string!(
    /// A contract store value (`cv_…`).
    StoreValue, ContractStoreValue
);

/// A block hash as accepted by `block_hash` params: a key block (`kh_…`) or micro block
/// (`mh_…`) hash. The all-zero hash means "not pinned".
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockHash {
    /// A key block hash.
    Key(KeyBlockHash),
    /// A micro block hash.
    Micro(MicroBlockHash),
}

impl BlockHash {
    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        match self {
            BlockHash::Key(h) => h.as_bytes(),
            BlockHash::Micro(h) => h.as_bytes(),
        }
    }

    /// Whether this is the all-zero "unpinned" hash.
    pub fn is_unpinned(&self) -> bool {
        self.as_bytes().iter().all(|b| *b == 0)
    }
}

impl FromStr for BlockHash {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        const PREFIXES: &[Prefix] = &[Prefix::KeyBlockHash, Prefix::MicroBlockHash];
        match encoding::split_prefix(s)?.0 {
            Prefix::MicroBlockHash => s.parse().map(BlockHash::Micro),
            Prefix::KeyBlockHash => s.parse().map(BlockHash::Key),
            found => Err(ParseError::WrongPrefix { expected: PREFIXES, found }),
        }
    }
}

impl fmt::Display for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockHash::Key(h) => fmt::Display::fmt(h, f),
            BlockHash::Micro(h) => fmt::Display::fmt(h, f),
        }
    }
}

impl fmt::Debug for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for BlockHash {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for BlockHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_tx_keeps_its_text_and_checks_it() {
        let s = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
        let tx: EncodedTx = s.parse().unwrap();
        assert_eq!(tx.as_str(), s);
        assert_eq!(tx.to_bytes().unwrap().first(), Some(&0xf8));
        assert_eq!(EncodedTx::from_bytes(&tx.to_bytes().unwrap()), tx);
        assert!(format!("{tx:?}").starts_with("EncodedTx(tx_+IgLAcC4g/iBMgGhAWSuD…, "));
        let broken = s.replace("+Ig", "+Ih");
        assert!(matches!(broken.parse::<EncodedTx>(), Err(ParseError::BadChecksum { .. })));
        assert!(matches!("cb_AAAAAAAA".parse::<EncodedTx>(), Err(ParseError::WrongPrefix { .. })));
    }

    #[test]
    fn block_hash_takes_key_or_micro() {
        let unpinned = "kh_11111111111111111111111111111111273Yts";
        let h: BlockHash = unpinned.parse().unwrap();
        assert!(h.is_unpinned());
        assert_eq!(h.to_string(), unpinned);
        let m: BlockHash = "mh_11111111111111111111111111111111273Yts".parse().unwrap();
        assert!(matches!(m, BlockHash::Micro(_)));
        assert!(matches!(
            "ak_11111111111111111111111111111111273Yts".parse::<BlockHash>(),
            Err(ParseError::WrongPrefix { .. })
        ));
    }
}
