//! Every transaction and off-chain update of the channel protocol, byte-exact with the node.
//!
//! [`Tx`] is any unsigned transaction; [`SignedTx`] (tag 11) wraps one with its signatures and
//! is what travels as a `tx_…` string. Each transaction type is its own struct with the node's
//! field names, implements [`Object`] for its RLP form and has a JSON
//! form (`to_json` / `from_json`) as the node's HTTP API shows it: an object with `"type"`,
//! `"version"` and the fields by name, ids and hashes as prefixed strings, integers as JSON
//! numbers at full precision, nested transactions as nested objects.
//!
//! Decoding is strict and total: every failure is a typed error carrying the byte position
//! (RLP) or the key path (JSON) of the offending field, and no input panics.
//!
//! ```
//! use aesc_codec::tx::{SignedTx, Tx};
//!
//! let s = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
//! let signed = SignedTx::from_api_str(s)?;
//! let Tx::ChannelCreate(create) = &signed.tx else { panic!("not a create tx") };
//! assert_eq!(create.nonce, 3);
//! assert_eq!(create.channel_id().to_string(), "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu");
//! assert_eq!(signed.to_api_string(), s);
//! # Ok::<_, aesc_codec::tx::TxError>(())
//! ```

use serde_json::{Map, Value};

use crate::object::{self, Object};
use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};

mod channel_close_mutual;
mod channel_close_solo;
mod channel_create;
mod channel_deposit;
mod channel_force_progress;
mod channel_offchain;
mod channel_set_delegates;
mod channel_settle;
mod channel_slash;
mod channel_snapshot_solo;
mod channel_withdraw;
mod client_reconnect;
mod error;
pub(crate) mod field;
mod ga_meta;
mod paying_for;
mod payload;
mod signed;
mod signing;
mod spend;
mod update;
mod update_table;

pub use channel_close_mutual::ChannelCloseMutualTx;
pub use channel_close_solo::ChannelCloseSoloTx;
pub use channel_create::{ChannelCreateTx, Delegates};
pub use channel_deposit::ChannelDepositTx;
pub use channel_force_progress::ChannelForceProgressTx;
pub use channel_offchain::ChannelOffChainTx;
pub use channel_set_delegates::ChannelSetDelegatesTx;
pub use channel_settle::ChannelSettleTx;
pub use channel_slash::ChannelSlashTx;
pub use channel_snapshot_solo::ChannelSnapshotSoloTx;
pub use channel_withdraw::ChannelWithdrawTx;
pub use client_reconnect::{ChannelClientReconnectTx, Role};
pub use error::{JsonError, JsonErrorKind, TxError};
pub use field::MAX_NESTING;
pub use ga_meta::GaMetaTx;
pub use paying_for::PayingForTx;
pub use payload::Payload;
pub use signed::SignedTx;
pub use signing::{SignatureCheck, Signers, Verified};
pub use spend::SpendTx;
pub use update::{pack_ct_version, split_ct_version, Update};

const fn str_eq(a: &str, b: &str) -> bool {
    bytes_eq(a.as_bytes(), b.as_bytes())
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    match (a, b) {
        ([], []) => true,
        ([x, a @ ..], [y, b @ ..]) => *x == *y && bytes_eq(a, b),
        _ => false,
    }
}

