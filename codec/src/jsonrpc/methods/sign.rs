//! Signing requests and replies (spec §6.5): the tags, the reply method of each tag with its
//! accepted aliases, and the two reply shapes.

use core::fmt;

use serde_json::Value;

use crate::jsonrpc::envelope::Request;
use crate::jsonrpc::id::Id;
use crate::jsonrpc::params::{EncodingKind, Params, ParamsBuilder, ParamsError};
use crate::jsonrpc::values::EncodedTx;

macro_rules! sign_tags {
    ($( $(#[$doc:meta])* $variant:ident => ($tag:literal, $reply:literal, [$($alias:literal),*], $abortable:literal), )*) => {
        /// What a `channels.sign.<tag>` request asks to sign.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum SignTag {
            $( $(#[$doc])* $variant, )*
        }

        impl SignTag {
            /// Every tag.
            pub const ALL: &'static [SignTag] = &[$(SignTag::$variant,)*];

            /// The tag text, as in `channels.sign.<tag>`.
            pub const fn as_str(self) -> &'static str {
                match self { $(SignTag::$variant => $tag,)* }
            }

            /// The tag for its text.
            pub fn from_tag(tag: &str) -> Option<SignTag> {
                match tag { $($tag => Some(SignTag::$variant),)* _ => None }
            }

            /// The method that answers this request.
            pub const fn reply_method(self) -> &'static str {
                match self { $(SignTag::$variant => $reply,)* }
            }

            /// Other method names the node accepts as the answer.
            pub const fn reply_aliases(self) -> &'static [&'static str] {
                match self { $(SignTag::$variant => &[$($alias),*],)* }
            }

            /// Whether the request may be aborted with `{"error": N}` (the opening signatures
            /// may not: the node answers 1018).
            pub const fn abortable(self) -> bool {
                match self { $(SignTag::$variant => $abortable,)* }
            }

            /// The tag answered by a reply method name or alias.
            pub fn from_reply_method(method: &str) -> Option<SignTag> {
                match method {
                    $($reply $(| $alias)* => Some(SignTag::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

sign_tags! {
    /// The create tx, unsigned, for the initiator.
    InitiatorSign => ("initiator_sign", "channels.initiator_sign", [], false),
    /// The create tx signed by the initiator, for the responder.
    ResponderSign => ("responder_sign", "channels.responder_sign", [], false),
    /// An off-chain update, for its starter.
    Update => ("update", "channels.update", [], true),
    /// An off-chain update signed by the starter, for the acknowledger.
    UpdateAck => ("update_ack", "channels.update_ack", [], true),
    /// A deposit, for the depositor.
    DepositTx => ("deposit_tx", "channels.deposit_tx", [], true),
    /// A deposit signed by the depositor, for the acknowledger.
    DepositAck => ("deposit_ack", "channels.deposit_ack", [], true),
    /// A withdrawal, for the withdrawer.
    WithdrawTx => ("withdraw_tx", "channels.withdraw_tx", [], true),
    /// A withdrawal signed by the withdrawer, for the acknowledger.
    WithdrawAck => ("withdraw_ack", "channels.withdraw_ack", [], true),
    /// A mutual close, for the closer.
    ShutdownSign => ("shutdown_sign", "channels.shutdown_sign", [], true),
    /// A mutual close signed by the closer, for the acknowledger.
    ShutdownSignAck => ("shutdown_sign_ack", "channels.shutdown_sign_ack", [], true),
    /// A solo close.
    CloseSoloSign => ("close_solo_sign", "channels.close_solo_sign", ["channels.close_solo_tx"], true),
    /// A slash.
    SlashTx => ("slash_tx", "channels.slash_tx", ["channels.slash_sign"], true),
    /// A settle.
    SettleSign => ("settle_sign", "channels.settle_sign", ["channels.settle_tx"], true),
    /// A solo snapshot. (`channels.snapshot_solo_tx` is not an answer: the node maps it to
    /// another internal tag that is never awaited.)
    SnapshotSoloTx => ("snapshot_solo_tx", "channels.snapshot_solo_sign", [], true),
    /// A force progress.
    ForceProgressTx => ("force_progress_tx", "channels.force_progress_tx", ["channels.force_progress_sign"], true),
}

impl SignTag {
    /// The notification method of the request, `channels.sign.<tag>`.
    pub fn request_method(self) -> String {
        format!("channels.sign.{}", self.as_str())
    }
}

impl fmt::Display for SignTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer to a sign request: the transaction with the client's signature added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignReply {
    /// Which request this answers.
    pub tag: SignTag,
    /// The signed transaction.
    pub signed_tx: EncodedTx,
}

impl SignReply {
    /// The params.
    pub fn to_params(&self) -> Value {
        ParamsBuilder::new().str("signed_tx", &self.signed_tx).build()
    }

    /// The request frame's envelope.
    pub fn to_request(&self, id: Option<Id>) -> Request {
        Request { id, method: self.tag.reply_method().into(), params: Some(self.to_params()) }
    }

    pub(crate) fn from_params(tag: SignTag, p: &Params<'_>) -> Result<SignReply, ParamsError> {
        Ok(SignReply { tag, signed_tx: p.encoded("signed_tx", EncodingKind::Transaction)? })
    }
}

/// Refusal to sign: `{"error": N}` with N in 1..=65535. Conventional codes: 1 validation,
/// 2 conflict, 3 timeout, 4 abort, 5 rejected on chain, 128 and above user-defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignAbort {
    /// Which request this refuses.
    pub tag: SignTag,
    /// The abort code (never 0).
    pub error: u16,
}

impl SignAbort {
    /// The params.
    pub fn to_params(&self) -> Value {
        ParamsBuilder::new().put("error", self.error).build()
    }

    /// The request frame's envelope.
    pub fn to_request(&self, id: Option<Id>) -> Request {
        Request { id, method: self.tag.reply_method().into(), params: Some(self.to_params()) }
    }

    pub(crate) fn from_params(tag: SignTag, p: &Params<'_>) -> Result<SignAbort, ParamsError> {
        let code = match p.get("error") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.parse::<u64>().ok(),
            _ => None,
        };
        match code.and_then(|c| u16::try_from(c).ok()) {
            Some(error) if error > 0 => Ok(SignAbort { tag, error }),
            _ => Err(ParamsError::InvalidAbortCode),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reply_methods_and_aliases() {
        assert_eq!(SignTag::ALL.len(), 15);
        for t in SignTag::ALL {
            assert_eq!(SignTag::from_tag(t.as_str()), Some(*t));
            assert_eq!(SignTag::from_reply_method(t.reply_method()), Some(*t));
            for a in t.reply_aliases() {
                assert_eq!(SignTag::from_reply_method(a), Some(*t));
            }
        }
        assert_eq!(SignTag::from_reply_method("channels.slash_sign"), Some(SignTag::SlashTx));
        assert_eq!(SignTag::from_reply_method("channels.snapshot_solo_tx"), None);
        assert_eq!(SignTag::SnapshotSoloTx.reply_method(), "channels.snapshot_solo_sign");
        assert!(!SignTag::InitiatorSign.abortable());
        assert_eq!(SignTag::UpdateAck.request_method(), "channels.sign.update_ack");
    }

    #[test]
    fn abort_codes() {
        let parse =
            |v: Value| SignAbort::from_params(SignTag::Update, &Params::new(Some(&v)).unwrap());
        assert_eq!(parse(json!({"error": 42})).unwrap().error, 42);
        assert_eq!(parse(json!({"error": "7"})).unwrap().error, 7);
        for bad in [
            json!({"error": 0}),
            json!({"error": 65536}),
            json!({"error": -1}),
            json!({"error": "x"}),
            json!({}),
        ] {
            assert_eq!(parse(bad), Err(ParamsError::InvalidAbortCode));
        }
    }
}
