//! The off-chain state of a channel (`aesc_offchain_state`): participant and contract
//! accounts, plus the contracts and calls subtrees kept as opaque entries.

use std::collections::BTreeMap;

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use super::mpt::Mpt;
use super::mtree::Mtree;
use super::poi::{SubtreePoi, TreesPoi};
use super::trees::{state_hash, AccountsTree, CallsTree, ContractsTree, StateTrees, SubtreeRoots};
use super::{Account, ApplyError, PoiError, TreesError};
use crate::id::{AccountId, ContractId, StateHash};
use crate::object::Object;
use crate::tx::Update;
use crate::Uint;

/// A channel's off-chain state.
///
/// Participants are the accounts that are not contracts. The contracts and calls subtrees are
/// kept as key/value entries (the VM that fills them is not part of this crate); the
/// channels, name-service and oracles subtrees are always empty in a channel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct OffChainState {
    accounts: BTreeMap<AccountId, Account>,
    contracts: Mpt,
    calls: Mpt,
}

impl OffChainState {
    /// The initial state of a new channel (§5): two v1 accounts with nonce 0, the initiator
    /// holding `initiator_amount − push_amount`, the responder `responder_amount +
    /// push_amount`; everything else empty.
    ///
    /// # Errors
    /// [`ApplyError::PushExceedsAmount`] or [`ApplyError::SameParticipants`].
    pub fn initial(
        initiator: AccountId,
        initiator_amount: Uint,
        responder: AccountId,
        responder_amount: Uint,
        push_amount: Uint,
    ) -> Result<Self, ApplyError> {
        if initiator == responder {
            return Err(ApplyError::SameParticipants { account: initiator });
        }
        let initiator_balance =
            initiator_amount.checked_sub(&push_amount).ok_or(ApplyError::PushExceedsAmount {
                initiator_amount,
                push_amount: push_amount.clone(),
            })?;
        let responder_balance = &responder_amount + &push_amount;
        let accounts = BTreeMap::from([
            (initiator, Account::basic(initiator_balance)),
            (responder, Account::basic(responder_balance)),
        ]);
        Ok(OffChainState { accounts, ..OffChainState::default() })
    }

    /// The state held in `trees`.
    ///
    /// # Errors
    /// [`TreesError`] when an account entry is malformed or a subtree that is empty in
    /// channels (channels, ns, oracles) has entries.
    pub fn from_trees(trees: &StateTrees) -> Result<Self, TreesError> {
        for (name, tree) in
            [("channels", &trees.channels.0), ("ns", &trees.ns.0), ("oracles", &trees.oracles.0)]
        {
            if !tree.is_empty() {
                return Err(TreesError::UnexpectedSubtree { name });
            }
        }
        let mut accounts = BTreeMap::new();
        for v in &trees.accounts.0.values {
            let key = <[u8; 32]>::try_from(v.key.as_slice())
                .map_err(|_| TreesError::BadAccountKey { key: v.key.clone() })?;
            let account = AccountId(key);
            let value = Account::from_rlp(&v.value)
                .map_err(|error| TreesError::BadAccount { account, error })?;
            accounts.insert(account, value);
        }
        Ok(OffChainState {
            accounts,
            contracts: trees.contracts.0.to_mpt(),
            calls: trees.calls.0.to_mpt(),
        })
    }

    /// The state as state trees, entries in the node's order: byte-identical to the node's
    /// `ss_` for the same state.
    pub fn to_trees(&self) -> StateTrees {
        StateTrees {
            contracts: ContractsTree(Mtree::from_mpt(&self.contracts)),
            calls: CallsTree(Mtree::from_mpt(&self.calls)),
            accounts: AccountsTree(Mtree::from_mpt(&self.accounts_mpt())),
            ..StateTrees::default()
        }
    }

    fn accounts_mpt(&self) -> Mpt {
        Mpt::from_pairs(self.accounts.iter().map(|(k, a)| (k.as_bytes().to_vec(), a.to_rlp())))
    }

    /// The account under `pubkey` (a participant or a contract).
    pub fn account(&self, pubkey: &AccountId) -> Option<&Account> {
        self.accounts.get(pubkey)
    }

    /// The balance of `pubkey`.
    pub fn balance(&self, pubkey: &AccountId) -> Option<&Uint> {
        self.accounts.get(pubkey).map(|a| &a.balance)
    }

