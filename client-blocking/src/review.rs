//! Reviewing one sign request against what the user asked for (own operations) or what the
//! signing policy accepts (the other party's proposals).

use aesc_codec::id::AccountId;
use aesc_codec::jsonrpc::{SignRequest, SignTag, TxOptions};
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{
    ChannelCloseMutualTx, ChannelCloseSoloTx, ChannelCreateTx, ChannelDepositTx,
    ChannelForceProgressTx, ChannelOffChainTx, ChannelSettleTx, ChannelSlashTx,
    ChannelSnapshotSoloTx, ChannelWithdrawTx, Delegates, Payload, SignedTx, Tx, Update,
};
use aesc_codec::Uint;

use crate::checks;
use crate::params::Role;
use crate::policy::{Change, Decision, Proposal, Refusal};
use crate::session::{OpKind, Session};
use crate::view::round_and_hash;

/// A request that may be signed: the transaction, and the state it leads to.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) tx: SignedTx,
    pub(crate) next: Option<(u64, Option<OffChainState>)>,
}

/// The fee and nonce the user asked for, when they did.
fn options(opts: &TxOptions, fee: &Uint, nonce: u64) -> Result<(), Refusal> {
    if let Some(f) = &opts.fee {
        checks::amount("fee", f, fee)?;
    }
    if let Some(n) = opts.nonce {
        checks::value("nonce", n, nonce)?;
    }
    Ok(())
}

