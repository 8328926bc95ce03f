//! The off-chain state of a channel without contracts, on top of the codec's
//! [`OffChainState`]: balances of the two participants and the state hash, proof of
//! inclusion and state trees the node derives from them.

use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::state::{ApplyError, CallsTree, OffChainState};
use aesc_codec::Uint;

/// Why an off-chain update cannot be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpdateError {
    /// The payer would drop below the channel reserve (1001).
    InsufficientBalance,
    /// From and to are equal or not participants (1003).
    InvalidPubkeys,
}

impl From<ApplyError> for UpdateError {
    fn from(e: ApplyError) -> Self {
        match e {
            ApplyError::InsufficientBalance { .. } => UpdateError::InsufficientBalance,
            _ => UpdateError::InvalidPubkeys,
        }
    }
}

/// Balances of the participants' off-chain accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ledger {
    state: OffChainState,
}

impl Ledger {
    /// The initial state: the create tx's amounts with `push` moved to the responder.
    pub(crate) fn initial(
        initiator: AccountId,
        initiator_amount: &Uint,
        responder: AccountId,
        responder_amount: &Uint,
        push: &Uint,
    ) -> Option<Self> {
        OffChainState::initial(
            initiator,
            initiator_amount.clone(),
            responder,
            responder_amount.clone(),
            push.clone(),
        )
        .ok()
        .map(|state| Ledger { state })
    }

    /// The balance of `account`, if it has an off-chain account.
    pub(crate) fn balance(&self, account: &AccountId) -> Option<&Uint> {
        self.state.balance(account)
    }

    /// Moves `amount` from `from` to `to`; `from` keeps at least `reserve`.
    pub(crate) fn transfer(
        &mut self,
        from: &AccountId,
        to: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<(), UpdateError> {
        Ok(self.state.transfer(from, to, amount, reserve)?)
    }

    /// Adds `amount` to `account` (deposit).
    pub(crate) fn deposit(&mut self, account: &AccountId, amount: &Uint) -> Result<(), UpdateError> {
        Ok(self.state.deposit(account, amount)?)
    }

    /// Removes `amount` from `account` (withdrawal), which keeps at least `reserve`.
    pub(crate) fn withdraw(
        &mut self,
        account: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<(), UpdateError> {
        Ok(self.state.withdraw(account, amount, reserve)?)
    }

    /// The participants, in key order.
    pub(crate) fn accounts(&self) -> Vec<AccountId> {
        self.state.participants().copied().collect()
    }

    /// The state hash.
    pub(crate) fn state_hash(&self) -> [u8; 32] {
        self.state.state_hash().0
    }

    /// The serialized proof of inclusion (TreesPoi) of every participant account.
    pub(crate) fn poi(&self) -> Vec<u8> {
        self.poi_of(&self.accounts())
    }

    /// The serialized proof of inclusion of `accounts` (each must have an off-chain account;
    /// unknown ones are left out).
    pub(crate) fn poi_of(&self, accounts: &[AccountId]) -> Vec<u8> {
        let known: Vec<AccountId> =
            accounts.iter().filter(|a| self.state.balance(a).is_some()).copied().collect();
        self.state.poi(&known).map(|p| p.to_rlp()).unwrap_or_default()
    }

    /// The serialized state trees (tag 62).
    pub(crate) fn trees(&self) -> Vec<u8> {
        self.state.to_trees().to_rlp()
    }

    /// The serialized calls tree (`cs_…`) of a channel without contracts.
    pub(crate) fn calls_tree() -> Vec<u8> {
        CallsTree::default().to_rlp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Protocol §9: the initial state of the verified open has this state hash.
    #[test]
    fn initial_state_hash_vector() {
        let i: AccountId = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C".parse().unwrap();
        let r: AccountId = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt".parse().unwrap();
        let ledger = Ledger::initial(
            i,
            &Uint::from(70_000_000_000_000u64),
            r,
            &Uint::from(40_000_000_000_000u64),
            &Uint::from(1u64),
        )
        .unwrap();
        let hex: String = ledger.state_hash().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "64ff081cd36c4f1698a7f19a906cba3135e6f0c9ce9e03e479ba8c2e09f5b846");
    }

    #[test]
    fn calls_tree_matches_the_node() {
        let cs = aesc_codec::encoding::encode(aesc_codec::encoding::Prefix::CallStateTree, &Ledger::calls_tree());
        assert_eq!(cs, "cs_yYICbgGEwz8BwHtqgWY=");
    }

    #[test]
    fn reserve_is_kept() {
        let i = AccountId([1; 32]);
        let r = AccountId([2; 32]);
        let ten = Uint::from(10u64);
        let mut l = Ledger::initial(i, &ten, r, &ten, &Uint::zero()).unwrap();
        let two = Uint::from(2u64);
        assert_eq!(l.transfer(&i, &r, &Uint::from(9u64), &two), Err(UpdateError::InsufficientBalance));
        assert_eq!(l.transfer(&i, &i, &Uint::from(1u64), &two), Err(UpdateError::InvalidPubkeys));
        l.transfer(&i, &r, &Uint::from(8u64), &two).unwrap();
        assert_eq!(l.balance(&r), Some(&Uint::from(18u64)));
    }
}
