//! Off-chain updates: transfers (with meta notes) and contracts.

use aesc_codec::derive::offchain_contract_id;
use aesc_codec::id::{AccountId, ContractId};
use aesc_codec::jsonrpc::{
    CallContract, ContractBytes, ContractCall, ContractState, DryRunCallContract, GetContract,
    GetContractCall, NewContract, UpdateNew,
};
use aesc_codec::tx::Update;
use aesc_codec::Uint;

use crate::error::Error;
use crate::session::OpKind;

use super::{Channel, OFFCHAIN_CALL_GAS, OFFCHAIN_CALL_GAS_PRICE};

impl Channel {
    /// Transfers `amount` from this client to the other party; returns the new round.
    ///
    /// # Errors
    /// [`Error::Rpc`] when the node rejects the request (e.g. insufficient balance),
    /// [`Error::Refused`] when the sign request does not match, [`Error::Conflict`] when the
    /// other party refuses, or a timeout.
    pub fn transfer(&self, to: &AccountId, amount: impl Into<Uint>) -> Result<u64, Error> {
        let me = self.cfg.account();
        self.transfer_with_meta(&me, to, amount, &[])
    }

    /// Transfers between the participants (`from` may be the other party, whose policy then
    /// decides), with `meta` strings added as meta updates of the same round.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn transfer_with_meta(
        &self,
        from: &AccountId,
        to: &AccountId,
        amount: impl Into<Uint>,
        meta: &[String],
    ) -> Result<u64, Error> {
        let amount = amount.into();
        let mut updates = vec![Update::Transfer { from: *from, to: *to, amount: amount.clone() }];
        updates.extend(meta.iter().map(|m| Update::Meta { data: m.as_bytes().to_vec() }));
        let req = UpdateNew { from: *from, to: *to, amount, block_hash: None, meta: meta.to_vec() };
        Self::round_of(self.run(OpKind::Update(updates), Some(&req))?)
    }

    /// Creates a contract off-chain; returns its id and the round.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn create_contract(
        &self,
        code: &[u8],
        call_data: &[u8],
        vm_version: u64,
        abi_version: u64,
        deposit: impl Into<Uint>,
        meta: &[String],
    ) -> Result<(ContractId, u64), Error> {
        let deposit = deposit.into();
        let me = self.cfg.account();
        let mut updates = vec![Update::CreateContract {
            owner: me,
            vm_version,
            abi_version,
            code: code.to_vec(),
            deposit: deposit.clone(),
            call_data: call_data.to_vec(),
        }];
        updates.extend(meta.iter().map(|m| Update::Meta { data: m.as_bytes().to_vec() }));
        let req = NewContract {
            vm_version,
            abi_version,
            deposit,
            code: ContractBytes::from_bytes(code),
            call_data: ContractBytes::from_bytes(call_data),
            block_hash: None,
            meta: meta.to_vec(),
        };
        let round = Self::round_of(self.run(OpKind::Update(updates), Some(&req))?)?;
        Ok((offchain_contract_id(&me, &Uint::from(round)), round))
    }

    /// Calls a contract off-chain (the call data passes through as `cb_`); returns the round.
    ///
    /// # Errors
    /// As [`Channel::transfer`].
    pub fn call_contract(
        &self,
        contract: &ContractId,
        abi_version: u64,
        amount: impl Into<Uint>,
        call_data: &[u8],
        meta: &[String],
    ) -> Result<u64, Error> {
        let amount = amount.into();
        let mut updates = vec![Update::CallContract {
            caller: self.cfg.account(),
            contract: *contract,
            abi_version,
            amount: amount.clone(),
            gas: OFFCHAIN_CALL_GAS,
            gas_price: Uint::from(OFFCHAIN_CALL_GAS_PRICE),
            call_data: call_data.to_vec(),
            call_stack: Vec::new(),
        }];
        updates.extend(meta.iter().map(|m| Update::Meta { data: m.as_bytes().to_vec() }));
        let req = CallContract {
            contract_id: *contract,
            abi_version,
            amount,
            call_data: ContractBytes::from_bytes(call_data),
            block_hash: None,
            meta: meta.to_vec(),
        };
        Self::round_of(self.run(OpKind::Update(updates), Some(&req))?)
    }

    /// Runs a contract call without changing the state.
    ///
    /// # Errors
    /// [`Error::Rpc`] or a connection error.
    pub fn dry_run(
        &self,
        contract: &ContractId,
        abi_version: u64,
        amount: impl Into<Uint>,
        call_data: &[u8],
    ) -> Result<ContractCall, Error> {
        self.call(&DryRunCallContract(CallContract {
            contract_id: *contract,
            abi_version,
            amount: amount.into(),
            call_data: ContractBytes::from_bytes(call_data),
            block_hash: None,
            meta: Vec::new(),
        }))
    }

    /// The contract object and its store.
    ///
    /// # Errors
    /// [`Error::Rpc`] (data code 100 when unknown) or a connection error.
    pub fn get_contract(&self, contract: &ContractId) -> Result<ContractState, Error> {
        self.call(&GetContract { pubkey: *contract })
    }

    /// The result of the call `caller` made to `contract` in `round`.
    ///
    /// # Errors
    /// [`Error::Rpc`] (data code 1004 when there is none) or a connection error.
    pub fn get_contract_call(
        &self,
        contract: &ContractId,
        caller: &AccountId,
        round: u64,
    ) -> Result<ContractCall, Error> {
        self.call(&GetContractCall { contract_id: *contract, caller_id: *caller, round })
    }
}