    /// All accounts, by public key.
    pub fn accounts(&self) -> impl Iterator<Item = (&AccountId, &Account)> {
        self.accounts.iter()
    }

    /// Whether `pubkey` is a contract of this state.
    pub fn is_contract(&self, pubkey: &[u8; 32]) -> bool {
        self.contracts.get(pubkey).is_some()
    }

    /// The participants: accounts that are not contracts.
    pub fn participants(&self) -> impl Iterator<Item = &AccountId> {
        self.accounts.keys().filter(|k| !self.is_contract(k.as_bytes()))
    }

    /// The contracts subtree entries.
    pub fn contracts(&self) -> &Mpt {
        &self.contracts
    }

    /// The calls subtree entries.
    pub fn calls(&self) -> &Mpt {
        &self.calls
    }

    /// The root hashes of the six subtrees.
    pub fn roots(&self) -> SubtreeRoots {
        SubtreeRoots {
            accounts: self.accounts_mpt().root_hash(),
            calls: self.calls.root_hash(),
            contracts: self.contracts.root_hash(),
            ..SubtreeRoots::default()
        }
    }

    /// The state hash (§3.11).
    pub fn state_hash(&self) -> StateHash {
        state_hash(&self.roots())
    }

    fn participant(&self, account: &AccountId) -> Result<&Account, ApplyError> {
        match self.accounts.get(account) {
            Some(a) if !self.is_contract(account.as_bytes()) => Ok(a),
            _ => Err(ApplyError::NotParticipant { account: *account }),
        }
    }

