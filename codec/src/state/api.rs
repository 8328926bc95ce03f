//! The prefixed API strings of state objects: `ss_` (state trees), `cs_` (call-state tree)
//! and `pi_` (proof of inclusion).

use core::fmt;

use super::{CallsTree, StateTrees, TreesPoi};
use crate::encoding::{self, ParseError, Prefix};
use crate::object::Object;
use crate::rlp::DecodeError;

/// Why an `ss_`, `cs_` or `pi_` string does not hold its object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiStringError {
    /// The string is not a valid API string of the expected prefix.
    Encoding(ParseError),
    /// The bytes are not a canonical serialization of the object.
    Rlp(DecodeError),
}

impl fmt::Display for ApiStringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiStringError::Encoding(e) => write!(f, "state string: {e}"),
            ApiStringError::Rlp(e) => write!(f, "state bytes: {e}"),
        }
    }
}

impl std::error::Error for ApiStringError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiStringError::Encoding(e) => Some(e),
            ApiStringError::Rlp(e) => Some(e),
        }
    }
}

macro_rules! api_string {
    ($ty:ty, $prefix:ident, $text:literal) => {
        impl $ty {
            #[doc = concat!("The `", $text, "…` API string of the canonical serialization.")]
            pub fn to_api_string(&self) -> String {
                encoding::encode(Prefix::$prefix, &self.to_rlp())
            }

            #[doc = concat!("Parses a `", $text, "…` API string.")]
            ///
            /// # Errors
            /// [`ApiStringError::Encoding`] for a bad string or another prefix,
            /// [`ApiStringError::Rlp`] when the bytes are not the object.
            pub fn from_api_str(s: &str) -> Result<Self, ApiStringError> {
                let bytes =
                    encoding::decode_as(Prefix::$prefix, s).map_err(ApiStringError::Encoding)?;
                Self::from_rlp(&bytes).map_err(ApiStringError::Rlp)
            }
        }
    };
}

api_string!(StateTrees, StateTrees, "ss_");
api_string!(CallsTree, CallStateTree, "cs_");
api_string!(TreesPoi, Poi, "pi_");
