//! Read-only requests: balances, state, contracts, calls, proofs, history.

use serde_json::Value;

use super::update::require;
use super::Method;
use crate::id::{AccountId, ContractId};
use crate::jsonrpc::outputs::{parse_output, Balance, CallsPruned, ContractCall, ContractState};
use crate::jsonrpc::outputs::{HistoryEntry, OffchainState, OutputError, PoiReply};
use crate::jsonrpc::params::{BrokenField, EncodingKind, Params, ParamsBuilder, ParamsError};

/// `channels.get.contract_call`: the call object of `caller_id`'s call of `contract_id` in
/// `round` (data code 1004 when there is none; the node does not answer round 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetContractCall {
    /// The contract.
    pub contract_id: ContractId,
    /// The caller.
    pub caller_id: AccountId,
    /// The round of the call.
    pub round: u64,
}

impl Method for GetContractCall {
    const NAME: &'static str = "channels.get.contract_call";
    type Output = ContractCall;

    fn to_params(&self) -> Value {
        ParamsBuilder::new()
            .str("caller_id", &self.caller_id)
            .str("contract_id", &self.contract_id)
            .put("round", self.round)
            .build()
    }

    /// Round 0 is [`ParamsError::Dropped`]: the node does not answer it.
    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["contract_id", "caller_id", "round"])?;
        let contract_id = p.encoded("contract_id", EncodingKind::ContractPubkey)?;
        let caller_id = p.encoded("caller_id", EncodingKind::AccountPubkey)?;
        match p.u64("round")? {
            0 => Err(ParamsError::Dropped { field: "round" }),
            round => Ok(GetContractCall { contract_id, caller_id, round }),
        }
    }

    fn parse_output(result: &Value) -> Result<ContractCall, OutputError> {
        parse_output(Self::NAME, result)
    }
}

/// `channels.get.balances`: off-chain balances of `accounts`; unknown accounts are omitted
/// from the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBalances {
    /// Accounts (contracts as `ak_` too).
    pub accounts: Vec<AccountId>,
}

impl Method for GetBalances {
    const NAME: &'static str = "channels.get.balances";
    type Output = Vec<Balance>;

    fn to_params(&self) -> Value {
        ParamsBuilder::new().list("accounts", &self.accounts).build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["accounts"])?;
        Ok(GetBalances { accounts: p.encoded_list("accounts", EncodingKind::AccountPubkey)? })
    }

    fn parse_output(result: &Value) -> Result<Vec<Balance>, OutputError> {
        parse_output(Self::NAME, result)
    }
}

/// `channels.get.offchain_state`: the latest state trees and signed states (the params
/// object must be present, even empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GetOffchainState;

impl Method for GetOffchainState {
    const NAME: &'static str = "channels.get.offchain_state";
    type Output = OffchainState;

    fn to_params(&self) -> Value {
        ParamsBuilder::new().build()
    }

    fn from_params(_: &Params<'_>) -> Result<Self, ParamsError> {
        Ok(GetOffchainState)
    }

    fn parse_output(result: &Value) -> Result<OffchainState, OutputError> {
        parse_output(Self::NAME, result)
    }
}

/// `channels.get.contract`: a contract and its store (data code 100 when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetContract {
    /// The contract.
    pub pubkey: ContractId,
}

impl Method for GetContract {
    const NAME: &'static str = "channels.get.contract";
    type Output = ContractState;

    fn to_params(&self) -> Value {
        ParamsBuilder::new().str("pubkey", &self.pubkey).build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["pubkey"])?;
        Ok(GetContract { pubkey: p.encoded("pubkey", EncodingKind::ContractPubkey)? })
    }

    fn parse_output(result: &Value) -> Result<ContractState, OutputError> {
        parse_output(Self::NAME, result)
    }
}

/// `channels.get.poi`: a proof of inclusion of accounts and contracts (the contracts'
/// accounts are added by the node; data code 100 when one is unknown).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetPoi {
    /// Accounts.
    pub accounts: Vec<AccountId>,
    /// Contracts.
    pub contracts: Vec<ContractId>,
}