impl Session {
    /// Checks a sign request; the plan is what to sign, the refusal why not.
    pub(crate) fn review(&self, req: &SignRequest) -> Result<Plan, Refusal> {
        let tag = req.tag;
        let bytes = req.signed_tx.to_bytes().map_err(|_| Refusal::Malformed)?;
        let tx = checks::decode(&bytes, tag)?;
        let op = self.current_op();
        let next = match (tag, &tx.tx) {
            (SignTag::InitiatorSign | SignTag::ResponderSign, Tx::ChannelCreate(c)) => {
                self.review_create(tag, c, &tx)?
            }
            (SignTag::Update, Tx::ChannelOffChain(o)) => match op {
                Some(OpKind::Update(expected)) => self.review_own_update(o, expected, req)?,
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::UpdateAck, Tx::ChannelOffChain(o)) => self.review_peer_update(o, req, &tx)?,
            (SignTag::DepositTx, Tx::ChannelDeposit(d)) => match op {
                Some(OpKind::Deposit(amount, opts)) => {
                    options(opts, &d.fee, d.nonce)?;
                    self.review_deposit(d, &self.view.me, Some(amount), &tx, tag)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::DepositAck, Tx::ChannelDeposit(d)) => {
                self.review_deposit(d, &self.view.peer(), None, &tx, tag)?
            }
            (SignTag::WithdrawTx, Tx::ChannelWithdraw(w)) => match op {
                Some(OpKind::Withdraw(amount, opts)) => {
                    options(opts, &w.fee, w.nonce)?;
                    self.review_withdraw(w, &self.view.me, Some(amount), &tx, tag)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::WithdrawAck, Tx::ChannelWithdraw(w)) => {
                self.review_withdraw(w, &self.view.peer(), None, &tx, tag)?
            }
            (SignTag::ShutdownSign, Tx::ChannelCloseMutual(c)) => match op {
                Some(OpKind::Shutdown(opts)) => {
                    options(opts, &c.fee, c.nonce)?;
                    self.review_close(c, &self.view.me, &tx, tag)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::ShutdownSignAck, Tx::ChannelCloseMutual(c)) => {
                self.review_close(c, &self.view.peer(), &tx, tag)?
            }
            (SignTag::CloseSoloSign, Tx::ChannelCloseSolo(c)) => match op {
                Some(OpKind::CloseSolo(opts)) => {
                    options(opts, &c.fee, c.nonce)?;
                    self.review_close_solo(c)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::SlashTx, Tx::ChannelSlash(s)) => match op {
                Some(OpKind::Slash(opts)) => {
                    options(opts, &s.fee, s.nonce)?;
                    self.review_slash(s)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::SettleSign, Tx::ChannelSettle(s)) => match op {
                Some(OpKind::Settle(opts)) => {
                    options(opts, &s.fee, s.nonce)?;
                    self.review_settle(s)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::SnapshotSoloTx, Tx::ChannelSnapshotSolo(s)) => match op {
                Some(OpKind::Snapshot(opts)) => {
                    options(opts, &s.fee, s.nonce)?;
                    self.review_snapshot(s)?
                }
                _ => return Err(Refusal::Unrequested { tag }),
            },
            (SignTag::ForceProgressTx, Tx::ChannelForceProgress(f)) => match op {
                Some(OpKind::ForceProgress(call)) => self.review_force_progress(f, call)?,
                _ => return Err(Refusal::Unrequested { tag }),
            },
            // `checks::decode` already matched the kind to the tag.
            _ => return Err(Refusal::Malformed),
        };
        Ok(Plan { tx, next })
    }

    fn state(&self) -> Result<&OffChainState, Refusal> {
        self.view.state.as_ref().ok_or(Refusal::UnknownState)
    }

    fn channel_id_check(&self, found: &aesc_codec::id::ChannelId) -> Result<(), Refusal> {
        let expected = self.view.channel_id.ok_or(Refusal::UnknownState)?;
        checks::channel(&expected, found)
    }

    fn peer_signed(&self, tx: &SignedTx) -> Result<(), Refusal> {
        let peer = self.view.peer();
        let parties = [self.view.initiator, self.view.responder];
        if !checks::signed_by(tx, self.network(), &peer)
            || !checks::only_valid_signatures(tx, self.network(), &parties)
        {
            return Err(Refusal::PeerSignature);
        }
        Ok(())
    }

    fn decide(&self, proposal: Proposal) -> Result<(), Refusal> {
        match self.policy().review(&proposal) {
            Decision::Accept => Ok(()),
            Decision::Refuse(r) => Err(Refusal::Policy(r)),
        }
    }

    fn review_create(
        &self,
        tag: SignTag,
        c: &ChannelCreateTx,
        tx: &SignedTx,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        let Some(OpKind::Open(terms)) = self.current_op() else {
            return Err(Refusal::Unrequested { tag });
        };
        let my_tag = match self.view.role {
            Role::Initiator => SignTag::InitiatorSign,
            Role::Responder => SignTag::ResponderSign,
        };
        if tag != my_tag {
            return Err(Refusal::Unrequested { tag });
        }
        checks::account("initiator_id", &self.view.initiator, &c.initiator_id)?;
        checks::account("responder_id", &self.view.responder, &c.responder_id)?;
        checks::amount("initiator_amount", &terms.initiator_amount, &c.initiator_amount)?;
        checks::amount("responder_amount", &terms.responder_amount, &c.responder_amount)?;
        checks::amount("channel_reserve", &terms.channel_reserve, &c.channel_reserve)?;
        checks::value("lock_period", terms.lock_period, c.lock_period)?;
        checks::fee(&c.fee, self.fee_cap())?;
        if let Some(fee) = &terms.fee {
            checks::amount("fee", fee, &c.fee)?;
        }
        if let Some(nonce) = terms.nonce {
            checks::value("nonce", nonce, c.nonce)?;
        }
        let no_delegates = match &c.delegates {
            Delegates::Single(d) => d.is_empty(),
            Delegates::PerRole { initiator, responder } => {
                initiator.is_empty() && responder.is_empty()
            }
        };
        if !no_delegates {
            return Err(Refusal::Updates);
        }
        let state = OffChainState::initial(
            c.initiator_id,
            c.initiator_amount.clone(),
            c.responder_id,
            c.responder_amount.clone(),
            terms.push_amount.clone(),
        )
        .map_err(|_| Refusal::Inapplicable)?;
        checks::state_hash(&state.state_hash(), &c.state_hash)?;
        if tag == SignTag::ResponderSign {
            if !checks::signed_by(tx, self.network(), &c.initiator_id)
                || !checks::only_valid_signatures(tx, self.network(), &[c.initiator_id])
            {
                return Err(Refusal::PeerSignature);
            }
            let own_after = state.balance(&self.view.me).cloned();
            self.decide(Proposal {
                tag,
                change: Change::Open {
                    initiator_amount: c.initiator_amount.clone(),
                    responder_amount: c.responder_amount.clone(),
                    channel_reserve: c.channel_reserve.clone(),
                    lock_period: c.lock_period,
                },
                round: Some(1),
                me: self.view.me,
                own_before: Uint::zero(),
                own_after,
                may_reduce_own: false,
                own_fee: Uint::zero(),
            })?;
        }
        Ok(Some((1, Some(state))))
    }

    fn offchain_common(&self, o: &ChannelOffChainTx) -> Result<(), Refusal> {
        self.channel_id_check(&o.channel_id)?;
        checks::round(self.view.round + 1, o.round)
    }

    fn parse_updates(req: &SignRequest) -> Result<Vec<Update>, Refusal> {
        req.updates.iter().map(|u| Update::from_json(u).map_err(|_| Refusal::Updates)).collect()
    }

    fn review_own_update(
        &self,
        o: &ChannelOffChainTx,
        expected: &[Update],
        req: &SignRequest,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.offchain_common(o)?;
        let listed = Self::parse_updates(req)?;
        if listed != expected || o.updates.as_ref().is_some_and(|u| u != expected) {
            return Err(Refusal::Updates);
        }
        let next = checks::apply(self.state()?, expected, &self.view.channel_reserve)?;
        if let Some(s) = &next {
            checks::state_hash(&s.state_hash(), &o.state_hash)?;
        }
        Ok(Some((o.round, next)))
    }

    fn review_peer_update(
        &self,
        o: &ChannelOffChainTx,
        req: &SignRequest,
        tx: &SignedTx,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.offchain_common(o)?;
        let listed = Self::parse_updates(req)?;
        if o.updates.as_ref().is_some_and(|u| u != &listed) {
            return Err(Refusal::Updates);
        }
        let me = self.view.me;
        // The other party may not start contract updates in this client's name.
        for u in &listed {
            match u {
                Update::CreateContract { owner, .. } if owner == &me => {
                    return Err(Refusal::Account {
                        field: "owner",
                        expected: self.view.peer(),
                        found: me,
                    });
                }
                Update::CallContract { caller, .. } if caller == &me => {
                    return Err(Refusal::Account {
                        field: "caller",
                        expected: self.view.peer(),
                        found: me,
                    });
                }
                _ => {}
            }
        }
        let state = self.state()?;
        let next = checks::apply(state, &listed, &self.view.channel_reserve)?;
        if let Some(s) = &next {
            checks::state_hash(&s.state_hash(), &o.state_hash)?;
        }
        self.peer_signed(tx)?;
        self.decide(Proposal {
            tag: req.tag,
            round: Some(o.round),
            me,
            own_before: state.balance(&me).cloned().unwrap_or_default(),
            own_after: next.as_ref().and_then(|s| s.balance(&me).cloned()),
            may_reduce_own: checks::may_reduce(&listed, &me),
            own_fee: Uint::zero(),
            change: Change::Updates(listed),
        })?;
        Ok(Some((o.round, next)))
    }

    fn review_deposit(
        &self,
        d: &ChannelDepositTx,
        from: &AccountId,
        asked: Option<&Uint>,
        tx: &SignedTx,
        tag: SignTag,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&d.channel_id)?;
        checks::account("from_id", from, &d.from_id)?;
        if let Some(a) = asked {
            checks::amount("amount", a, &d.amount)?;
        }
        checks::round(self.view.round + 1, d.round)?;
        checks::fee(&d.fee, self.fee_cap())?;
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

    fn review_withdraw(
        &self,
        w: &ChannelWithdrawTx,
        to: &AccountId,
        asked: Option<&Uint>,
        tx: &SignedTx,
        tag: SignTag,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&w.channel_id)?;
        checks::account("to_id", to, &w.to_id)?;
        if let Some(a) = asked {
            checks::amount("amount", a, &w.amount)?;
        }
        checks::round(self.view.round + 1, w.round)?;
        checks::fee(&w.fee, self.fee_cap())?;
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

    fn review_close(
        &self,
        c: &ChannelCloseMutualTx,
        from: &AccountId,
        tx: &SignedTx,
        tag: SignTag,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&c.channel_id)?;
        checks::account("from_id", from, &c.from_id)?;
        checks::fee(&c.fee, self.fee_cap())?;
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
        if self.view.latest_is_offchain() {
            checks::payload_is_latest(payload.signed_tx(), self.view.latest.as_ref())
        } else if matches!(payload, Payload::Empty) {
            Ok(())
        } else {
            checks::payload_is_latest(payload.signed_tx(), self.view.latest.as_ref())
        }
    }

    fn review_close_solo(
        &self,
        c: &ChannelCloseSoloTx,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&c.channel_id)?;
        checks::account("from_id", &self.view.me, &c.from_id)?;
        checks::fee(&c.fee, self.fee_cap())?;
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

    fn review_slash(
        &self,
        s: &ChannelSlashTx,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&s.channel_id)?;
        checks::account("from_id", &self.view.me, &s.from_id)?;
        checks::fee(&s.fee, self.fee_cap())?;
        self.solo_payload(&s.payload)?;
        self.solo_poi(&s.poi)?;
        Ok(None)
    }

    fn review_settle(
        &self,
        s: &ChannelSettleTx,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&s.channel_id)?;
        checks::account("from_id", &self.view.me, &s.from_id)?;
        checks::fee(&s.fee, self.fee_cap())?;
        let (i, r) = self.view.balances().ok_or(Refusal::UnknownState)?;
        checks::amount("initiator_amount_final", &i, &s.initiator_amount_final)?;
        checks::amount("responder_amount_final", &r, &s.responder_amount_final)?;
        Ok(None)
    }

    fn review_snapshot(
        &self,
        s: &ChannelSnapshotSoloTx,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&s.channel_id)?;
        checks::account("from_id", &self.view.me, &s.from_id)?;
        checks::fee(&s.fee, self.fee_cap())?;
        checks::payload_is_latest(s.payload.signed_tx(), self.view.latest.as_ref())?;
        Ok(None)
    }

    fn review_force_progress(
        &self,
        f: &ChannelForceProgressTx,
        asked: &Update,
    ) -> Result<Option<(u64, Option<OffChainState>)>, Refusal> {
        self.channel_id_check(&f.channel_id)?;
        checks::account("from_id", &self.view.me, &f.from_id)?;
        checks::fee(&f.fee, self.fee_cap())?;
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
                checks::fee(&(&Uint::from(*g2) * p2), self.fee_cap())?;
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
