//! The off-chain state of a channel without contracts: the balances of its two participants,
//! with the state hash, proof of inclusion and state trees the node derives from them.

use std::collections::BTreeMap;

use aesc_codec::hash::blake2b_256;
use aesc_codec::id::AccountId;
use aesc_codec::rlp::Encoder;
use aesc_codec::Uint;

/// Why an off-chain update cannot be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UpdateError {
    /// The payer would drop below the channel reserve (1001).
    InsufficientBalance,
    /// From and to are equal or not participants (1003).
    InvalidPubkeys,
}

/// Balances of the participants' off-chain accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ledger {
    balances: BTreeMap<AccountId, Uint>,
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
        let mut balances = BTreeMap::new();
        balances.insert(initiator, initiator_amount.checked_sub(push)?);
        balances.insert(responder, responder_amount + push);
        Some(Ledger { balances })
    }

    /// Builds a ledger from explicit balances.
    pub(crate) fn from_balances(pairs: impl IntoIterator<Item = (AccountId, Uint)>) -> Self {
        Ledger { balances: pairs.into_iter().collect() }
    }

    /// The balance of `account`, if it has an off-chain account.
    pub(crate) fn balance(&self, account: &AccountId) -> Option<&Uint> {
        self.balances.get(account)
    }

    /// Moves `amount` from `from` to `to`.
    pub(crate) fn transfer(
        &mut self,
        from: &AccountId,
        to: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<(), UpdateError> {
        if from == to || !self.balances.contains_key(to) {
            return Err(UpdateError::InvalidPubkeys);
        }
        self.take(from, amount, reserve)?;
        self.give(to, amount);
        Ok(())
    }

    /// Adds `amount` to `account` (deposit).
    pub(crate) fn deposit(&mut self, account: &AccountId, amount: &Uint) -> Result<(), UpdateError> {
        if !self.balances.contains_key(account) {
            return Err(UpdateError::InvalidPubkeys);
        }
        self.give(account, amount);
        Ok(())
    }

    /// Removes `amount` from `account` (withdrawal).
    pub(crate) fn withdraw(
        &mut self,
        account: &AccountId,
        amount: &Uint,
        reserve: &Uint,
    ) -> Result<(), UpdateError> {
        self.take(account, amount, reserve)
    }

    fn take(&mut self, account: &AccountId, amount: &Uint, reserve: &Uint) -> Result<(), UpdateError> {
        let balance = self.balances.get_mut(account).ok_or(UpdateError::InvalidPubkeys)?;
        let left = balance.checked_sub(amount).ok_or(UpdateError::InsufficientBalance)?;
        if &left < reserve {
            return Err(UpdateError::InsufficientBalance);
        }
        *balance = left;
        Ok(())
    }

    fn give(&mut self, account: &AccountId, amount: &Uint) {
        if let Some(b) = self.balances.get_mut(account) {
            *b = &*b + amount;
        }
    }

    /// The accounts, in key order.
    pub(crate) fn accounts(&self) -> Vec<AccountId> {
        self.balances.keys().copied().collect()
    }

    /// The sum of all balances.
    pub(crate) fn total(&self) -> Uint {
        self.balances.values().fold(Uint::zero(), |acc, b| &acc + b)
    }

    fn account_values(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        self.balances
            .iter()
            .map(|(k, balance)| {
                let mut enc = Encoder::new();
                enc.list(|l| {
                    l.uint_u64(10).uint_u64(1).uint_u64(0);
                    balance.encode_rlp(l);
                });
                (k.as_bytes().to_vec(), enc.finish())
            })
            .collect()
    }

    /// The state hash: `blake2b(1 ‖ accounts root ‖ five empty roots)`.
    pub(crate) fn state_hash(&self) -> [u8; 32] {
        let root = Mpt::build(&self.account_values()).root_hash();
        let mut pre = Vec::with_capacity(8 + 6 * 32);
        pre.extend_from_slice(&1u64.to_be_bytes());
        pre.extend_from_slice(&root);
        pre.extend_from_slice(&[0u8; 5 * 32]);
        blake2b_256(&pre)
    }

    /// The serialized proof of inclusion (TreesPoi) of every participant account.
    pub(crate) fn poi(&self) -> Vec<u8> {
        self.poi_of(&self.accounts())
    }

    /// The serialized proof of inclusion of `accounts` (each must have an off-chain account).
    pub(crate) fn poi_of(&self, accounts: &[AccountId]) -> Vec<u8> {
        let mpt = Mpt::build(&self.account_values());
        let paths: Vec<Vec<u8>> = accounts.iter().map(|a| nibbles(a.as_bytes())).collect();
        let mut nodes = Vec::new();
        mpt.collect(&paths, &mut nodes);
        nodes.sort();
        nodes.dedup();
        let mut enc = Encoder::new();
        enc.list(|l| {
            l.uint_u64(60).uint_u64(1);
            l.list(|accounts| {
                accounts.list(|part| {
                    part.bytes(&mpt.root_hash());
                    part.list(|proof| {
                        for (hash, node) in &nodes {
                            proof.list(|entry| {
                                entry.bytes(hash);
                                entry.raw(node);
                            });
                        }
                    });
                });
            });
            for _ in 0..5 {
                l.list(|_| {});
            }
        });
        enc.finish()
    }

    /// The serialized state trees (tag 62): empty contracts, calls, channels, names, oracles,
    /// and the accounts.
    pub(crate) fn trees(&self) -> Vec<u8> {
        let mut values = self.account_values();
        values.sort();
        values.reverse();
        let mut enc = Encoder::new();
        enc.list(|l| {
            l.uint_u64(62).uint_u64(0);
            for tag in [621u64, 622, 623, 624, 625] {
                l.bytes(&wrapped_mtree(tag, &[]));
            }
            l.bytes(&wrapped_mtree(626, &values));
        });
        enc.finish()
    }

    /// The serialized calls tree (`cs_…`) of a channel without contracts.
    pub(crate) fn calls_tree() -> Vec<u8> {
        wrapped_mtree(622, &[])
    }
}

