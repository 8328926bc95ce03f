//! Replay of every co-signed state of a session.
//!
//! Per channel, the state is followed from a known base through every co-signed state the
//! recording shows, in the order the node reports them:
//!
//! * bases: the initial state of the channel's create tx (checked against the create tx by
//!   `check_initial_states`), the trees of a `get.offchain_state` reply (checked against its
//!   `signed_tx`), or the state a session of the same group (the directory of an
//!   `init_per_group.md`) left at the previous round;
//! * co-signed states: the `state` of `channels.update` and `channels.leave`, the `tx` of
//!   `channels.on_chain_tx` and the `signed_tx` of a `get.offchain_state` reply, all sent by
//!   the node. Proposals (`channels.sign.*` requests, with their `updates`) advance nothing:
//!   their updates are used once a co-signed tx of the same round and state hash shows up
//!   (aborted and conflicting proposals never do);
//! * a co-signed state of round `r` whose predecessor (round `r − 1`) is known is replayed:
//!   its updates (from the tx itself for deposit, withdraw and version-1 off-chain txs, from
//!   the sign requests of the same round and state hash otherwise; every list shown must
//!   agree) are applied with the codec, with the channel reserve of the create tx (0 when the
//!   session does not show it), and the state hash must be the tx's. Everything else is
//!   skipped with its reason, and the channel is followed again only from the next base.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::{ChannelId, StateHash};
use aesc_codec::object::Object;
use aesc_codec::state::{OffChainState, StateTrees};
use aesc_codec::tx::{SignedTx, Tx, Update};
use aesc_codec::Uint;
use aesc_testkit::recording::{Direction, Recording};
use serde_json::Value;

use super::{objects_with, Counts, Misses};

/// Why a co-signed state (or a proposal) was not replayed.
mod skip {
    pub const NO_BASE: &str = "no base state (channel opened outside the session)";
    pub const NO_INITIAL: &str = "initial state not recomputed";
    pub const AFTER_SKIP: &str = "follows a state that was not followed";
    pub const ROUND_GAP: &str = "round gap (intermediate states not recorded)";
    pub const OLDER: &str = "older round than the followed state";
    pub const UPDATES_NOT_SHOWN: &str = "updates not shown (no sign request)";
    pub const CONTRACT: &str = "contract create/call update";
    pub const FORCE_PROGRESS: &str = "force progress";
    pub const NOT_COSIGNED: &str = "proposal never co-signed (abort/conflict)";
}

/// The followed states of the sessions of each group, by group, channel and round: the
/// sessions that continue a channel start from them.
#[derive(Debug, Default)]
pub struct Groups(HashMap<(PathBuf, ChannelId, u64), Known>);

impl Groups {
    /// The group of `path`: the nearest directory (its own or the one above) holding an
    /// `init_per_group.md`, as for the group participants of the recording reader.
    fn group_of(path: &Path) -> Option<PathBuf> {
        path.ancestors()
            .skip(1)
            .take(2)
            .find(|d| d.join("init_per_group.md").is_file())
            .map(Path::to_owned)
    }
}

/// A followed state with its hash and the reserve of its channel.
#[derive(Debug, Clone)]
struct Known {
    hash: StateHash,
    state: OffChainState,
    reserve: Option<Uint>,
}

/// The latest co-signed state of a channel.
#[derive(Debug)]
struct Tip {
    round: u64,
    hash: StateHash,
    /// `None` when the state could not be followed.
    state: Option<OffChainState>,
}

/// What the replay knows of a channel.
#[derive(Debug, Default)]
struct Channel {
    tip: Option<Tip>,
    reserve: Option<Uint>,
    /// Co-signed state hashes by round.
    rounds: BTreeMap<u64, StateHash>,
    /// The update lists of the sign requests, by the round and state hash they propose (a
    /// state hash alone is ambiguous: transfers back and forth repeat states).
    proposals: HashMap<(u64, StateHash), Vec<Vec<Update>>>,
}

/// What a state-bearing transaction is.
pub(crate) enum Kind {
    Create,
    Updates(Option<Vec<Update>>),
    ForceProgress,
}

/// The channel, round, state hash and kind of a transaction that establishes a state.
pub(crate) fn state_of(tx: &Tx) -> Option<(ChannelId, u64, StateHash, Kind)> {
    Some(match tx {
        Tx::ChannelCreate(t) => (t.channel_id(), 1, t.state_hash, Kind::Create),
        Tx::ChannelOffChain(t) => {
            (t.channel_id, t.round, t.state_hash, Kind::Updates(t.updates.clone()))
        }
        Tx::ChannelDeposit(t) => {
            let u = Update::Deposit { from: t.from_id, amount: t.amount.clone() };
            (t.channel_id, t.round, t.state_hash, Kind::Updates(Some(vec![u])))
        }
        Tx::ChannelWithdraw(t) => {
            let u = Update::Withdraw { to: t.to_id, amount: t.amount.clone() };
            (t.channel_id, t.round, t.state_hash, Kind::Updates(Some(vec![u])))
        }
        Tx::ChannelForceProgress(t) => (t.channel_id, t.round, t.state_hash, Kind::ForceProgress),
        _ => return None,
    })
}