macro_rules! tx_table {
    ($( $(#[$doc:meta])* $variant:ident($ty:ident) = $tag:literal, $name:literal; )*) => {
        /// Any unsigned transaction, by type.
        ///
        /// A [`SignedTx`] is not a `Tx`: the node never serializes a SignedTx where a transaction
        /// is expected, and the places that hold one (GA meta, PayingFor, payloads) type it as
        /// [`SignedTx`] directly.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Tx {
            $( $(#[$doc])* $variant($ty), )*
        }

        /// The type of a [`Tx`], without its contents: one row of the tag table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum TxKind {
            $( $(#[$doc])* $variant, )*
        }

        $(
            const _: () = assert!(<$ty as Object>::TAG == $tag && str_eq($ty::TYPE_NAME, $name));

            impl From<$ty> for Tx {
                fn from(t: $ty) -> Tx {
                    Tx::$variant(t)
                }
            }
        )*

        impl TxKind {
            /// Every transaction type, in table order.
            pub const ALL: &'static [TxKind] = &[$(TxKind::$variant,)*];

            /// The object tag.
            pub const fn tag(self) -> u32 {
                match self { $(TxKind::$variant => $tag,)* }
            }

            /// The node's JSON type name (`SpendTx`, `ChannelCreateTx`, …).
            pub const fn name(self) -> &'static str {
                match self { $(TxKind::$variant => $name,)* }
            }

            /// The type with object tag `tag`.
            pub const fn from_tag(tag: u32) -> Option<TxKind> {
                match tag { $($tag => Some(TxKind::$variant),)* _ => None }
            }

            /// The type with JSON type name `name`.
            pub fn from_name(name: &str) -> Option<TxKind> {
                match name { $($name => Some(TxKind::$variant),)* _ => None }
            }
        }

        impl Tx {
            /// The type of this transaction.
            pub const fn kind(&self) -> TxKind {
                match self { $(Tx::$variant(_) => TxKind::$variant,)* }
            }

            /// The version this transaction serializes as.
            pub fn version(&self) -> u32 {
                match self { $(Tx::$variant(t) => t.version(),)* }
            }

            /// Writes the whole serialized transaction into `enc`.
            pub fn encode_rlp(&self, enc: &mut Encoder) {
                match self { $(Tx::$variant(t) => t.encode_rlp(enc),)* }
            }

            /// The JSON form (see the module documentation).
            pub fn to_json(&self) -> Value {
                match self { $(Tx::$variant(t) => t.to_json(),)* }
            }

            fn decode_body(
                kind: TxKind,
                version: u32,
                fields: &[Item<'_>],
                at: usize,
                depth: usize,
            ) -> Result<Tx, DecodeError> {
                match kind {
                    $(TxKind::$variant => {
                        $ty::decode_body(version, fields, at, depth).map(Tx::$variant)
                    })*
                }
            }

            fn from_json_body(
                kind: TxKind,
                map: &Map<String, Value>,
                version: u64,
                depth: usize,
            ) -> Result<Tx, JsonError> {
                match kind {
                    $(TxKind::$variant => {
                        $ty::from_json_body(map, version, depth).map(Tx::$variant)
                    })*
                }
            }
        }
    };
}

tx_table! {
    /// Spend (tag 12).
    Spend(SpendTx) = 12, "SpendTx";
    /// Channel create (tag 50).
    ChannelCreate(ChannelCreateTx) = 50, "ChannelCreateTx";
    /// Channel deposit (tag 51).
    ChannelDeposit(ChannelDepositTx) = 51, "ChannelDepositTx";
    /// Channel withdraw (tag 52).
    ChannelWithdraw(ChannelWithdrawTx) = 52, "ChannelWithdrawTx";
    /// Channel mutual close (tag 53).
    ChannelCloseMutual(ChannelCloseMutualTx) = 53, "ChannelCloseMutualTx";
    /// Channel solo close (tag 54).
    ChannelCloseSolo(ChannelCloseSoloTx) = 54, "ChannelCloseSoloTx";
    /// Channel slash (tag 55).
    ChannelSlash(ChannelSlashTx) = 55, "ChannelSlashTx";
    /// Channel settle (tag 56).
    ChannelSettle(ChannelSettleTx) = 56, "ChannelSettleTx";
    /// Channel solo snapshot (tag 59).
    ChannelSnapshotSolo(ChannelSnapshotSoloTx) = 59, "ChannelSnapshotSoloTx";
    /// Channel force progress (tag 521).
    ChannelForceProgress(ChannelForceProgressTx) = 521, "ChannelForceProgressTx";
    /// Channel set delegates (tag 501).
    ChannelSetDelegates(ChannelSetDelegatesTx) = 501, "ChannelSetDelegatesTx";
    /// Off-chain state (tag 57).
    ChannelOffChain(ChannelOffChainTx) = 57, "ChannelOffChainTx";
    /// Obsolete client reconnect (tag 575).
    ChannelClientReconnect(ChannelClientReconnectTx) = 575, "ChannelClientReconnectTx";
    /// Generalized-account meta transaction (tag 81).
    GaMeta(GaMetaTx) = 81, "GAMetaTx";
    /// PayingFor (tag 82).
    PayingFor(PayingForTx) = 82, "PayingForTx";
}

impl Tx {
    /// The object tag.
    pub const fn tag(&self) -> u32 {
        self.kind().tag()
    }

    /// The canonical serialization (the bytes a basic account signs).
    pub fn to_rlp(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        self.encode_rlp(&mut enc);
        enc.finish()
    }

    /// Decodes exactly one transaction, dispatching on its tag and version.
    ///
    /// # Errors
    /// A [`DecodeError`]: [`DecodeErrorKind::UnknownTag`] for tags that are not transactions,
    /// [`DecodeErrorKind::UnsupportedVersion`], [`DecodeErrorKind::ListLength`] (counting tag
    /// and version), or a field error at the field's position.
    pub fn from_rlp(bytes: &[u8]) -> Result<Tx, DecodeError> {
        Tx::decode_item(&rlp::decode_exact(bytes)?, 0)
    }

    /// Decodes a transaction from a parsed item nested `depth` objects deep.
    pub(crate) fn decode_item(item: &Item<'_>, depth: usize) -> Result<Tx, DecodeError> {
        let (tag, version, fields) = object::envelope(item)?;
        match TxKind::from_tag(tag) {
            Some(kind) => Tx::decode_body(kind, version, fields, item.offset, depth),
            None if tag == SignedTx::TAG => Err(DecodeError::new(
                item.offset,
                DecodeErrorKind::Invalid("a SignedTx where an unsigned transaction is required"),
            )),
            None => Err(DecodeError::new(item.offset, DecodeErrorKind::UnknownTag { tag })),
        }
    }

    /// Reads the JSON form of any transaction, dispatching on `"type"` and `"version"`.
    ///
    /// # Errors
    /// A [`JsonError`] naming the offending key.
    pub fn from_json(v: &Value) -> Result<Tx, JsonError> {
        Tx::from_json_depth(v, 0)
    }

    pub(crate) fn from_json_depth(v: &Value, depth: usize) -> Result<Tx, JsonError> {
        let map = field::object(v)?;
        let type_name = field::read::<String, String>(map, "type", depth)?;
        let kind = TxKind::from_name(&type_name).ok_or_else(|| {
            JsonError::new(JsonErrorKind::UnknownType(type_name.clone())).within("type")
        })?;
        let version = field::version(map)?;
        Tx::from_json_body(kind, map, version, depth).map_err(|e| match e.kind {
            JsonErrorKind::UnsupportedVersion { .. } if e.path.is_empty() => e.within("version"),
            _ => e,
        })
    }
}

/// Checks the `"type"` of a JSON transaction object and reads it with `f(map, version)`.
pub(crate) fn json_with_type<T>(
    v: &Value,
    type_name: &'static str,
    f: impl FnOnce(&Map<String, Value>, u64) -> Result<T, JsonError>,
) -> Result<T, JsonError> {
    let map = field::object(v)?;
    let found = field::read::<String, String>(map, "type", 0)?;
    if found != type_name {
        return Err(JsonError::new(JsonErrorKind::UnexpectedType { expected: type_name, found })
            .within("type"));
    }
    let version = field::version(map)?;
    f(map, version).map_err(|e| match e.kind {
        JsonErrorKind::UnsupportedVersion { .. } if e.path.is_empty() => e.within("version"),
        _ => e,
    })
}

/// The JSON type name of the object with tag `tag`, SignedTx included.
pub fn type_name_of_tag(tag: u32) -> Option<&'static str> {
    if tag == SignedTx::TAG {
        Some(SignedTx::TYPE_NAME)
    } else {
        TxKind::from_tag(tag).map(TxKind::name)
    }
}