fn wrapped_mtree(tag: u64, values: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut mtree = Encoder::new();
    mtree.list(|l| {
        l.uint_u64(63).uint_u64(1);
        l.list(|vals| {
            for (k, v) in values {
                let mut mv = Encoder::new();
                mv.list(|m| {
                    m.uint_u64(64).uint_u64(1).bytes(k).bytes(v);
                });
                vals.bytes(&mv.finish());
            }
        });
    });
    let mtree = mtree.finish();
    let mut enc = Encoder::new();
    enc.list(|l| {
        l.uint_u64(tag).uint_u64(1).bytes(&mtree);
    });
    enc.finish()
}

/// A Merkle-Patricia tree over keys of equal length, built at once.
enum Mpt {
    Empty,
    Leaf { path: Vec<u8>, value: Vec<u8> },
    Extension { path: Vec<u8>, child: Box<Mpt> },
    Branch { children: Vec<Mpt> },
}

fn nibbles(key: &[u8]) -> Vec<u8> {
    key.iter().flat_map(|b| [b >> 4, b & 0x0f]).collect()
}

fn hex_prefix(path: &[u8], leaf: bool) -> Vec<u8> {
    let flag: u8 = if leaf { 2 } else { 0 };
    let mut out = Vec::with_capacity(path.len() / 2 + 1);
    let rest = if path.len() % 2 == 1 {
        out.push(((flag + 1) << 4) | path.first().copied().unwrap_or(0));
        path.get(1..).unwrap_or_default()
    } else {
        out.push(flag << 4);
        path
    };
    for pair in rest.chunks(2) {
        let hi = pair.first().copied().unwrap_or(0);
        let lo = pair.get(1).copied().unwrap_or(0);
        out.push((hi << 4) | lo);
    }
    out
}

impl Mpt {
    fn build(pairs: &[(Vec<u8>, Vec<u8>)]) -> Mpt {
        let entries: Vec<(Vec<u8>, Vec<u8>)> =
            pairs.iter().map(|(k, v)| (nibbles(k), v.clone())).collect();
        Mpt::from_nibbles(entries)
    }

