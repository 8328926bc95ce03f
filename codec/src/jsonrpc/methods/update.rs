//! Off-chain updates: transfer, contract creation, contract calls and dry runs.

use serde_json::Value;

use super::Method;
use crate::id::{AccountId, ContractId};
use crate::jsonrpc::outputs::{parse_output, ContractCall, OkReply, OutputError};
use crate::jsonrpc::params::{EncodingKind, Params, ParamsBuilder, ParamsError};
use crate::jsonrpc::values::{BlockHash, ContractBytes};
use crate::uint::Uint;

/// `channels.update.new`: transfer `amount` from `from` to `to` (answered `"ok"`, then
/// `channels.sign.update`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateNew {
    /// Payer (a participant).
    pub from: AccountId,
    /// Payee (the other participant).
    pub to: AccountId,
    /// Amount in aettos.
    pub amount: Uint,
    /// Pinned block (`kh_`/`mh_`); the FSM picks one when absent.
    pub block_hash: Option<BlockHash>,
    /// Meta strings recorded with the update (omitted on the wire when empty).
    pub meta: Vec<String>,
}

impl Method for UpdateNew {
    const NAME: &'static str = "channels.update.new";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        ParamsBuilder::new()
            .str("from", &self.from)
            .str("to", &self.to)
            .uint("amount", &self.amount)
            .block_hash(self.block_hash.as_ref())
            .meta(&self.meta)
            .build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["from", "to", "amount"])?;
        Ok(UpdateNew {
            from: p.encoded("from", EncodingKind::AccountPubkey)?,
            to: p.encoded("to", EncodingKind::AccountPubkey)?,
            amount: p.uint("amount")?,
            block_hash: p.block_hash()?,
            meta: p.meta()?,
        })
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}

/// `channels.update.new_contract`: create a contract off chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContract {
    /// VM version.
    pub vm_version: u64,
    /// ABI version.
    pub abi_version: u64,
    /// Deposit moved from the owner into the contract.
    pub deposit: Uint,
    /// Compiled code (`cb_…`).
    pub code: ContractBytes,
    /// Init call data (`cb_…`).
    pub call_data: ContractBytes,
    /// Pinned block.
    pub block_hash: Option<BlockHash>,
    /// Meta strings.
    pub meta: Vec<String>,
}

impl Method for NewContract {
    const NAME: &'static str = "channels.update.new_contract";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        ParamsBuilder::new()
            .put("vm_version", self.vm_version)
            .put("abi_version", self.abi_version)
            .uint("deposit", &self.deposit)
            .str("code", &self.code)
            .str("call_data", &self.call_data)
            .block_hash(self.block_hash.as_ref())
            .meta(&self.meta)
            .build()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["vm_version", "abi_version", "deposit", "code", "call_data"])?;
        Ok(NewContract {
            vm_version: p.u64("vm_version")?,
            abi_version: p.u64("abi_version")?,
            deposit: p.uint("deposit")?,
            code: p.encoded("code", EncodingKind::ContractBytearray)?,
            call_data: p.encoded("call_data", EncodingKind::ContractBytearray)?,
            block_hash: p.block_hash()?,
            meta: p.meta()?,
        })
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}

/// `channels.update.call_contract`: call a contract off chain (gas and gas price are fixed by
/// the node).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallContract {
    /// The contract.
    pub contract_id: ContractId,
    /// ABI version.
    pub abi_version: u64,
    /// Amount sent with the call.
    pub amount: Uint,
    /// Call data (`cb_…`).
    pub call_data: ContractBytes,
    /// Pinned block.
    pub block_hash: Option<BlockHash>,
    /// Meta strings.
    pub meta: Vec<String>,
}

impl CallContract {
    fn params(&self) -> Value {
        ParamsBuilder::new()
            .str("contract_id", &self.contract_id)
            .put("abi_version", self.abi_version)
            .uint("amount", &self.amount)
            .str("call_data", &self.call_data)
            .block_hash(self.block_hash.as_ref())
            .meta(&self.meta)
            .build()
    }

    fn read(p: &Params<'_>) -> Result<Self, ParamsError> {
        require(p, &["contract_id", "abi_version", "amount", "call_data"])?;
        Ok(CallContract {
            contract_id: p.encoded("contract_id", EncodingKind::ContractPubkey)?,
            abi_version: p.u64("abi_version")?,
            amount: p.uint("amount")?,
            call_data: p.encoded("call_data", EncodingKind::ContractBytearray)?,
            block_hash: p.block_hash()?,
            meta: p.meta()?,
        })
    }
}

impl Method for CallContract {
    const NAME: &'static str = "channels.update.call_contract";
    type Output = OkReply;

    fn to_params(&self) -> Value {
        self.params()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        CallContract::read(p)
    }

    fn parse_output(result: &Value) -> Result<OkReply, OutputError> {
        OkReply::parse(result)
    }
}

/// `channels.dry_run.call_contract`: run a call against the current state without changing
/// it; answers the call object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRunCallContract(pub CallContract);

impl Method for DryRunCallContract {
    const NAME: &'static str = "channels.dry_run.call_contract";
    type Output = ContractCall;

    fn to_params(&self) -> Value {
        self.0.params()
    }

    fn from_params(p: &Params<'_>) -> Result<Self, ParamsError> {
        CallContract::read(p).map(DryRunCallContract)
    }

    fn parse_output(result: &Value) -> Result<ContractCall, OutputError> {
        parse_output(Self::NAME, result)
    }
}

/// Checks that every required param is present before any is validated, as the node matches
/// required params first (a missing one is `-32601`).
pub(crate) fn require(p: &Params<'_>, fields: &[&'static str]) -> Result<(), ParamsError> {
    match fields.iter().find(|f| p.get(f).is_none()) {
        Some(field) => Err(ParamsError::MissingField { field }),
        None => Ok(()),
    }
}
