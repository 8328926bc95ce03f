//! StateTrees (tag 62, `ss_`), the subtree wrappers 621..626, and the state hash.

use serde_json::Value;

use super::json::{self, JsonError, Obj};
use super::mtree::Mtree;
use super::nested;
use crate::hash::blake2b_256_parts;
use crate::id::StateHash;
use crate::object::{fields, unsupported, Object};
use crate::rlp::{DecodeError, Encoder, Item};

macro_rules! subtree {
    ($(#[$doc:meta])* $name:ident, $tag:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub Mtree);

        impl Object for $name {
            const TAG: u32 = $tag;

            fn version(&self) -> u32 {
                1
            }

            fn encode_fields(&self, enc: &mut Encoder) {
                nested::encode(&self.0, enc);
            }

            fn decode_fields(
                version: u32,
                items: &[Item<'_>],
                at: usize,
            ) -> Result<Self, DecodeError> {
                if version != 1 {
                    return Err(unsupported(Self::TAG, version, at));
                }
                let [mtree] = fields::<1>(items, at)?;
                nested::decode(mtree).map($name)
            }
        }
    };
}

subtree!(
    /// The contracts subtree (tag 621): contract objects and their stores.
    ContractsTree, 621
);
subtree!(
    /// The calls subtree (tag 622): call results under `contract ‖ call_id`; alone it is the
    /// call-state tree (`cs_`).
    CallsTree, 622
);
subtree!(
    /// The channels subtree (tag 623); empty off-chain.
    ChannelsTree, 623
);
subtree!(
    /// The name-service subtree (tag 624); empty off-chain.
    NsTree, 624
);
subtree!(
    /// The oracles subtree (tag 625); empty off-chain.
    OraclesTree, 625
);
subtree!(
    /// The accounts subtree (tag 626): accounts under their 32-byte public keys.
    AccountsTree, 626
);

/// A full state: six subtrees (tag 62, version 0, API prefix `ss_`).
///
/// Serialized in the order contracts, calls, channels, ns, oracles, accounts, each field a
/// byte string holding the subtree's wrapper object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct StateTrees {
    /// Contracts (621).
    pub contracts: ContractsTree,
    /// Calls (622).
    pub calls: CallsTree,
    /// Channels (623).
    pub channels: ChannelsTree,
    /// Name service (624).
    pub ns: NsTree,
    /// Oracles (625).
    pub oracles: OraclesTree,
    /// Accounts (626).
    pub accounts: AccountsTree,
}

impl Object for StateTrees {
    const TAG: u32 = 62;

    fn version(&self) -> u32 {
        0
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        nested::encode(&self.contracts, enc);
        nested::encode(&self.calls, enc);
        nested::encode(&self.channels, enc);
        nested::encode(&self.ns, enc);
        nested::encode(&self.oracles, enc);
        nested::encode(&self.accounts, enc);
    }

    fn decode_fields(version: u32, items: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        if version != 0 {
            return Err(unsupported(Self::TAG, version, at));
        }
        let [contracts, calls, channels, ns, oracles, accounts] = fields::<6>(items, at)?;
        Ok(StateTrees {
            contracts: nested::decode(contracts)?,
            calls: nested::decode(calls)?,
            channels: nested::decode(channels)?,
            ns: nested::decode(ns)?,
            oracles: nested::decode(oracles)?,
            accounts: nested::decode(accounts)?,
        })
    }
}

/// The root hashes of the six subtrees of a state; `None` for an empty subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SubtreeRoots {
    /// Accounts root.
    pub accounts: Option<[u8; 32]>,
    /// Calls root.
    pub calls: Option<[u8; 32]>,
    /// Channels root.
    pub channels: Option<[u8; 32]>,
    /// Contracts root.
    pub contracts: Option<[u8; 32]>,
    /// Name-service root.
    pub ns: Option<[u8; 32]>,
    /// Oracles root.
    pub oracles: Option<[u8; 32]>,
}

/// The state hash over subtree roots (`aec_trees:hash`):
/// `blake2b(u64_be(1) ‖ accounts ‖ calls ‖ channels ‖ contracts ‖ ns ‖ oracles)`, with 32
/// zero bytes for an empty subtree.
pub fn state_hash(roots: &SubtreeRoots) -> StateHash {
    const VERSION: [u8; 8] = 1u64.to_be_bytes();
    let r = |h: &Option<[u8; 32]>| h.unwrap_or([0; 32]);
    let parts = [
        r(&roots.accounts),
        r(&roots.calls),
        r(&roots.channels),
        r(&roots.contracts),
        r(&roots.ns),
        r(&roots.oracles),
    ];
    let mut all: Vec<&[u8]> = vec![&VERSION];
    all.extend(parts.iter().map(|p| p.as_slice()));
    StateHash(blake2b_256_parts(&all))
}

impl StateTrees {
    /// The root hashes of the six subtrees.
    pub fn roots(&self) -> SubtreeRoots {
        SubtreeRoots {
            accounts: self.accounts.0.root_hash(),
            calls: self.calls.0.root_hash(),
            channels: self.channels.0.root_hash(),
            contracts: self.contracts.0.root_hash(),
            ns: self.ns.0.root_hash(),
            oracles: self.oracles.0.root_hash(),
        }
    }

    /// The state hash (§3.11), as co-signed in channel transactions.
    pub fn state_hash(&self) -> StateHash {
        state_hash(&self.roots())
    }

    /// The JSON form: `{"contracts", "calls", "channels", "ns", "oracles", "accounts"}`, each
    /// the JSON form of its [`Mtree`].
    pub fn to_json(&self) -> Value {
        json::object([
            ("contracts", self.contracts.0.to_json()),
            ("calls", self.calls.0.to_json()),
            ("channels", self.channels.0.to_json()),
            ("ns", self.ns.0.to_json()),
            ("oracles", self.oracles.0.to_json()),
            ("accounts", self.accounts.0.to_json()),
        ])
    }

    /// Reads the JSON form of [`StateTrees::to_json`].
    ///
    /// # Errors
    /// A [`JsonError`] for a missing or malformed subtree.
    pub fn from_json(v: &Value) -> Result<Self, JsonError> {
        let o = Obj::new(v, "trees")?;
        Ok(StateTrees {
            contracts: ContractsTree(Mtree::from_json(o.req("contracts")?)?),
            calls: CallsTree(Mtree::from_json(o.req("calls")?)?),
            channels: ChannelsTree(Mtree::from_json(o.req("channels")?)?),
            ns: NsTree(Mtree::from_json(o.req("ns")?)?),
            oracles: OraclesTree(Mtree::from_json(o.req("oracles")?)?),
            accounts: AccountsTree(Mtree::from_json(o.req("accounts")?)?),
        })
    }
}
