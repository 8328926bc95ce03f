//! Reviewing transactions that go on chain: deposit, withdraw, closes, slash, settle,
//! snapshot and force progress.

use aesc_codec::id::AccountId;
use aesc_codec::jsonrpc::SignTag;
use aesc_codec::tx::{
    ChannelCloseMutualTx, ChannelCloseSoloTx, ChannelDepositTx, ChannelForceProgressTx,
    ChannelSettleTx, ChannelSlashTx, ChannelSnapshotSoloTx, ChannelWithdrawTx, Payload, SignedTx,
    Update,
};
use aesc_codec::Uint;

use crate::checks;
use crate::params::Role;
use crate::policy::{Change, Proposal};
use crate::view::round_and_hash;

use super::{Next, Refusal, Review};

impl Review<'_> {
    pub(super) fn review_deposit(
        &self,
        d: &ChannelDepositTx,
        from: &AccountId,
        asked: Option<&Uint>,
        tx: &SignedTx,
        tag: SignTag,
    ) -> Result<Next, Refusal> {
        self.channel_id_check(&d.channel_id)?;
        checks::account("from_id", from, &d.from_id)?;
        if let Some(a) = asked {
            checks::amount("amount", a, &d.amount)?;
        }
        checks::round(self.view.round + 1, d.round)?;
        checks::fee(&d.fee, self.fee_cap)?;
        let state = self.state()?;
        let mut next = state.clone();
        next.deposit(&d.from_id, &d.amount).map_err(|_| Refusal::Inapplicable)?;
        checks::state_hash(&next.state_hash(), &d.state_hash)?;
        if asked.is_none() {
            self.peer_signed(tx)?;
            let me = self.view.me;
            let own = state.balance(&me).cloned().unwrap_or_default();
            self.decide(Proposal {
                tag,
                change: Change::Deposit { from: d.from_id, amount: d.amount.clone() },
                round: Some(d.round),
                me,
                own_before: own.clone(),
                own_after: next.balance(&me).cloned(),
                may_reduce_own: false,
                own_fee: Uint::zero(),
            })?;
        }
        Ok(Some((d.round, Some(next))))
    }

    pub(super) fn review_withdraw(
        &self,
        w: &ChannelWithdrawTx,
        to: &AccountId,
        asked: Option<&Uint>,
        tx: &SignedTx,
        tag: SignTag,
    ) -> Result<Next, Refusal> {
        self.channel_id_check(&w.channel_id)?;
        checks::account("to_id", to, &w.to_id)?;
        if let Some(a) = asked {
            checks::amount("amount", a, &w.amount)?;
        }
        checks::round(self.view.round + 1, w.round)?;
        checks::fee(&w.fee, self.fee_cap)?;
        let state = self.state()?;
        let mut next = state.clone();
        next.withdraw(&w.to_id, &w.amount, &self.view.channel_reserve)
            .map_err(|_| Refusal::Inapplicable)?;
        checks::state_hash(&next.state_hash(), &w.state_hash)?;
        if asked.is_none() {
            self.peer_signed(tx)?;
            let me = self.view.me;
            self.decide(Proposal {
                tag,
                change: Change::Withdraw { to: w.to_id, amount: w.amount.clone() },
                round: Some(w.round),
                me,
                own_before: state.balance(&me).cloned().unwrap_or_default(),
                own_after: next.balance(&me).cloned(),
                may_reduce_own: w.to_id == me,
                own_fee: Uint::zero(),
            })?;
        }
        Ok(Some((w.round, Some(next))))
    }

    pub(super) fn review_close(
        &self,
        c: &ChannelCloseMutualTx,
        from: &AccountId,
        tx: &SignedTx,
        tag: SignTag,
    ) -> Result<Next, Refusal> {
        self.channel_id_check(&c.channel_id)?;
        checks::account("from_id", from, &c.from_id)?;
        checks::fee(&c.fee, self.fee_cap)?;
        let (i, r) = self.view.balances().ok_or(Refusal::UnknownState)?;
        let (fi, fr) = checks::close_mutual_finals(&i, &r, &c.fee).ok_or(Refusal::Inapplicable)?;
        checks::amount("initiator_amount_final", &fi, &c.initiator_amount_final)?;
        checks::amount("responder_amount_final", &fr, &c.responder_amount_final)?;
        if tag == SignTag::ShutdownSignAck {
            self.peer_signed(tx)?;
            let (before, after) = match self.view.role {
                Role::Initiator => (i, fi.clone()),
                Role::Responder => (r, fr.clone()),
            };
            let own_fee = before.checked_sub(&after).unwrap_or_default();
            self.decide(Proposal {
                tag,
                change: Change::CloseMutual {
                    initiator_final: fi,
                    responder_final: fr,
                    fee: c.fee.clone(),
                },
                round: None,
                me: self.view.me,
                own_before: before,
                own_after: Some(after),
                may_reduce_own: true,
                own_fee,
            })?;
        }
        Ok(None)
    }

    fn solo_payload(&self, payload: &Payload) -> Result<(), Refusal> {
        if self.latest_on_chain && matches!(payload, Payload::Empty) {
            // This client's snapshot put the latest state on chain: the node refers to it.
            Ok(())
        } else if self.view.latest_is_offchain() {
            checks::payload_is_latest(payload.signed_tx(), self.view.latest.as_ref())
        } else if matches!(payload, Payload::Empty) {
            Ok(())
        } else {
            checks::payload_is_latest(payload.signed_tx(), self.view.latest.as_ref())
        }
    }

    pub(super) fn review_close_solo(&self, c: &ChannelCloseSoloTx) -> Result<Next, Refusal> {
        self.channel_id_check(&c.channel_id)?;
        checks::account("from_id", &self.view.me, &c.from_id)?;
        checks::fee(&c.fee, self.fee_cap)?;
        self.solo_payload(&c.payload)?;
        self.solo_poi(&c.poi)?;
        Ok(None)
    }

    /// The PoI of a solo close or slash proves this client's balances; when the balances of the
    /// latest co-signed state are unknown (the node's trees after a contract update did not
    /// match), it must at least prove that state, so that a lying node cannot block the exit.
    fn solo_poi(&self, poi: &[u8]) -> Result<(), Refusal> {
        let both = [&self.view.initiator, &self.view.responder];
        match &self.view.state {
            Some(state) => checks::poi_matches(poi, state, both),
            None => {
                let latest = self.view.latest.as_ref().ok_or(Refusal::UnknownState)?;
                let (_, hash) =
                    round_and_hash(latest.innermost_tx()).ok_or(Refusal::UnknownState)?;
                checks::poi_proves(poi, &hash, both)
            }
        }
    }

    pub(super) fn review_slash(&self, s: &ChannelSlashTx) -> Result<Next, Refusal> {
        self.channel_id_check(&s.channel_id)?;
        checks::account("from_id", &self.view.me, &s.from_id)?;
        checks::fee(&s.fee, self.fee_cap)?;
        self.solo_payload(&s.payload)?;
        self.solo_poi(&s.poi)?;
        Ok(None)
    }

    pub(super) fn review_settle(&self, s: &ChannelSettleTx) -> Result<Next, Refusal> {
        self.channel_id_check(&s.channel_id)?;
        checks::account("from_id", &self.view.me, &s.from_id)?;
        checks::fee(&s.fee, self.fee_cap)?;
        let (i, r) = self.view.balances().ok_or(Refusal::UnknownState)?;
        checks::amount("initiator_amount_final", &i, &s.initiator_amount_final)?;
        checks::amount("responder_amount_final", &r, &s.responder_amount_final)?;
        Ok(None)
    }

    pub(super) fn review_snapshot(&self, s: &ChannelSnapshotSoloTx) -> Result<Next, Refusal> {
        self.channel_id_check(&s.channel_id)?;
        checks::account("from_id", &self.view.me, &s.from_id)?;
        checks::fee(&s.fee, self.fee_cap)?;
        checks::payload_is_latest(s.payload.signed_tx(), self.view.latest.as_ref())?;
        Ok(None)
    }

    pub(super) fn review_force_progress(
        &self,
        f: &ChannelForceProgressTx,
        asked: &Update,
    ) -> Result<Next, Refusal> {
        self.channel_id_check(&f.channel_id)?;
        checks::account("from_id", &self.view.me, &f.from_id)?;
        checks::fee(&f.fee, self.fee_cap)?;
        checks::round(self.view.round + 1, f.round)?;
        self.solo_payload(&f.payload)?;
        match (asked, &f.update) {
            (
                Update::CallContract {
                    caller,
                    contract,
                    abi_version,
                    amount,
                    gas,
                    gas_price,
                    call_data,
                    call_stack,
                },
                Update::CallContract {
                    caller: c2,
                    contract: k2,
                    abi_version: a2,
                    amount: m2,
                    gas: g2,
                    gas_price: p2,
                    call_data: d2,
                    call_stack: s2,
                },
            ) => {
                let same = caller == c2
                    && contract == k2
                    && abi_version == a2
                    && amount == m2
                    && gas == g2
                    && call_data == d2
                    && call_stack == s2;
                if !same {
                    return Err(Refusal::Updates);
                }
                // The node may raise the gas price to cover the fee; the cost stays capped.
                if p2 < gas_price {
                    return Err(Refusal::Amount {
                        field: "gas_price",
                        expected: gas_price.clone(),
                        found: p2.clone(),
                    });
                }
                checks::fee(&(&Uint::from(*g2) * p2), self.fee_cap)?;
            }
            _ => return Err(Refusal::Updates),
        }
        if let Some(state) = &self.view.state {
            let trees = <aesc_codec::state::StateTrees as aesc_codec::object::Object>::from_rlp(
                &f.offchain_trees,
            )
            .map_err(|_| Refusal::Payload)?;
            checks::state_hash(&state.state_hash(), &trees.state_hash())?;
        }
        Ok(None)
    }
}
