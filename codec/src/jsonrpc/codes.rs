//! Error codes of the channel API: the outer JSON-RPC `error.code` ([`ErrorCode`]) and the
//! node's detail codes in `error.data[].code` ([`DataCode`]).
//!
//! Both are generated from one table each, in the style of rustls' `enum_builder!`: a value the
//! table does not list is kept as `Unknown(code)`, so every code survives a round trip.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! code_enum {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident = $code:literal => $msg:literal, )*
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )*
            /// A code this table does not know; kept as received.
            Unknown(i64),
        }

        impl $name {
            /// Every known code, in table order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)*];

            /// The numeric code.
            pub const fn code(self) -> i64 {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Unknown(c) => c,
                }
            }

            /// The code for a number; unlisted numbers become `Unknown`.
            pub const fn from_code(code: i64) -> Self {
                match code {
                    $( $code => $name::$variant, )*
                    other => $name::Unknown(other),
                }
            }

            /// The message the node sends with this code (`None` for unknown codes).
            pub const fn message(self) -> Option<&'static str> {
                match self {
                    $( $name::$variant => Some($msg), )*
                    $name::Unknown(_) => None,
                }
            }

            /// Whether this code is in the table.
            pub const fn is_known(self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    $( $name::$variant => write!(f, "{}({})", stringify!($variant), $code), )*
                    $name::Unknown(c) => write!(f, "Unknown({c})"),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.message() {
                    Some(m) => write!(f, "{} ({m})", self.code()),
                    None => write!(f, "{}", self.code()),
                }
            }
        }

        impl From<i64> for $name {
            fn from(code: i64) -> Self {
                $name::from_code(code)
            }
        }

        impl From<$name> for i64 {
            fn from(code: $name) -> i64 {
                code.code()
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                i64::deserialize(d).map($name::from_code)
            }
        }
    };
}

code_enum! {
    /// The outer `error.code` of an error reply (spec §6.7).
    ErrorCode {
        /// -32700: the frame was not JSON (defined; the node drops such frames instead).
        ParseError = -32700 => "Parse error",
        /// -32000: the request is invalid (e.g. a non-string or oversized message `info`).
        InvalidRequest = -32000 => "Invalid request",
        /// -32601: unknown method, or a known method with required params missing.
        MethodNotFound = -32601 => "Method not found",
        /// -32602: defined by the node, not produced.
        InvalidParams = -32602 => "Invalid params",
        /// -32603: any reason without its own code (wrong state, fee too low, …).
        InternalError = -32603 => "Internal error",
        /// 1: unauthorized.
        Unauthorized = 1 => "Unauthorized",
        /// 2: action not allowed (only with data code 1012).
        ActionNotAllowed = 2 => "Action not allowed",
        /// 3: rejected; the reason is in `data`.
        Rejected = 3 => "Rejected",
    }
}

code_enum! {
    /// A detail code in `error.data[].code` (spec §6.7).
    DataCode {
        /// 100: the account or contract asked for does not exist.
        NotFound = 100 => "X doesn't exist",
        /// 101 (defined, unused).
        RequiresCoin = 101 => "Requires coin",
        /// 102 (defined, unused).
        GasTooLow = 102 => "Gas too low",
        /// 103 (defined, unused).
        GasLimitExceeded = 103 => "Gas limit exceeded",
        /// 104: broken encoding or broken code.
        RejectedData = 104 => "Rejected",
        /// 105: a value is too low (negative reserve, amount below reserve, …).
        ValueTooLow = 105 => "Value too low",
        /// 106 (defined, unused).
        Timeout = 106 => "Timeout",
        /// 107: conflict.
        Conflict = 107 => "Conflict",
        /// 108: the FSM is still opening or reestablishing.
        NotReady = 108 => "Not ready",
        /// 1001: insufficient balance.
        InsufficientBalance = 1001 => "Insufficient balance",
        /// 1002: negative amount.
        NegativeAmount = 1002 => "Negative amount",
        /// 1003: transfer parties are not the participants, or are equal.
        InvalidPubkeys = 1003 => "Invalid pubkeys",
        /// 1004: no such contract call.
        CallNotFound = 1004 => "Call not found",
        /// 1005: an account public key does not decode.
        BrokenAccountPubkey = 1005 => "Broken encoding: account pubkey",
        /// 1006: a contract public key does not decode.
        BrokenContractPubkey = 1006 => "Broken encoding: contract pubkey",
        /// 1007: the contract's init call failed.
        ContractInitFailed = 1007 => "Contract init failed",
        /// 1008: a required integer was given as something else.
        NotANumber = 1008 => "Not a number",
        /// 1009: a contract byte array (`cb_…`) does not decode.
        BrokenContractBytearray = 1009 => "Broken encoding: contract bytearray",
        /// 1010: a transaction (`tx_…`) does not decode.
        BrokenTransaction = 1010 => "Broken encoding: transaction",
        /// 1011: a participant account is not on chain.
        ParticipantNotFound = 1011 => "Participant not found",
        /// 1012: the latest state is not an off-chain tx (outer code 2).
        OffchainTxExpected = 1012 => "Offchain tx expected",
        /// 1013: the latest state is already on chain.
        TxAlreadyOnChain = 1013 => "Tx already on-chain",
        /// 1014: `meta` is not a list of strings.
        InvalidMetaObject = 1014 => "Invalid meta object",
        /// 1015 (defined, unused).
        InvalidErrorCode = 1015 => "Invalid error code",
        /// 1016: the fsm id is malformed or does not match.
        InvalidFsmId = 1016 => "Invalid fsm id",
        /// 1017: bad signature.
        BadSignature = 1017 => "Bad signature",
        /// 1018: nothing to abort or sign in the current state.
        NotAllowedNow = 1018 => "Not allowed at current channel state",
        /// 1019: ABI version mismatch.
        AbiVersionMismatch = 1019 => "ABI version mismatch",
        /// 1020: VM version mismatch.
        VmVersionMismatch = 1020 => "VM version mismatch",
        /// 2000: reconnect without `existing_fsm_id`.
        MissingFsmId = 2000 => "Missing field: existing_fsm_id",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_round_trip_through_numbers_and_json() {
        for code in ErrorCode::KNOWN {
            assert_eq!(ErrorCode::from_code(code.code()), *code);
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
        }
        for code in DataCode::KNOWN {
            assert_eq!(DataCode::from_code(code.code()), *code);
            assert!(code.message().is_some());
        }
        assert_eq!(ErrorCode::KNOWN.len(), 8);
        assert_eq!(DataCode::KNOWN.len(), 30);
    }

    #[test]
    fn unknown_codes_survive() {
        let c = DataCode::from_code(4242);
        assert_eq!(c, DataCode::Unknown(4242));
        assert!(!c.is_known());
        assert_eq!(serde_json::to_string(&c).unwrap(), "4242");
        assert_eq!(serde_json::from_str::<DataCode>("4242").unwrap(), c);
        assert_eq!(ErrorCode::from_code(-1), ErrorCode::Unknown(-1));
        assert_eq!(format!("{:?}", ErrorCode::Rejected), "Rejected(3)");
        assert_eq!(DataCode::MissingFsmId.to_string(), "2000 (Missing field: existing_fsm_id)");
    }

    #[test]
    fn messages_match_the_node() {
        assert_eq!(ErrorCode::Rejected.message(), Some("Rejected"));
        assert_eq!(ErrorCode::MethodNotFound.message(), Some("Method not found"));
        assert_eq!(DataCode::NotANumber.message(), Some("Not a number"));
        assert_eq!(DataCode::NotFound.message(), Some("X doesn't exist"));
    }
}
