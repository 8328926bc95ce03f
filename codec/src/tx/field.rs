//! Field codecs shared by every transaction: one trait, [`FieldCodec`], says how a field type is
//! written to and read from RLP and JSON. Types with one obvious form implement it for
//! themselves; byte strings pick their API prefix through a marker type.

use core::str::FromStr;

use serde_json::{Map, Value};

use super::error::{JsonError, JsonErrorKind};
use crate::encoding::{self, ParseError, Prefix};
use crate::id::{AccountId, ChannelId, ContractId, Id, IdTag, StateHash};
use crate::rlp::{self, DecodeError, DecodeErrorKind, Encoder, Item};
use crate::uint::ParseUintError;
use crate::Uint;

/// How deeply serialized objects may nest inside one another (SignedTx in GA meta in SignedTx
/// in a payload …). Honest transactions nest a handful of levels.
pub const MAX_NESTING: usize = 16;

/// Reads and writes a field of type `T` in both forms.
pub(crate) trait FieldCodec<T> {
    /// Writes `v` as one RLP item.
    fn encode(v: &T, enc: &mut Encoder);
    /// Reads one RLP item; `depth` counts enclosing serialized objects.
    fn decode(item: &Item<'_>, depth: usize) -> Result<T, DecodeError>;
    /// The JSON form.
    fn to_json(v: &T) -> Value;
    /// Reads the JSON form; `depth` counts enclosing objects.
    fn from_json(v: &Value, depth: usize) -> Result<T, JsonError>;
}

/// The next nesting level, or [`DecodeErrorKind::TooDeep`] at `at`.
pub(crate) fn deeper(depth: usize, at: usize) -> Result<usize, DecodeError> {
    if depth >= MAX_NESTING {
        Err(DecodeError::new(at, DecodeErrorKind::TooDeep { limit: MAX_NESTING }))
    } else {
        Ok(depth + 1)
    }
}

/// The next JSON nesting level, or [`JsonErrorKind::TooDeep`].
pub(crate) fn deeper_json(depth: usize) -> Result<usize, JsonError> {
    if depth >= MAX_NESTING {
        Err(JsonErrorKind::TooDeep { limit: MAX_NESTING }.into())
    } else {
        Ok(depth + 1)
    }
}

/// Decodes the byte string `item` as a complete serialized object with `f`, reporting errors at
/// their position in the outermost input.
pub(crate) fn nested<T>(
    item: &Item<'_>,
    f: impl FnOnce(&Item<'_>) -> Result<T, DecodeError>,
) -> Result<T, DecodeError> {
    let bytes = item.as_bytes()?;
    let start = item.offset.saturating_add(item.raw.len().saturating_sub(bytes.len()));
    let shift = |e: DecodeError| DecodeError::new(e.position.saturating_add(start), e.kind);
    let inner = rlp::decode_exact(bytes).map_err(shift)?;
    f(&inner).map_err(shift)
}

/// The object `v`, or a type error.
pub(crate) fn object(v: &Value) -> Result<&Map<String, Value>, JsonError> {
    v.as_object().ok_or(JsonErrorKind::WrongType { expected: "object" }.into())
}

/// The string `v`, or a type error.
pub(crate) fn string(v: &Value) -> Result<&str, JsonError> {
    v.as_str().ok_or(JsonErrorKind::WrongType { expected: "string" }.into())
}

/// Parses the prefixed string `v` as `T`.
pub(crate) fn parse<T: FromStr<Err = ParseError>>(v: &Value) -> Result<T, JsonError> {
    string(v)?.parse().map_err(|e| JsonErrorKind::Encoding(e).into())
}

/// Reads field `key` of `map` with codec `C`, naming the key in errors.
pub(crate) fn read<T, C: FieldCodec<T> + ?Sized>(
    map: &Map<String, Value>,
    key: &str,
    depth: usize,
) -> Result<T, JsonError> {
    let v = map.get(key).ok_or_else(|| JsonError::new(JsonErrorKind::Missing).within(key))?;
    C::from_json(v, depth).map_err(|e| e.within(key))
}

/// Reads the `version` of a JSON object.
pub(crate) fn version(map: &Map<String, Value>) -> Result<u64, JsonError> {
    read::<u64, u64>(map, "version", 0)
}

macro_rules! id_codec {
    ($ty:ident, $tag:ident) => {
        impl FieldCodec<$ty> for $ty {
            fn encode(v: &$ty, enc: &mut Encoder) {
                Id { tag: IdTag::$tag, value: v.0 }.encode_rlp(enc);
            }
            fn decode(item: &Item<'_>, _depth: usize) -> Result<$ty, DecodeError> {
                Id::decode_rlp_tagged(item, IdTag::$tag).map($ty)
            }
            fn to_json(v: &$ty) -> Value {
                Value::String(v.to_string())
            }
            fn from_json(v: &Value, _depth: usize) -> Result<$ty, JsonError> {
                parse(v)
            }
        }
    };
}

id_codec!(AccountId, Account);
id_codec!(ChannelId, Channel);
id_codec!(ContractId, Contract);

impl FieldCodec<Id> for Id {
    fn encode(v: &Id, enc: &mut Encoder) {
        v.encode_rlp(enc);
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<Id, DecodeError> {
        Id::decode_rlp(item)
    }
    fn to_json(v: &Id) -> Value {
        Value::String(v.to_string())
    }
    fn from_json(v: &Value, _depth: usize) -> Result<Id, JsonError> {
        parse(v)
    }
}

impl FieldCodec<String> for String {
    fn encode(v: &String, enc: &mut Encoder) {
        enc.bytes(v.as_bytes());
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<String, DecodeError> {
        let b = item.as_bytes()?;
        String::from_utf8(b.to_vec()).map_err(|_| {
            DecodeError::new(item.offset, DecodeErrorKind::Invalid("text is not UTF-8"))
        })
    }
    fn to_json(v: &String) -> Value {
        Value::String(v.clone())
    }
    fn from_json(v: &Value, _depth: usize) -> Result<String, JsonError> {
        string(v).map(str::to_owned)
    }
}

impl FieldCodec<StateHash> for StateHash {
    fn encode(v: &StateHash, enc: &mut Encoder) {
        enc.bytes(v.as_bytes());
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<StateHash, DecodeError> {
        item.as_array::<32>().map(StateHash)
    }
    fn to_json(v: &StateHash) -> Value {
        Value::String(v.to_string())
    }
    fn from_json(v: &Value, _depth: usize) -> Result<StateHash, JsonError> {
        parse(v)
    }
}

impl FieldCodec<Uint> for Uint {
    fn encode(v: &Uint, enc: &mut Encoder) {
        v.encode_rlp(enc);
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<Uint, DecodeError> {
        Uint::decode_rlp(item)
    }
    fn to_json(v: &Uint) -> Value {
        v.to_json()
    }
    fn from_json(v: &Value, _depth: usize) -> Result<Uint, JsonError> {
        match v {
            Value::Number(_) => match Uint::parse_json(v) {
                Ok(Some(n)) => Ok(n),
                Err(e @ (ParseUintError::TooLong { .. } | ParseUintError::TooLarge)) => {
                    Err(JsonErrorKind::Integer(e).into())
                }
                _ => Err(JsonErrorKind::WrongType { expected: "unsigned integer" }.into()),
            },
            _ => Err(JsonErrorKind::WrongType { expected: "unsigned integer" }.into()),
        }
    }
}

impl FieldCodec<u64> for u64 {
    fn encode(v: &u64, enc: &mut Encoder) {
        enc.uint_u64(*v);
    }
    fn decode(item: &Item<'_>, _depth: usize) -> Result<u64, DecodeError> {
        item.as_u64()
    }
    fn to_json(v: &u64) -> Value {
        Value::from(*v)
    }
    fn from_json(v: &Value, _depth: usize) -> Result<u64, JsonError> {
        v.as_u64().ok_or(JsonErrorKind::WrongType { expected: "unsigned 64-bit integer" }.into())
    }
}

impl<T, C: FieldCodec<T>> FieldCodec<Vec<T>> for [C] {
    fn encode(v: &Vec<T>, enc: &mut Encoder) {
        enc.list(|l| v.iter().for_each(|x| C::encode(x, l)));
    }
    fn decode(item: &Item<'_>, depth: usize) -> Result<Vec<T>, DecodeError> {
        item.as_list()?.iter().map(|i| C::decode(i, depth)).collect()
    }
    fn to_json(v: &Vec<T>) -> Value {
        Value::Array(v.iter().map(C::to_json).collect())
    }
    fn from_json(v: &Value, depth: usize) -> Result<Vec<T>, JsonError> {
        let items = v.as_array().ok_or(JsonErrorKind::WrongType { expected: "array" })?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| C::from_json(x, depth).map_err(|e| e.at_index(i)))
            .collect()
    }
}

macro_rules! bytes_codec {
    ($(#[$doc:meta])* $marker:ident, $prefix:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub(crate) enum $marker {}

        impl FieldCodec<Vec<u8>> for $marker {
            fn encode(v: &Vec<u8>, enc: &mut Encoder) {
                enc.bytes(v);
            }
            fn decode(item: &Item<'_>, _depth: usize) -> Result<Vec<u8>, DecodeError> {
                item.as_bytes().map(<[u8]>::to_vec)
            }
            fn to_json(v: &Vec<u8>) -> Value {
                Value::String(encoding::encode(Prefix::$prefix, v))
            }
            fn from_json(v: &Value, _depth: usize) -> Result<Vec<u8>, JsonError> {
                encoding::decode_as(Prefix::$prefix, string(v)?)
                    .map_err(|e| JsonErrorKind::Encoding(e).into())
            }
        }
    };
}

bytes_codec!(
    /// Generic bytes as `ba_…`.
    Ba, Bytearray
);
bytes_codec!(
    /// Contract bytes (code, call data, auth data) as `cb_…`.
    Cb, ContractBytearray
);
bytes_codec!(
    /// A serialized TreesPoi as `pi_…`.
    Pi, Poi
);
bytes_codec!(
    /// Serialized StateTrees as `ss_…`.
    Ss, StateTrees
);

/// Picks the codec of a field: the explicit one when given, else the field type itself.
macro_rules! codec_of {
    ($ty:ty) => {
        $ty
    };
    ($ty:ty, $codec:ty) => {
        $codec
    };
}
pub(crate) use codec_of;

/// Defines a single-version transaction struct from its field list: the struct, its [`Object`]
/// implementation and its JSON form. Each field is `name: Type` or `name: Type as Codec`
/// (`[Codec]` for lists).
///
/// [`Object`]: crate::object::Object
macro_rules! simple_tx {
    (
        $(#[$doc:meta])*
        $name:ident, tag $tag:literal, version $vsn:literal, $type_name:literal {
            $( $(#[$fdoc:meta])* $field:ident : $ty:ty $(as $codec:ty)? ),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            $( $(#[$fdoc])* pub $field: $ty, )*
        }

        impl $crate::object::Object for $name {
            const TAG: u32 = $tag;

            fn version(&self) -> u32 {
                $vsn
            }

            fn encode_fields(&self, enc: &mut $crate::rlp::Encoder) {
                $(
                    <$crate::tx::field::codec_of!($ty $(, $codec)?)
                        as $crate::tx::field::FieldCodec<$ty>>::encode(&self.$field, enc);
                )*
            }

            fn decode_fields(
                version: u32,
                fields: &[$crate::rlp::Item<'_>],
                at: usize,
            ) -> Result<Self, $crate::rlp::DecodeError> {
                Self::decode_body(version, fields, at, 0)
            }
        }

        impl $name {
            /// The node's JSON type name.
            pub const TYPE_NAME: &'static str = $type_name;

            pub(crate) fn decode_body(
                version: u32,
                fields: &[$crate::rlp::Item<'_>],
                at: usize,
                depth: usize,
            ) -> Result<Self, $crate::rlp::DecodeError> {
                if version != $vsn {
                    return Err($crate::object::unsupported($tag, version, at));
                }
                const N: usize = [$(stringify!($field)),*].len();
                let [$($field),*] = $crate::object::fields::<N>(fields, at)?;
                Ok($name {
                    $(
                        $field: <$crate::tx::field::codec_of!($ty $(, $codec)?)
                            as $crate::tx::field::FieldCodec<$ty>>::decode($field, depth)?,
                    )*
                })
            }

            /// The JSON form, as the node's HTTP API shows it.
            pub fn to_json(&self) -> serde_json::Value {
                let mut map = serde_json::Map::new();
                map.insert("type".into(), serde_json::Value::from($type_name));
                map.insert("version".into(), serde_json::Value::from($vsn));
                self.json_fields(&mut map);
                serde_json::Value::Object(map)
            }

            pub(crate) fn json_fields(&self, map: &mut serde_json::Map<String, serde_json::Value>) {
                $(
                    map.insert(
                        stringify!($field).into(),
                        <$crate::tx::field::codec_of!($ty $(, $codec)?)
                            as $crate::tx::field::FieldCodec<$ty>>::to_json(&self.$field),
                    );
                )*
            }

            /// Reads the JSON form.
            ///
            /// # Errors
            /// A [`JsonError`](crate::tx::JsonError) naming the offending key.
            pub fn from_json(v: &serde_json::Value) -> Result<Self, $crate::tx::JsonError> {
                $crate::tx::json_with_type(v, $type_name, |map, version| {
                    Self::from_json_body(map, version, 0)
                })
            }

            pub(crate) fn from_json_body(
                map: &serde_json::Map<String, serde_json::Value>,
                version: u64,
                depth: usize,
            ) -> Result<Self, $crate::tx::JsonError> {
                if version != $vsn {
                    return Err($crate::tx::JsonErrorKind::UnsupportedVersion {
                        type_name: $type_name,
                        version,
                    }
                    .into());
                }
                Ok($name {
                    $(
                        $field: $crate::tx::field::read::<
                            $ty,
                            $crate::tx::field::codec_of!($ty $(, $codec)?),
                        >(map, stringify!($field), depth)?,
                    )*
                })
            }
        }
    };
}
pub(crate) use simple_tx;