/// The replay of one session.
struct Session<'a> {
    name: &'a str,
    group: Option<PathBuf>,
    initial: &'a HashMap<ChannelId, (OffChainState, Uint)>,
    groups: &'a mut Groups,
    channels: HashMap<ChannelId, Channel>,
    counts: &'a mut Counts,
    misses: &'a mut Misses,
}

impl Session<'_> {
    fn skip(&mut self, why: &'static str) {
        *self.counts.replay_skips.entry(why).or_default() += 1;
    }

    fn base(&mut self, how: &'static str) {
        *self.counts.replay_bases.entry(how).or_default() += 1;
    }

    fn channel(&mut self, id: ChannelId) -> &mut Channel {
        let reserve = self.initial.get(&id).map(|(_, r)| r.clone());
        self.channels.entry(id).or_insert_with(|| Channel { reserve, ..Channel::default() })
    }

    /// A `channels.sign.*` request: remembers its updates under the state it proposes.
    fn proposal(&mut self, data: &Value) {
        let Some(tx) = data["signed_tx"].as_str().and_then(|s| SignedTx::from_api_str(s).ok())
        else {
            return;
        };
        let Some((id, round, hash, kind)) = state_of(tx.innermost_tx()) else { return };
        if matches!(kind, Kind::Create) {
            return;
        }
        let mut updates = Vec::new();
        for u in data["updates"].as_array().into_iter().flatten() {
            match Update::from_json(u) {
                Ok(u) => updates.push(u),
                Err(e) => {
                    let what = format!("update {u} of a sign request does not decode: {e}");
                    return self.misses.add(self.name, what);
                }
            }
        }
        let lists = self.channel(id).proposals.entry((round, hash)).or_default();
        if !lists.contains(&updates) {
            lists.push(updates);
        }
    }

    /// A co-signed state reported by the node, with the trees of a `get.offchain_state` reply.
    fn cosigned(&mut self, text: &str, trees: Option<&str>) {
        let Ok(signed) = SignedTx::from_api_str(text) else { return };
        let Some((id, round, hash, kind)) = state_of(signed.innermost_tx()) else { return };
        self.follow(id, round, hash, kind);
        let Some(trees) = trees else { return };
        let trees = encoding::decode_as(Prefix::StateTrees, trees)
            .ok()
            .and_then(|b| StateTrees::from_rlp(&b).ok())
            .and_then(|t| OffChainState::from_trees(&t).ok());
        let channel = self.channel(id);
        let rebase = match (&mut channel.tip, trees) {
            (Some(tip), Some(state))
                if tip.round == round && tip.hash == hash && tip.state.is_none() =>
            {
                tip.state = Some(state);
                true
            }
            _ => false,
        };
        if rebase {
            self.base("get.offchain_state trees");
            self.remember(id);
        }
    }

    /// A co-signed state: replayed from the previous round's state when both it and the
    /// updates of the round are known, skipped with its reason otherwise.
    fn follow(&mut self, id: ChannelId, round: u64, hash: StateHash, kind: Kind) {
        let channel = self.channel(id);
        match channel.rounds.get(&round) {
            None => _ = channel.rounds.insert(round, hash),
            Some(h) if *h == hash => return,
            Some(h) => {
                let what =
                    format!("channel {id}: two co-signed states of round {round}: {h}, {hash}");
                return self.misses.add(self.name, what);
            }
        }
        let updates = match kind {
            Kind::Create => return self.start(id, round, hash),
            Kind::ForceProgress => Err(skip::FORCE_PROGRESS),
            Kind::Updates(own) => {
                let mut lists = channel.proposals.get(&(round, hash)).cloned().unwrap_or_default();
                if let Some(own) = own.filter(|own| !lists.contains(own)) {
                    lists.insert(0, own);
                }
                let contract = |u: &Update| {
                    matches!(u, Update::CreateContract { .. } | Update::CallContract { .. })
                };
                if lists.iter().flatten().any(contract) {
                    Err(skip::CONTRACT)
                } else {
                    Ok(lists)
                }
            }
        };
        if channel.tip.is_none() {
            self.continue_group(id, round);
        }
        let channel = self.channel(id);
        let base = match &channel.tip {
            Some(t) if round <= t.round => return self.skip(skip::OLDER),
            None => Err(skip::NO_BASE),
            Some(t) if round > t.round + 1 => Err(skip::ROUND_GAP),
            Some(Tip { state: None, .. }) => Err(skip::AFTER_SKIP),
            Some(Tip { state: Some(s), .. }) => Ok(s.clone()),
        };
        let (base, lists) = match (base, updates) {
            (_, Err(why)) | (Err(why), _) => return self.unfollowed(id, round, hash, why),
            (Ok(_), Ok(lists)) if lists.is_empty() => {
                return self.unfollowed(id, round, hash, skip::UPDATES_NOT_SHOWN)
            }
            (Ok(base), Ok(lists)) => (base, lists),
        };
        let reserve = channel.reserve.clone().unwrap_or_else(Uint::zero);
        // Every update list proposed for this state must lead to it.
        let mut next = None;
        for updates in &lists {
            let mut state = base.clone();
            match state.apply_all(updates, &reserve) {
                Err((i, e)) => {
                    let what = format!(
                        "channel {id} round {round}: update {i} of {updates:?} does not apply \
                         (reserve {reserve}): {e}"
                    );
                    self.misses.add(self.name, what);
                }
                Ok(()) if state.state_hash() != hash => {
                    let what = format!(
                        "channel {id} round {round}: replaying {updates:?} gives state hash {}, \
                         the co-signed tx has {hash}",
                        state.state_hash()
                    );
                    self.misses.add(self.name, what);
                }
                Ok(()) => next = Some(state),
            }
        }
        let replayed = next.is_some();
        self.channel(id).tip = Some(Tip { round, hash, state: next });
        if replayed {
            self.counts.states_replayed += 1;
            self.remember(id);
        }
    }

    /// The co-signed create tx: the channel starts from its recomputed initial state.
    fn start(&mut self, id: ChannelId, round: u64, hash: StateHash) {
        if self.channel(id).tip.is_some() {
            return self.skip(skip::OLDER);
        }
        let state = self.initial.get(&id).map(|(s, _)| s.clone());
        let known = state.is_some();
        self.channel(id).tip = Some(Tip { round, hash, state });
        if known {
            self.base("initial state");
            self.remember(id);
        } else {
            self.skip(skip::NO_INITIAL);
        }
    }

    /// A channel the session did not open, first seen at `round`: starts from the state an
    /// earlier session of the group left at the round before, if any.
    fn continue_group(&mut self, id: ChannelId, round: u64) {
        let Some(group) = self.group.clone() else { return };
        let Some(k) = round.checked_sub(1).and_then(|r| self.groups.0.get(&(group, id, r))) else {
            return;
        };
        let k = k.clone();
        let channel = self.channel(id);
        channel.reserve = channel.reserve.take().or(k.reserve);
        channel.tip = Some(Tip { round: round - 1, hash: k.hash, state: Some(k.state) });
        self.base("state of an earlier session of the group");
    }

    /// A state that is not followed: later states are skipped until a new base.
    fn unfollowed(&mut self, id: ChannelId, round: u64, hash: StateHash, why: &'static str) {
        self.channel(id).tip = Some(Tip { round, hash, state: None });
        self.skip(why);
    }

    /// Offers the followed state of channel `id` to the later sessions of the group.
    fn remember(&mut self, id: ChannelId) {
        let Some(group) = self.group.clone() else { return };
        let Some(channel) = self.channels.get(&id) else { return };
        if let Some(Tip { round, hash, state: Some(state) }) = &channel.tip {
            let known =
                Known { hash: *hash, state: state.clone(), reserve: channel.reserve.clone() };
            self.groups.0.insert((group, id, *round), known);
        }
    }

    /// Counts the proposals that never got co-signed.
    fn finish(self) {
        let never: usize = (self.channels.values())
            .map(|c| c.proposals.keys().filter(|(r, h)| c.rounds.get(r) != Some(h)).count())
            .sum();
        if never > 0 {
            *self.counts.replay_skips.entry(skip::NOT_COSIGNED).or_default() += never;
        }
    }
}