    fn from_nibbles(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Mpt {
        match entries.as_slice() {
            [] => return Mpt::Empty,
            [(path, value)] => return Mpt::Leaf { path: path.clone(), value: value.clone() },
            _ => {}
        }
        let first = entries.first().map(|(p, _)| p.clone()).unwrap_or_default();
        let common = entries.iter().fold(first.len(), |n, (p, _)| {
            n.min(first.iter().zip(p).take_while(|(a, b)| a == b).count())
        });
        if common > 0 {
            let path = first.get(..common).unwrap_or_default().to_vec();
            let rest = entries
                .into_iter()
                .map(|(p, v)| (p.get(common..).unwrap_or_default().to_vec(), v))
                .collect();
            return Mpt::Extension { path, child: Box::new(Mpt::from_nibbles(rest)) };
        }
        let mut groups: Vec<Vec<(Vec<u8>, Vec<u8>)>> = (0..16).map(|_| Vec::new()).collect();
        for (p, v) in entries {
            if let Some((n, rest)) = p.split_first() {
                if let Some(g) = groups.get_mut(usize::from(*n)) {
                    g.push((rest.to_vec(), v));
                }
            }
        }
        Mpt::Branch { children: groups.into_iter().map(Mpt::from_nibbles).collect() }
    }

    /// The node's RLP (not meaningful for `Empty`).
    fn rlp(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        match self {
            Mpt::Empty => {
                enc.bytes(&[]);
            }
            Mpt::Leaf { path, value } => {
                enc.list(|l| {
                    l.bytes(&hex_prefix(path, true)).bytes(value);
                });
            }
            Mpt::Extension { path, child } => {
                enc.list(|l| {
                    l.bytes(&hex_prefix(path, false)).bytes(&blake2b_256(&child.rlp()));
                });
            }
            Mpt::Branch { children } => {
                enc.list(|l| {
                    for c in children {
                        l.bytes(&c.reference());
                    }
                    l.bytes(&[]);
                });
            }
        }
        enc.finish()
    }

    /// How a parent refers to this node: nothing, the RLP itself when short, else its hash.
    fn reference(&self) -> Vec<u8> {
        if matches!(self, Mpt::Empty) {
            return Vec::new();
        }
        let r = self.rlp();
        if r.len() < 32 {
            r
        } else {
            blake2b_256(&r).to_vec()
        }
    }

    fn root_hash(&self) -> [u8; 32] {
        match self {
            Mpt::Empty => [0; 32],
            _ => blake2b_256(&self.rlp()),
        }
    }

    /// The nodes on the way to `paths` that are referred to by hash (and the root), as
    /// `(hash, rlp)`.
    fn collect(&self, paths: &[Vec<u8>], out: &mut Vec<([u8; 32], Vec<u8>)>) {
        if matches!(self, Mpt::Empty) || paths.is_empty() {
            return;
        }
        let r = self.rlp();
        out.push((blake2b_256(&r), r));
        match self {
            Mpt::Extension { path, child } => {
                let rest: Vec<Vec<u8>> = paths
                    .iter()
                    .filter_map(|p| p.strip_prefix(path.as_slice()).map(<[u8]>::to_vec))
                    .collect();
                child.collect(&rest, out);
            }
            Mpt::Branch { children } => {
                for (n, c) in children.iter().enumerate() {
                    let rest: Vec<Vec<u8>> = paths
                        .iter()
                        .filter_map(|p| match p.split_first() {
                            Some((first, rest)) if usize::from(*first) == n => Some(rest.to_vec()),
                            _ => None,
                        })
                        .collect();
                    if c.rlp().len() >= 32 {
                        c.collect(&rest, out);
                    }
                }
            }
            Mpt::Empty | Mpt::Leaf { .. } => {}
        }
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
    fn reserve_is_kept() {
        let i = AccountId([1; 32]);
        let r = AccountId([2; 32]);
        let mut l = Ledger::from_balances([(i, Uint::from(10u64)), (r, Uint::from(10u64))]);
        let two = Uint::from(2u64);
        assert_eq!(l.transfer(&i, &r, &Uint::from(9u64), &two), Err(UpdateError::InsufficientBalance));
        assert_eq!(l.transfer(&i, &i, &Uint::from(1u64), &two), Err(UpdateError::InvalidPubkeys));
        l.transfer(&i, &r, &Uint::from(8u64), &two).unwrap();
        assert_eq!(l.balance(&r), Some(&Uint::from(18u64)));
        assert_eq!(l.total(), Uint::from(20u64));
    }
}
