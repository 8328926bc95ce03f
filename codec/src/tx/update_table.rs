//! The machinery behind the off-chain update table: [`update_table!`] turns one row per update
//! into the `Update` enum and everything that dispatches on it (tag, version, JSON `op`, RLP
//! encode and decode, JSON in both directions), so the rows in `update.rs` are the only place an
//! update type is described.

use crate::rlp::{DecodeError, Encoder, Item};

/// Reads and writes several variant fields that share one RLP item. In JSON each of the fields
/// keeps its own key and its own type's codec; [`GroupCodec::check`] then says whether the values
/// read fit in the shared item.
pub(crate) trait GroupCodec {
    /// The fields' values, in row order.
    type Parts;
    /// Writes the shared item. Total: parts that [`GroupCodec::check`] refuses still encode.
    fn encode(parts: &Self::Parts, enc: &mut Encoder);
    /// Reads the shared item back into the fields' values.
    fn decode(item: &Item<'_>) -> Result<Self::Parts, DecodeError>;
    /// Checks values read from JSON, returning the rule they break.
    fn check(parts: &Self::Parts) -> Result<(), &'static str>;
}

/// Defines the off-chain update enum from one row per update.
///
/// ```text
/// update_table! {
///     /// Enum docs.
///     pub enum Update {
///         /// Variant docs.
///         Variant = TAG, version VSN, "JsonOp" {
///             /// Field docs.
///             field: Type,                      // codec: the type itself, JSON key "field"
///             field: Type as Codec,             // codec: a FieldCodec marker (`Cb`, `[Uint]`)
///             field: Type => "json_key",        // another JSON key (`as` comes first if both)
///             slot as Group { a: A, b: B, },    // `a` and `b` share one RLP item (a GroupCodec)
///         }
///     }
/// }
/// ```
///
/// Every field ends with a comma. RLP fields follow the row order (a group is one item); JSON
/// has `op` first, then the keys in row order (a group's fields each under their own name).
/// Decoding an unknown tag is [`DecodeErrorKind::UnknownTag`](crate::rlp::DecodeErrorKind), an
/// unknown `op` is [`JsonErrorKind::UnknownOp`](crate::tx::JsonErrorKind); two rows with one tag
/// or one `op` are an unreachable match arm, which the workspace's lint gate refuses.
macro_rules! update_table {
    (
        $(#[$edoc:meta])*
        pub enum $name:ident {
            $(
                $(#[$doc:meta])*
                $variant:ident = $tag:literal, version $vsn:literal, $op:literal {
                    $($body:tt)*
                }
            )*
        }
    ) => {
        $crate::tx::update_table::update_table!(@parse { [$(#[$edoc])*] $name } []
            $( [[$(#[$doc])*] $variant $tag $vsn $op] [] [] { $($body)* } )*
        );
    };

    // Munching one row's body: a group of fields sharing one RLP item.
    (@parse $enum:tt [$($done:tt)*] $head:tt [$($fields:tt)*] [$($slots:tt)*]
        {
            $slot:ident as $codec:ty {
                $(#[$d0:meta])* $g0:ident : $t0:ty,
                $($(#[$gd:meta])* $gf:ident : $gt:ty,)*
            },
            $($body:tt)*
        }
        $($rows:tt)*
    ) => {
        $crate::tx::update_table::update_table!(@parse $enum [$($done)*] $head
            [$($fields)* {[$(#[$d0])*] $g0: $t0} $({[$(#[$gd])*] $gf: $gt})*]
            [$($slots)* $slot (group $codec; $g0; $g0: $t0 $(, $gf: $gt)*)]
            { $($body)* } $($rows)*
        );
    };
    // Munching one row's body: a field of its own.
    (@parse $enum:tt [$($done:tt)*] $head:tt [$($fields:tt)*] [$($slots:tt)*]
        {
            $(#[$fd:meta])* $f:ident : $t:ty $(as $c:ty)? $(=> $k:literal)?,
            $($body:tt)*
        }
        $($rows:tt)*
    ) => {
        $crate::tx::update_table::update_table!(@parse $enum [$($done)*] $head
            [$($fields)* {[$(#[$fd])*] $f: $t}]
            [$($slots)* $f (one $f: $t, $crate::tx::field::codec_of!($t $(, $c)?), ($f $($k)?))]
            { $($body)* } $($rows)*
        );
    };
    // A row is done.
    (@parse $enum:tt [$($done:tt)*] $head:tt $fields:tt $slots:tt {} $($rows:tt)*) => {
        $crate::tx::update_table::update_table!(@parse $enum [$($done)* ($head $fields $slots)]
            $($rows)*
        );
    };
    // Every row is done.
    (@parse $enum:tt [$($done:tt)*]) => {
        $crate::tx::update_table::update_table!(@emit $enum $($done)*);
    };

    (@emit { [$(#[$edoc:meta])*] $name:ident } $((
        [[$(#[$doc:meta])*] $variant:ident $tag:literal $vsn:literal $op:literal]
        [$({[$(#[$fd:meta])*] $f:ident: $t:ty})*]
        [$($sname:ident $slot:tt)*]
    ))*) => {
        $(#[$edoc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $( $(#[$doc])* $variant { $( $(#[$fd])* $f: $t, )* }, )*
        }

        impl $name {
            /// The object tag.
            pub const fn tag(&self) -> u32 {
                match self { $($name::$variant { .. } => $tag,)* }
            }

            /// The serialization version.
            pub const fn version(&self) -> u32 {
                match self { $($name::$variant { .. } => $vsn,)* }
            }

            /// The JSON `op` name (`OffChainTransfer`, …).
            pub const fn op(&self) -> &'static str {
                match self { $($name::$variant { .. } => $op,)* }
            }

            fn encode_fields(&self, enc: &mut $crate::rlp::Encoder) {
                match self {
                    $($name::$variant { $($f),* } => {
                        $($crate::tx::update_table::update_table!(@encode enc $slot);)*
                    })*
                }
            }

            /// Decodes an update from a parsed item.
            ///
            /// # Errors
            /// As [`Self::from_rlp`].
            pub fn decode_item(item: &$crate::rlp::Item<'_>) -> Result<Self, $crate::rlp::DecodeError> {
                let (tag, version, fields) = $crate::object::envelope(item)?;
                let at = item.offset;
                match tag {
                    $($tag => {
                        if version != $vsn {
                            return Err($crate::object::unsupported(tag, version, at));
                        }
                        const N: usize = [$(stringify!($sname)),*].len();
                        let [$($sname),*] = $crate::object::fields::<N>(fields, at)?;
                        $($crate::tx::update_table::update_table!(@decode $sname $slot);)*
                        Ok($name::$variant { $($f),* })
                    })*
                    _ => Err($crate::rlp::DecodeError::new(
                        at,
                        $crate::rlp::DecodeErrorKind::UnknownTag { tag },
                    )),
                }
            }

            /// The JSON form used in sign requests: an object with `op` and the update's keys.
            pub fn to_json(&self) -> serde_json::Value {
                let mut map = serde_json::Map::new();
                map.insert("op".into(), serde_json::Value::from(self.op()));
                match self {
                    $($name::$variant { $($f),* } => {
                        $($crate::tx::update_table::update_table!(@to_json map $slot);)*
                    })*
                }
                serde_json::Value::Object(map)
            }

            /// Reads the JSON form; keys other than the update's own are ignored.
            ///
            /// # Errors
            /// A [`JsonError`](crate::tx::JsonError) naming the offending key.
            pub fn from_json(v: &serde_json::Value) -> Result<Self, $crate::tx::JsonError> {
                let map = $crate::tx::field::object(v)?;
                let op = $crate::tx::field::read::<String, String>(map, "op", 0)?;
                match op.as_str() {
                    $($op => {
                        $($crate::tx::update_table::update_table!(@from_json map $slot);)*
                        Ok($name::$variant { $($f),* })
                    })*
                    _ => Err($crate::tx::JsonError::new($crate::tx::JsonErrorKind::UnknownOp(op))
                        .within("op")),
                }
            }
        }
    };

    (@encode $enc:ident (one $f:ident: $t:ty, $c:ty, $key:tt)) => {
        <$c as $crate::tx::field::FieldCodec<$t>>::encode($f, $enc)
    };
    (@encode $enc:ident (group $c:ty; $first:ident; $($gf:ident: $gt:ty),+)) => {
        <$c as $crate::tx::update_table::GroupCodec>::encode(
            &($(::core::clone::Clone::clone($gf),)+),
            $enc,
        )
    };

    (@decode $item:ident (one $f:ident: $t:ty, $c:ty, $key:tt)) => {
        let $f = <$c as $crate::tx::field::FieldCodec<$t>>::decode($item, 0)?;
    };
    (@decode $item:ident (group $c:ty; $first:ident; $($gf:ident: $gt:ty),+)) => {
        let ($($gf,)+) = <$c as $crate::tx::update_table::GroupCodec>::decode($item)?;
    };

    (@to_json $map:ident (one $f:ident: $t:ty, $c:ty, $key:tt)) => {
        $map.insert(
            $crate::tx::update_table::update_table!(@key $key).into(),
            <$c as $crate::tx::field::FieldCodec<$t>>::to_json($f),
        )
    };
    (@to_json $map:ident (group $c:ty; $first:ident; $($gf:ident: $gt:ty),+)) => {
        $($map.insert(
            stringify!($gf).into(),
            <$gt as $crate::tx::field::FieldCodec<$gt>>::to_json($gf),
        );)+
    };

    (@from_json $map:ident (one $f:ident: $t:ty, $c:ty, $key:tt)) => {
        let $f = $crate::tx::field::read::<$t, $c>(
            $map,
            $crate::tx::update_table::update_table!(@key $key),
            0,
        )?;
    };
    (@from_json $map:ident (group $c:ty; $first:ident; $($gf:ident: $gt:ty),+)) => {
        $(let $gf = $crate::tx::field::read::<$gt, $gt>($map, stringify!($gf), 0)?;)+
        <$c as $crate::tx::update_table::GroupCodec>::check(
            &($(::core::clone::Clone::clone(&$gf),)+),
        )
        .map_err(|rule| {
            $crate::tx::JsonError::new($crate::tx::JsonErrorKind::Invalid(rule))
                .within(stringify!($first))
        })?;
    };

    (@key ($f:ident)) => { stringify!($f) };
    (@key ($f:ident $k:literal)) => { $k };
}
pub(crate) use update_table;
