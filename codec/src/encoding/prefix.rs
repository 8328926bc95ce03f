//! The table of API string prefixes: one row per prefix drives its text, encoding and size.

use core::fmt;

/// How the body of a prefixed string is turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Base58 with the Bitcoin alphabet.
    Base58,
    /// RFC 4648 standard base64 with `=` padding.
    Base64,
}

macro_rules! prefix_table {
    ($( $(#[$doc:meta])* $variant:ident => ($text:literal, $enc:ident, $size:expr), )*) => {
        /// A two-letter API string prefix (`ak`, `tx`, `ch`, …), the type it names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Prefix {
            $( $(#[$doc])* $variant, )*
        }

        impl Prefix {
            /// Every prefix, in table order.
            pub const ALL: &'static [Prefix] = &[$(Prefix::$variant,)*];

            /// The two-letter text of the prefix, without the `_` separator.
            pub const fn as_str(self) -> &'static str {
                match self { $(Prefix::$variant => $text,)* }
            }

            /// How the body of a string with this prefix is encoded.
            pub const fn encoding(self) -> Encoding {
                match self { $(Prefix::$variant => Encoding::$enc,)* }
            }

            /// The exact body size in bytes, when the type has one.
            pub const fn size(self) -> Option<usize> {
                match self { $(Prefix::$variant => $size,)* }
            }

            /// Looks up a prefix by its two-letter text.
            pub fn from_text(text: &str) -> Option<Prefix> {
                match text { $($text => Some(Prefix::$variant),)* _ => None }
            }
        }
    };
}

prefix_table! {
    /// `ak`: account public key.
    AccountPubkey => ("ak", Base58, Some(32)),
    /// `sk`: account secret key (32-byte seed).
    AccountSeckey => ("sk", Base58, Some(32)),
    /// `ba`: generic byte array (used for `fsm_id`).
    Bytearray => ("ba", Base64, None),
    /// `bf`: block proof-of-fraud hash.
    BlockPofHash => ("bf", Base58, Some(32)),
    /// `bs`: block state hash.
    BlockStateHash => ("bs", Base58, Some(32)),
    /// `bx`: block transactions hash.
    BlockTxHash => ("bx", Base58, Some(32)),
    /// `cb`: contract byte array (code, call data, return values).
    ContractBytearray => ("cb", Base64, None),
    /// `ch`: channel id.
    Channel => ("ch", Base58, Some(32)),
    /// `ck`: contract store key.
    ContractStoreKey => ("ck", Base64, None),
    /// `cm`: name commitment.
    Commitment => ("cm", Base58, Some(32)),
    /// `cs`: call state tree.
    CallStateTree => ("cs", Base64, None),
    /// `ct`: contract public key.
    ContractPubkey => ("ct", Base58, Some(32)),
    /// `cv`: contract store value.
    ContractStoreValue => ("cv", Base64, None),
    /// `kh`: key block hash.
    KeyBlockHash => ("kh", Base58, Some(32)),
    /// `mh`: micro block hash.
    MicroBlockHash => ("mh", Base58, Some(32)),
    /// `nm`: name (not size-checked).
    Name => ("nm", Base58, None),
    /// `ok`: oracle public key.
    OraclePubkey => ("ok", Base58, Some(32)),
    /// `oq`: oracle query id.
    OracleQueryId => ("oq", Base58, Some(32)),
    /// `or`: oracle response.
    OracleResponse => ("or", Base64, None),
    /// `ov`: oracle query.
    OracleQuery => ("ov", Base64, None),
    /// `pi`: proof of inclusion (TreesPoi).
    Poi => ("pi", Base64, None),
    /// `pp`: peer public key.
    PeerPubkey => ("pp", Base58, Some(32)),
    /// `sg`: signature.
    Signature => ("sg", Base58, Some(64)),
    /// `ss`: state trees.
    StateTrees => ("ss", Base64, None),
    /// `st`: state hash (base64, although it is a 32-byte hash).
    State => ("st", Base64, Some(32)),
    /// `th`: transaction hash.
    TxHash => ("th", Base58, Some(32)),
    /// `tx`: serialized transaction.
    Transaction => ("tx", Base64, None),
}

/// The largest body, in bytes, accepted under a base58 prefix without a fixed size (`nm_`).
///
/// Base58 decoding takes time quadratic in the length of the text, so every base58 body has a
/// bound. Names, the one such type, are DNS-like strings far below it.
pub const MAX_UNSIZED_BASE58_BODY: usize = 1024;

/// The length of the checksum appended to every body before encoding.
pub(crate) const CHECKSUM_LEN: usize = 4;

/// The longest base58 text of `bytes` bytes: each byte adds at most log(256)/log(58) < 1.366
/// characters (a leading zero byte adds exactly one), plus one for rounding.
const fn max_base58_len(bytes: usize) -> usize {
    bytes * 1366 / 1000 + 1
}

/// The length of the padded base64 text of `bytes` bytes.
const fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

impl Prefix {
    /// The longest body text (after `prefix_`) that can be a valid string of this type, or
    /// `None` when the type has no bound.
    ///
    /// Fixed-size types are bounded by the encoding of their size plus the checksum (50
    /// characters for `ak_` and the other 32-byte base58 types, 93 for `sg_`, 48 for `st_`);
    /// `nm_` by [`MAX_UNSIZED_BASE58_BODY`]. Base64 types without a fixed size (`tx_`, `pi_`,
    /// `ss_`, …) are unbounded: their decoding is linear, so the caller's limit on the
    /// input (a WebSocket frame, a line) bounds the work.
    pub const fn max_text_len(self) -> Option<usize> {
        match (self.encoding(), self.size()) {
            (Encoding::Base58, Some(n)) => Some(max_base58_len(n + CHECKSUM_LEN)),
            (Encoding::Base58, None) => {
                Some(max_base58_len(MAX_UNSIZED_BASE58_BODY + CHECKSUM_LEN))
            }
            (Encoding::Base64, Some(n)) => Some(base64_len(n + CHECKSUM_LEN)),
            (Encoding::Base64, None) => None,
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