impl Method for GetPoi {
    const NAME: &'static str = "channels.get.poi";
    type Output = PoiReply;

    fn to_params(&self) -> Value {
        let b = ParamsBuilder::new().list("accounts", &self.accounts);
        if self.contracts.is_empty() {
            b.build()
        } else {
            b.list("contracts", &self.contracts).build()
        }
    }

    /// Unlike other methods, both lists are checked and every broken one is reported
    /// (data codes 1005 and 1006 together).
    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        let accounts = p.encoded_list("accounts", EncodingKind::AccountPubkey);
        let contracts = p.encoded_list("contracts", EncodingKind::ContractPubkey);
        match (accounts, contracts) {
            (Ok(accounts), Ok(contracts)) => Ok(GetPoi { accounts, contracts }),
            (a, c) => {
                let mut fields: Vec<BrokenField> = Vec::new();
                for e in [a.err(), c.err()].into_iter().flatten() {
                    if let ParamsError::BrokenEncoding { fields: f } = e {
                        fields.extend(f);
                    }
                }
                Err(ParamsError::BrokenEncoding { fields })
            }
        }
    }

    fn parse_output(result: &Value) -> Result<PoiReply, OutputError> {
        parse_output(Self::NAME, result)
    }
}

/// `channels.clean_contract_calls`: prune the calls tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CleanContractCalls;

impl Method for CleanContractCalls {
    const NAME: &'static str = "channels.clean_contract_calls";
    type Output = CallsPruned;

    fn to_params(&self) -> Value {
        ParamsBuilder::new().build()
    }

    fn from_params(_: &Params<'_>) -> Result<Self, ParamsError> {
        Ok(CleanContractCalls)
    }

    fn parse_output(result: &Value) -> Result<CallsPruned, OutputError> {
        CallsPruned::parse(result)
    }
}

/// History entry directions accepted by `channels.history.fetch` `type`.
pub const HISTORY_TYPES: &[&str] = &["rpt", "rcv", "snd", "req"];
/// History entry tags accepted by `channels.history.fetch` `tag`.
pub const HISTORY_TAGS: &[&str] =
    &["info", "on_chain_tx", "conflict", "update", "leave", "error", "debug"];

/// `channels.history.fetch`: the FSM's recent history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryFetch {
    /// How many entries (node default 10).
    pub n: Option<u64>,
    /// Directions to include (all when empty); each one of [`HISTORY_TYPES`].
    pub types: Vec<String>,
    /// Tags to include (all when empty); each one of [`HISTORY_TAGS`].
    pub tags: Vec<String>,
}

impl Method for HistoryFetch {
    const NAME: &'static str = "channels.history.fetch";
    type Output = Vec<HistoryEntry>;

    fn to_params(&self) -> Value {
        let mut b = ParamsBuilder::new().opt_u64("n", self.n);
        if !self.types.is_empty() {
            b = b.list("type", &self.types);
        }
        if !self.tags.is_empty() {
            b = b.list("tag", &self.tags);
        }
        b.build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        Ok(HistoryFetch {
            n: p.opt_u64("n")?,
            types: filter(p, "type", HISTORY_TYPES)?,
            tags: filter(p, "tag", HISTORY_TAGS)?,
        })
    }

    fn parse_output(result: &Value) -> Result<Vec<HistoryEntry>, OutputError> {
        parse_output(Self::NAME, result)
    }
}

fn filter(
    p: &Params<'_>,
    field: &'static str,
    allowed: &[&str],
) -> Result<Vec<String>, ParamsError> {
    let invalid = ParamsError::UnsupportedValue { field, expected: "a list of known names" };
    let one = |v: &Value| match v.as_str() {
        Some(s) if allowed.contains(&s) => Ok(s.to_owned()),
        _ => Err(invalid.clone()),
    };
    match p.get(field) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(one).collect(),
        Some(single @ Value::String(_)) => one(single).map(|s| vec![s]),
        Some(_) => Err(invalid.clone()),
    }
}