    fn check_spend(
        &self,
        payer: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<Uint, ApplyError> {
        let balance = &self.participant(payer)?.balance;
        balance.checked_sub(amount).filter(|left| left >= reserve).ok_or_else(|| {
            ApplyError::InsufficientBalance {
                account: *payer,
                balance: balance.clone(),
                amount: amount.clone(),
                reserve: reserve.clone(),
            }
        })
    }

    fn set_balance(&mut self, account: &AccountId, balance: Uint) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.balance = balance;
        }
    }

    /// Applies an off-chain transfer: both ends are participants, distinct, and the sender
    /// keeps at least `reserve`. Nonces do not change. On error the state is unchanged.
    ///
    /// # Errors
    /// [`ApplyError::NotParticipant`], [`ApplyError::SameAccount`],
    /// [`ApplyError::InsufficientBalance`].
    pub fn transfer(
        &mut self,
        from: &AccountId,
        to: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<(), ApplyError> {
        self.participant(from)?;
        let to_balance = &self.participant(to)?.balance + amount;
        if from == to {
            return Err(ApplyError::SameAccount { account: *from });
        }
        let from_balance = self.check_spend(from, amount, reserve)?;
        self.set_balance(from, from_balance);
        self.set_balance(to, to_balance);
        Ok(())
    }

    /// Applies a deposit: `amount` is added to participant `from`.
    ///
    /// # Errors
    /// [`ApplyError::NotParticipant`].
    pub fn deposit(&mut self, from: &AccountId, amount: &Uint) -> Result<(), ApplyError> {
        let balance = &self.participant(from)?.balance + amount;
        self.set_balance(from, balance);
        Ok(())
    }

    /// Applies a withdrawal: `amount` is taken from participant `to`, which keeps at least
    /// `reserve`.
    ///
    /// # Errors
    /// [`ApplyError::NotParticipant`], [`ApplyError::InsufficientBalance`].
    pub fn withdraw(
        &mut self,
        to: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<(), ApplyError> {
        let balance = self.check_spend(to, amount, reserve)?;
        self.set_balance(to, balance);
        Ok(())
    }

    /// Applies one off-chain update with the node's rules for its kind: transfer, deposit
    /// and withdrawal as [`OffChainState::transfer`], [`OffChainState::deposit`] and
    /// [`OffChainState::withdraw`] (with `reserve`, the channel reserve); meta changes nothing.
    /// On error the state is unchanged.
    ///
    /// # Errors
    /// The [`ApplyError`] of the rule broken; [`ApplyError::Unsupported`] for contract
    /// creation and calls, which need a contract VM.
    pub fn apply(&mut self, update: &Update, reserve: &Uint) -> Result<(), ApplyError> {
        match update {
            Update::Transfer { from, to, amount } => self.transfer(from, to, amount, reserve),
            Update::Deposit { from, amount } => self.deposit(from, amount),
            Update::Withdraw { to, amount } => self.withdraw(to, amount, reserve),
            Update::Meta { .. } => Ok(()),
            Update::CreateContract { .. } => {
                Err(ApplyError::Unsupported { update: "create_contract" })
            }
            Update::CallContract { .. } => Err(ApplyError::Unsupported { update: "call_contract" }),
        }
    }

    /// Applies `updates` in order, all or nothing: on error the state is unchanged and the
    /// error names the index of the failing update.
    ///
    /// # Errors
    /// `(index, error)` of the first update that cannot be applied.
    pub fn apply_all(
        &mut self,
        updates: &[Update],
        reserve: &Uint,
    ) -> Result<(), (usize, ApplyError)> {
        let mut next = self.clone();
        for (i, u) in updates.iter().enumerate() {
            next.apply(u, reserve).map_err(|e| (i, e))?;
        }
        *self = next;
        Ok(())
    }

    /// The proof of inclusion of `accounts`, as the node builds it for `channels.get.poi`
    /// and solo closing: the accounts' paths in the accounts subtree, and the root hash alone
    /// for every other non-empty subtree.
    ///
    /// # Errors
    /// [`PoiError::NotPresent`] for an account that is not in the state.
    pub fn poi(&self, accounts: &[AccountId]) -> Result<TreesPoi, PoiError> {
        self.poi_with_contracts(accounts, &[])
    }

    /// The proof of inclusion of `accounts` and `contracts`: a contract brings its object,
    /// its whole store (the keys under `contract ‖ …`) and its account.
    ///
    /// # Errors
    /// [`PoiError::NotPresent`] for an account or contract that is not in the state.
    pub fn poi_with_contracts(
        &self,
        accounts: &[AccountId],
        contracts: &[ContractId],
    ) -> Result<TreesPoi, PoiError> {
        let mut account_keys: Vec<&[u8]> = Vec::new();
        let mut contract_keys: Vec<&[u8]> = Vec::new();
        for a in accounts {
            if !self.accounts.contains_key(a) {
                return Err(PoiError::NotPresent { key: a.as_bytes().to_vec() });
            }
            account_keys.push(a.as_bytes());
        }
        for c in contracts {
            if !self.is_contract(c.as_bytes()) {
                return Err(PoiError::NotPresent { key: c.as_bytes().to_vec() });
            }
            contract_keys.extend(self.contracts.keys_with_prefix(c.as_bytes()));
            if self.accounts.contains_key(&AccountId(c.0)) {
                account_keys.push(c.as_bytes());
            }
        }
        let part = |mpt: &Mpt, keys: &[&[u8]]| {
            mpt.root_hash()
                .map(|root_hash| SubtreePoi { root_hash, proof: mpt.proof(keys.iter().copied()) })
        };
        Ok(TreesPoi {
            accounts: part(&self.accounts_mpt(), &account_keys),
            calls: part(&self.calls, &[]),
            contracts: part(&self.contracts, &contract_keys),
            ..TreesPoi::default()
        })
    }

    /// The JSON form: `{"accounts": {"ak_…": account, …}, "contracts": mtree, "calls":
    /// mtree}` with accounts in the JSON form of [`Account::to_json`] and the subtrees in
    /// that of [`Mtree::to_json`].
    pub fn to_json(&self) -> Value {
        let accounts = self.accounts.iter().map(|(k, a)| (k.to_string(), a.to_json())).collect();
        json::object([
            ("accounts", Value::Object(accounts)),
            ("contracts", Mtree::from_mpt(&self.contracts).to_json()),
            ("calls", Mtree::from_mpt(&self.calls).to_json()),
        ])
    }

    /// Reads the JSON form of [`OffChainState::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] naming the malformed part.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "state")?;
        let accounts = o
            .req("accounts")?
            .as_object()
            .ok_or(JsonError::NotAnObject { field: "accounts" })?
            .iter()
            .map(|(k, a)| {
                let key =
                    k.parse().map_err(|error| JsonError::Parse { field: "accounts", error })?;
                Ok((key, Account::from_json(a)?))
            })
            .collect::<Result<_, JsonError>>()?;
        Ok(OffChainState {
            accounts,
            contracts: Mtree::from_json(o.req("contracts")?)?.to_mpt(),
            calls: Mtree::from_json(o.req("calls")?)?.to_mpt(),
        })
    }
}
