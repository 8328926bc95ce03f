//! Typed 32-byte identifiers and hashes with their prefixed text forms, and the tagged `id`
//! field type of the serialization (tag byte ‖ 32-byte value).

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::encoding::{self, ParseError, Prefix};
use crate::rlp::{DecodeError, DecodeErrorKind, Encoder, Item};

macro_rules! fixed_bytes_type {
    ($(#[$doc:meta])* $name:ident, $n:literal, $prefix:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $n]);

        impl $name {
            /// The prefix of the text form.
            pub const PREFIX: Prefix = Prefix::$prefix;

            /// Wraps raw bytes.
            pub const fn from_bytes(bytes: [u8; $n]) -> Self {
                $name(bytes)
            }

            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; $n] {
                &self.0
            }

            /// A copy of the raw bytes.
            pub const fn to_bytes(self) -> [u8; $n] {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&encoding::encode(Prefix::$prefix, &self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                encoding::decode_to_array::<$n>(Prefix::$prefix, s).map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
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

fixed_bytes_type!(
    /// An account public key (`ak_…`): a 32-byte Ed25519 verifying key.
    AccountId, 32, AccountPubkey
);
fixed_bytes_type!(
    /// A channel id (`ch_…`).
    ChannelId, 32, Channel
);
fixed_bytes_type!(
    /// A contract public key (`ct_…`).
    ContractId, 32, ContractPubkey
);
fixed_bytes_type!(
    /// An oracle public key (`ok_…`).
    OracleId, 32, OraclePubkey
);
fixed_bytes_type!(
    /// A name hash (`nm_…`).
    NameId, 32, Name
);
fixed_bytes_type!(
    /// A name commitment (`cm_…`).
    CommitmentId, 32, Commitment
);
fixed_bytes_type!(
    /// A transaction hash (`th_…`): blake2b-256 of the serialized SignedTx.
    TxHash, 32, TxHash
);
fixed_bytes_type!(
    /// A state hash (`st_…`, base64): root hash of an off-chain state or PoI.
    StateHash, 32, State
);
fixed_bytes_type!(
    /// A key block hash (`kh_…`).
    KeyBlockHash, 32, KeyBlockHash
);
fixed_bytes_type!(
    /// A micro block hash (`mh_…`).
    MicroBlockHash, 32, MicroBlockHash
);
fixed_bytes_type!(
    /// An Ed25519 signature (`sg_…`).
    Signature, 64, Signature
);
fixed_bytes_type!(
    /// The id of a channel FSM at the node (`ba_…`, exactly 32 bytes); a secret.
    FsmId, 32, Bytearray
);

/// The tag byte of an `id` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdTag {
    /// Account (`ak_`).
    Account = 1,
    /// Name (`nm_`).
    Name = 2,
    /// Commitment (`cm_`).
    Commitment = 3,
    /// Oracle (`ok_`).
    Oracle = 4,
    /// Contract (`ct_`).
    Contract = 5,
    /// Channel (`ch_`).
    Channel = 6,
}

impl IdTag {
    /// The tag for a tag byte.
    pub const fn from_byte(b: u8) -> Option<IdTag> {
        Some(match b {
            1 => IdTag::Account,
            2 => IdTag::Name,
            3 => IdTag::Commitment,
            4 => IdTag::Oracle,
            5 => IdTag::Contract,
            6 => IdTag::Channel,
            _ => return None,
        })
    }

    /// The prefix of this kind of id's text form.
    pub const fn prefix(self) -> Prefix {
        match self {
            IdTag::Account => Prefix::AccountPubkey,
            IdTag::Name => Prefix::Name,
            IdTag::Commitment => Prefix::Commitment,
            IdTag::Oracle => Prefix::OraclePubkey,
            IdTag::Contract => Prefix::ContractPubkey,
            IdTag::Channel => Prefix::Channel,
        }
    }

    /// The tag for a prefix, when that prefix names an id.
    pub fn from_prefix(p: Prefix) -> Option<IdTag> {
        [
            IdTag::Account,
            IdTag::Name,
            IdTag::Commitment,
            IdTag::Oracle,
            IdTag::Contract,
            IdTag::Channel,
        ]
        .into_iter()
        .find(|t| t.prefix() == p)
    }
}

/// A tagged id as serialized in objects: 33 bytes, tag ‖ 32-byte value.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id {
    /// What the id points to.
    pub tag: IdTag,
    /// The 32-byte value.
    pub value: [u8; 32],
}

/// Prefixes that name ids.
pub const ID_PREFIXES: &[Prefix] = &[
    Prefix::AccountPubkey,
    Prefix::Name,
    Prefix::Commitment,
    Prefix::OraclePubkey,
    Prefix::ContractPubkey,
    Prefix::Channel,
];

impl Id {
    /// Decodes an `id` field of any tag.
    ///
    /// # Errors
    /// [`DecodeErrorKind::WrongLength`] when not 33 bytes, [`DecodeErrorKind::InvalidIdTag`]
    /// for an unknown tag.
    pub fn decode_rlp(item: &Item<'_>) -> Result<Id, DecodeError> {
        let raw: [u8; 33] = item.as_array()?;
        let (tag_byte, value) = raw.split_first().ok_or(DecodeError::new(
            item.offset,
            DecodeErrorKind::WrongLength { expected: 33, found: 0 },
        ))?;
        let tag = IdTag::from_byte(*tag_byte).ok_or(DecodeError::new(
            item.offset,
            DecodeErrorKind::InvalidIdTag { tag: *tag_byte },
        ))?;
        let mut v = [0u8; 32];
        v.copy_from_slice(value);
        Ok(Id { tag, value: v })
    }

    /// Decodes an `id` field that must carry `tag`.
    ///
    /// # Errors
    /// As [`Id::decode_rlp`], plus [`DecodeErrorKind::UnexpectedIdTag`].
    pub fn decode_rlp_tagged(item: &Item<'_>, tag: IdTag) -> Result<[u8; 32], DecodeError> {
        let id = Id::decode_rlp(item)?;
        if id.tag != tag {
            return Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::UnexpectedIdTag { expected: tag as u8, found: id.tag as u8 },
            ));
        }
        Ok(id.value)
    }

    /// The 33-byte serialized form.
    pub fn to_bytes(&self) -> [u8; 33] {
        let mut out = [0u8; 33];
        out[0] = self.tag as u8;
        out[1..].copy_from_slice(&self.value);
        out
    }

    /// Writes the id as an RLP byte string.
    pub fn encode_rlp(&self, enc: &mut Encoder) {
        enc.bytes(&self.to_bytes());
    }

    /// Builds an account id.
    pub const fn account(a: AccountId) -> Id {
        Id { tag: IdTag::Account, value: a.0 }
    }

    /// Builds a channel id.
    pub const fn channel(c: ChannelId) -> Id {
        Id { tag: IdTag::Channel, value: c.0 }
    }

    /// Builds a contract id.
    pub const fn contract(c: ContractId) -> Id {
        Id { tag: IdTag::Contract, value: c.0 }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&encoding::encode(self.tag.prefix(), &self.value))
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Id {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (prefix, body) = encoding::decode_one_of(ID_PREFIXES, s)?;
        let value = <[u8; 32]>::try_from(body.as_slice()).map_err(|_| ParseError::WrongSize {
            prefix,
            expected: 32,
            found: body.len(),
        })?;
        let tag = IdTag::from_prefix(prefix)
            .ok_or(ParseError::WrongPrefix { expected: ID_PREFIXES, found: prefix })?;
        Ok(Id { tag, value })
    }
}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_round_trips_through_text() {
        let s = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
        let a: AccountId = s.parse().unwrap();
        assert_eq!(a.0[..4], [0x64, 0xae, 0x0e, 0x08], "public key bytes from the spec vector");
        assert_eq!(a.to_string(), s);
        let id: Id = s.parse().unwrap();
        assert_eq!(id.tag, IdTag::Account);
        assert!(s.parse::<ChannelId>().is_err());
    }
}
