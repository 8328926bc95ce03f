//! Typed client → node methods (spec §6.4, §6.5).
//!
//! Each method is a struct holding its params and implementing [`Method`], which ties it to
//! its name and its result type. [`ClientRequest`] covers every method plus the sign replies;
//! [`ClientRequest::from_request`] is the node's side of the contract: it validates params the
//! way the node does and reports failures as [`ParamsError`], which maps to the node's exact
//! error object.

mod control;
mod onchain;
mod query;
mod sign;
mod update;

use serde_json::Value;

use super::envelope::Request;
use super::id::Id;
use super::outputs::OutputError;
use super::params::{Params, ParamsError};

pub use control::{Leave, Message, System, MAX_MESSAGE_INFO};
pub use onchain::{AssumeMinimumDepth, CloseSolo, Deposit, ForceProgress, Settle, Shutdown};
pub use onchain::{Slash, SnapshotSolo, TxOptions, Withdraw};
pub use query::{CleanContractCalls, GetBalances, GetContract, GetContractCall};
pub use query::{GetOffchainState, GetPoi, HistoryFetch, HISTORY_TAGS, HISTORY_TYPES};
pub use sign::{SignAbort, SignReply, SignTag};
pub use update::{CallContract, DryRunCallContract, NewContract, UpdateNew};

/// A client → node method: its name, params and result type.
pub trait Method: Sized {
    /// The method name.
    const NAME: &'static str;
    /// What a successful call returns.
    type Output;

    /// The params object.
    fn to_params(&self) -> Value;

    /// Reads and validates params as the node does.
    ///
    /// # Errors
    /// A [`ParamsError`] that maps to the node's answer.
    fn from_params(params: &Params<'_>) -> Result<Self, ParamsError>;

    /// Reads the `result` of a successful call.
    ///
    /// # Errors
    /// An [`OutputError`] when the result has another shape.
    fn parse_output(result: &Value) -> Result<Self::Output, OutputError>;

    /// The request envelope.
    fn to_request(&self, id: Option<Id>) -> Request {
        Request { id, method: Self::NAME.into(), params: Some(self.to_params()) }
    }
}

macro_rules! client_requests {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty), )*) => {
        /// Any client → node request, typed.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum ClientRequest {
            $( $(#[$doc])* $variant($ty), )*
            /// A signed answer to a `channels.sign.*` request.
            SignReply(SignReply),
            /// An abort of a `channels.sign.*` request.
            SignAbort(SignAbort),
        }

        /// The names of every method that is not a sign reply.
        pub const METHOD_NAMES: &[&str] = &[$(<$ty as Method>::NAME,)*];

        impl ClientRequest {
            /// The method name (the canonical one for sign replies).
            pub fn method(&self) -> &'static str {
                match self {
                    $( ClientRequest::$variant(_) => <$ty as Method>::NAME, )*
                    ClientRequest::SignReply(r) => r.tag.reply_method(),
                    ClientRequest::SignAbort(a) => a.tag.reply_method(),
                }
            }

            /// The params object.
            pub fn to_params(&self) -> Value {
                match self {
                    $( ClientRequest::$variant(m) => m.to_params(), )*
                    ClientRequest::SignReply(r) => r.to_params(),
                    ClientRequest::SignAbort(a) => a.to_params(),
                }
            }

            fn from_named(method: &str, params: Option<&Value>) -> Option<Result<Self, ParamsError>> {
                $(
                    if method == <$ty as Method>::NAME {
                        return Some(
                            Params::new(params)
                                .and_then(|p| <$ty as Method>::from_params(&p))
                                .map(ClientRequest::$variant),
                        );
                    }
                )*
                None
            }
        }

        $(
            impl From<$ty> for ClientRequest {
                fn from(m: $ty) -> ClientRequest {
                    ClientRequest::$variant(m)
                }
            }
        )*
    };
}

client_requests! {
    /// `channels.update.new`.
    UpdateNew(UpdateNew),
    /// `channels.update.new_contract`.
    NewContract(NewContract),
    /// `channels.update.call_contract`.
    CallContract(CallContract),
    /// `channels.dry_run.call_contract`.
    DryRunCallContract(DryRunCallContract),
    /// `channels.get.contract_call`.
    GetContractCall(GetContractCall),
    /// `channels.get.balances`.
    GetBalances(GetBalances),
    /// `channels.get.offchain_state`.
    GetOffchainState(GetOffchainState),
    /// `channels.get.contract`.
    GetContract(GetContract),
    /// `channels.get.poi`.
    GetPoi(GetPoi),
    /// `channels.clean_contract_calls`.
    CleanContractCalls(CleanContractCalls),
    /// `channels.history.fetch`.
    HistoryFetch(HistoryFetch),
    /// `channels.message`.
    Message(Message),
    /// `channels.deposit`.
    Deposit(Deposit),
    /// `channels.withdraw`.
    Withdraw(Withdraw),
    /// `channels.shutdown`.
    Shutdown(Shutdown),
    /// `channels.close_solo`.
    CloseSolo(CloseSolo),
    /// `channels.slash`.
    Slash(Slash),
    /// `channels.settle`.
    Settle(Settle),
    /// `channels.snapshot_solo`.
    SnapshotSolo(SnapshotSolo),
    /// `channels.force_progress`.
    ForceProgress(ForceProgress),
    /// `channels.assume_minimum_depth`.
    AssumeMinimumDepth(AssumeMinimumDepth),
    /// `channels.leave`.
    Leave(Leave),
    /// `channels.system`.
    System(System),
}

impl ClientRequest {
    /// Reads a request's method and params the way the node does.
    ///
    /// Sign replies are recognised by every accepted name and alias; params with
    /// `signed_tx` are a [`SignReply`], otherwise params with `error` are a [`SignAbort`].
    /// Every method requires a params object (possibly empty).
    ///
    /// # Errors
    /// A [`ParamsError`]; [`ParamsError::to_error_object`] gives the node's answer.
    pub fn from_request(request: &Request) -> Result<ClientRequest, ParamsError> {
        let method = request.method.as_str();
        if let Some(parsed) = ClientRequest::from_named(method, request.params.as_ref()) {
            return parsed;
        }
        let tag = SignTag::from_reply_method(method)
            .ok_or_else(|| ParamsError::UnknownMethod { method: method.to_owned() })?;
        let p = Params::new(request.params.as_ref())?;
        if p.get("signed_tx").is_some() {
            SignReply::from_params(tag, &p).map(ClientRequest::SignReply)
        } else if p.get("error").is_some() {
            SignAbort::from_params(tag, &p).map(ClientRequest::SignAbort)
        } else {
            Err(ParamsError::MissingField { field: "signed_tx" })
        }
    }

    /// The request envelope.
    pub fn to_request(&self, id: Option<Id>) -> Request {
        Request { id, method: self.method().into(), params: Some(self.to_params()) }
    }

    /// The text frame.
    pub fn to_frame(&self, id: Option<Id>) -> String {
        self.to_request(id).to_frame()
    }
}

impl From<SignReply> for ClientRequest {
    fn from(r: SignReply) -> ClientRequest {
        ClientRequest::SignReply(r)
    }
}

impl From<SignAbort> for ClientRequest {
    fn from(a: SignAbort) -> ClientRequest {
        ClientRequest::SignAbort(a)
    }
}

#[cfg(test)]
mod tests;