/// Replays the co-signed states of `rec` (see the module documentation). `initial` holds the
/// recomputed initial state and the reserve of every channel created in the session.
pub fn replay(
    path: &Path,
    rec: &Recording,
    initial: &HashMap<ChannelId, (OffChainState, Uint)>,
    groups: &mut Groups,
    counts: &mut Counts,
    misses: &mut Misses,
) {
    let name = path.display().to_string();
    let mut session = Session {
        name: &name,
        group: Groups::group_of(path),
        initial,
        groups,
        channels: HashMap::new(),
        counts,
        misses,
    };
    for (_, direction, json) in rec.frames() {
        if direction != Direction::FromNode {
            continue;
        }
        let data = &json["params"]["data"];
        match json.get("method").and_then(Value::as_str).unwrap_or("") {
            m if m.starts_with("channels.sign.") => session.proposal(data),
            "channels.update" | "channels.leave" => {
                data["state"].as_str().into_iter().for_each(|s| session.cosigned(s, None));
            }
            "channels.on_chain_tx" => {
                data["tx"].as_str().into_iter().for_each(|s| session.cosigned(s, None));
            }
            _ => {
                let mut found = Vec::new();
                objects_with(json, &["trees", "signed_tx"], &mut found);
                for o in found {
                    if let (Some(tx), Some(trees)) = (o["signed_tx"].as_str(), o["trees"].as_str())
                    {
                        session.cosigned(tx, Some(trees));
                    }
                }
            }
        }
    }
    session.finish();
}
