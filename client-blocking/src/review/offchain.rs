//! Reviewing the create transaction and off-chain updates.

use aesc_codec::jsonrpc::{SignRequest, SignTag};
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{ChannelCreateTx, ChannelOffChainTx, Delegates, SignedTx, Update};
use aesc_codec::Uint;

use crate::checks;
use crate::params::Role;
use crate::policy::{Change, Proposal};
use crate::session::OpKind;

use super::{Next, Refusal, Review};

impl Review<'_> {
    pub(super) fn review_create(
        &self,
        tag: SignTag,
        c: &ChannelCreateTx,
        tx: &SignedTx,
    ) -> Result<Next, Refusal> {
        let Some(OpKind::Open(terms)) = self.op() else {
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
        checks::fee(&c.fee, self.fee_cap)?;
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
            if !checks::signed_by(tx, self.network, &c.initiator_id)
                || !checks::only_valid_signatures(tx, self.network, &[c.initiator_id])
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

    pub(super) fn review_own_update(
        &self,
        o: &ChannelOffChainTx,
        expected: &[Update],
        req: &SignRequest,
    ) -> Result<Next, Refusal> {
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

    pub(super) fn review_peer_update(
        &self,
        o: &ChannelOffChainTx,
        req: &SignRequest,
        tx: &SignedTx,
    ) -> Result<Next, Refusal> {
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
}
