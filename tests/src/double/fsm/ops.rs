//! Operations on an open channel: off-chain updates, deposits, withdrawals, mutual close
//! (signed by both), and solo close, slash, settle and snapshot (signed by the requester): the
//! requests that start them and conflicts; their signing rounds are in `replies`.

use aesc_codec::id::{AccountId, ChannelId, StateHash};
use aesc_codec::tx::{
    ChannelCloseMutualTx, ChannelCloseSoloTx, ChannelDepositTx, ChannelOffChainTx, ChannelSettleTx,
    ChannelSlashTx, ChannelSnapshotSoloTx, ChannelWithdrawTx, Payload,
};
use aesc_codec::Uint;
use serde_json::{json, Value};

use super::super::frames::{self, DataCode, NodeError, RpcCode};
use super::super::ids::Role;
use super::super::ledger::{Ledger, UpdateError};
use super::super::request::Request;
use super::super::txs::{set_fee, SignedTx, Tx, TxExt};
use super::alter::alter;
use super::state::{Channel, Ctx, Latest, Op, OpKind, PerRole, Phase, Stage};

pub(super) fn json_update_transfer(from: &AccountId, to: &AccountId, amount: &Uint) -> Value {
    json!({"amount": amount.to_json(), "from": from.to_string(), "op": "OffChainTransfer", "to": to.to_string()})
}

pub(super) fn unknown_request() -> NodeError {
    NodeError::rpc(RpcCode::InternalError)
}

impl Channel {
    pub(super) fn latest_or_err(&self) -> Result<&Latest, NodeError> {
        self.latest.as_ref().ok_or_else(unknown_request)
    }

    pub(super) fn channel_or_err(&self) -> Result<ChannelId, NodeError> {
        self.id.ok_or_else(unknown_request)
    }

    /// Whether `role` may start an operation now; a pending own signature or an awaited
    /// acknowledgement turns the request into a conflict, as the node does.
    pub(super) fn may_start(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) -> bool {
        let me = role;
        let peer = role.other();
        let on_chain =
            |op: &Option<Op>| matches!(op, Some(Op { stage: Stage::OnChain { .. }, .. }));
        if on_chain(self.ops.get(me)) || on_chain(self.ops.get(peer)) {
            self.reply_err(ctx, role, req, &unknown_request());
            return false;
        }
        let mine_pending = self.ops.get(me).is_some();
        let peer_awaits_me = matches!(self.ops.get(peer), Some(Op { stage: Stage::AckSig, .. }));
        if mine_pending || peer_awaits_me {
            self.conflict(ctx, 2, &[role.other(), role]);
            return false;
        }
        true
    }

    /// Rolls back every operation in progress and reports a conflict to `to`.
    pub(crate) fn conflict(&mut self, ctx: &mut Ctx<'_>, code: u64, to: &[Role]) {
        self.conflict_via(ctx, code, to, &[]);
    }

    /// Like [`Channel::conflict`], `later` hearing of it through the peer's FSM.
    pub(crate) fn conflict_via(
        &mut self,
        ctx: &mut Ctx<'_>,
        code: u64,
        now: &[Role],
        later: &[Role],
    ) {
        self.ops = PerRole::default();
        let round = self.latest.as_ref().map_or(0, |l| l.round);
        if let Some(id) = self.id {
            let frame = frames::conflict(&id, code, round);
            for role in now {
                self.send(ctx, *role, &frame);
            }
            for role in later {
                self.send_via_peer(ctx, *role, &frame);
            }
        }
    }

    /// `channels.update.new`.
    pub(crate) fn request_update(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let checked = (|| {
            let amount = req.amount("amount")?;
            let from = req.account("from")?;
            let to = req.account("to")?;
            let meta = req.meta()?;
            Ok::<_, NodeError>((amount, from, to, meta))
        })();
        let (amount, from, to, meta) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if !matches!(self.phase, Phase::Open) {
            return self.reply_err(ctx, role, req, &unknown_request());
        }
        let (mut ledger, round) = match self.latest_or_err() {
            Ok(l) => (l.ledger.clone(), l.round),
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let participants =
            self.role_of_account(&from).is_some() && self.role_of_account(&to).is_some();
        if !participants {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::InvalidPubkeys));
        }
        if let Err(e) = ledger.transfer(&from, &to, &amount, &self.reserve()) {
            return self.reply_err(ctx, role, req, &update_error(e));
        }
        if !self.may_start(ctx, role, req) {
            return;
        }
        let Ok(channel) = self.channel_or_err() else { return };
        let mut updates = vec![json_update_transfer(&from, &to, &amount)];
        updates.extend(meta.iter().map(|m| json!({"data": m, "op": "OffChainMeta"})));
        let tx = Tx::ChannelOffChain(ChannelOffChainTx {
            channel_id: channel,
            round: round + 1,
            updates: None,
            state_hash: StateHash(ledger.state_hash()),
        });
        self.start_op(
            ctx,
            role,
            req,
            OpKind::Update,
            tx,
            Some((ledger, round + 1)),
            Value::Array(updates),
        );
    }

    /// `channels.deposit` / `channels.withdraw`.
    pub(crate) fn request_deposit_withdraw(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        deposit: bool,
    ) {
        let checked = (|| {
            let amount = req.amount("amount")?;
            let fee = req.opt_uint("fee")?;
            let gas_price = req.opt_uint("gas_price")?;
            let nonce = req.opt_u64("nonce")?;
            Ok::<_, NodeError>((amount, fee, gas_price, nonce))
        })();
        let (amount, fee, gas_price, nonce) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if amount.is_zero() || !matches!(self.phase, Phase::Open) {
            return self.reply_err(ctx, role, req, &unknown_request());
        }
        let (mut ledger, round) = match self.latest_or_err() {
            Ok(l) => (l.ledger.clone(), l.round),
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let account = self.account(role);
        let applied = if deposit {
            ledger.deposit(&account, &amount)
        } else {
            ledger.withdraw(&account, &amount, &self.reserve())
        };
        if let Err(e) = applied {
            return self.reply_err(ctx, role, req, &update_error(e));
        }
        if !self.may_start(ctx, role, req) {
            return;
        }
        let Ok(channel) = self.channel_or_err() else { return };
        let nonce = nonce.unwrap_or_else(|| ctx.chain.next_nonce(&account));
        let state_hash = StateHash(ledger.state_hash());
        let ttl = self.ttl(role);
        let mut tx = if deposit {
            Tx::ChannelDeposit(ChannelDepositTx {
                channel_id: channel,
                from_id: account,
                amount: amount.clone(),
                ttl,
                fee: Uint::zero(),
                state_hash,
                round: round + 1,
                nonce,
            })
        } else {
            Tx::ChannelWithdraw(ChannelWithdrawTx {
                channel_id: channel,
                to_id: account,
                amount: amount.clone(),
                ttl,
                fee: Uint::zero(),
                state_hash,
                round: round + 1,
                nonce,
            })
        };
        set_fee(&mut tx, fee.as_ref(), gas_price.as_ref(), &ctx.settings.min_gas_price);
        let update = if deposit {
            json!({"amount": amount.to_json(), "from": account.to_string(), "op": "OffChainDeposit"})
        } else {
            json!({"amount": amount.to_json(), "op": "OffChainWithdrawal", "to": account.to_string()})
        };
        let kind = if deposit { OpKind::Deposit } else { OpKind::Withdraw };
        self.start_op(ctx, role, req, kind, tx, Some((ledger, round + 1)), json!([update]));
    }

    /// `channels.shutdown`.
    pub(crate) fn request_shutdown(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let checked = (|| {
            Ok::<_, NodeError>((
                req.opt_uint("fee")?,
                req.opt_uint("gas_price")?,
                req.opt_u64("nonce")?,
            ))
        })();
        let (fee, gas_price, nonce) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if !matches!(self.phase, Phase::Open | Phase::Closing) {
            return self.reply_err(ctx, role, req, &unknown_request());
        }
        let Ok(latest) = self.latest_or_err() else { return };
        let ledger = latest.ledger.clone();
        if !self.may_start(ctx, role, req) {
            return;
        }
        let Ok(channel) = self.channel_or_err() else { return };
        let from = self.account(role);
        let i_bal = ledger.balance(&self.account(Role::Initiator)).cloned().unwrap_or_default();
        let r_bal = ledger.balance(&self.account(Role::Responder)).cloned().unwrap_or_default();
        let nonce = nonce.unwrap_or_else(|| ctx.chain.next_nonce(&from));
        let ttl = self.ttl(role);
        let build = |fee: &Uint| -> Option<Tx> {
            let (i, r) = split_close_fee(&i_bal, &r_bal, fee)?;
            Some(Tx::ChannelCloseMutual(ChannelCloseMutualTx {
                channel_id: channel,
                from_id: from,
                initiator_amount_final: i,
                responder_amount_final: r,
                ttl,
                fee: fee.clone(),
                nonce,
            }))
        };
        let gp = gas_price.clone().unwrap_or_else(|| ctx.settings.min_gas_price.clone());
        let mut f = fee.clone().unwrap_or_default();
        let mut tx = None;
        for _ in 0..5 {
            let Some(t) = build(&f) else { break };
            let min = t.minimum_fee(&gp);
            let wanted = match (&fee, &gas_price) {
                (Some(given), None) => given.clone(),
                (Some(given), Some(_)) => given.clone().max(min),
                (None, _) => min,
            };
            let stable = wanted == f;
            f = wanted;
            tx = build(&f);
            if stable {
                break;
            }
        }
        let Some(tx) = tx else {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::InsufficientBalance));
        };
        self.start_op(ctx, role, req, OpKind::Shutdown, tx, None, json!([]));
    }

    /// `channels.close_solo`, `channels.slash`, `channels.settle`, `channels.snapshot_solo`.
    pub(crate) fn request_solo(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        kind: OpKind,
    ) {
        let checked = (|| {
            Ok::<_, NodeError>((
                req.opt_uint("fee")?,
                req.opt_uint("gas_price")?,
                req.opt_u64("nonce")?,
            ))
        })();
        let (fee, gas_price, nonce) = match checked {
            Ok(v) => v,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let allowed = match kind {
            OpKind::CloseSolo | OpKind::Snapshot => matches!(self.phase, Phase::Open),
            _ => matches!(self.phase, Phase::Closing),
        };
        let (Some(latest), Some(channel), true) = (self.latest.clone(), self.id, allowed) else {
            return self.reply_err(ctx, role, req, &unknown_request());
        };
        let from = self.account(role);
        let payload = if latest.on_chain {
            Payload::Empty
        } else {
            Payload::Tx(Box::new(latest.signed.clone()))
        };
        let ttl = self.ttl(role);
        let on_chain = ctx.chain.channel(&channel).cloned();
        let fee0 = Uint::zero();
        let mut tx = match kind {
            OpKind::Snapshot => {
                if !latest.offchain {
                    return self.reply_err(
                        ctx,
                        role,
                        req,
                        &NodeError::data(DataCode::OffchainTxExpected),
                    );
                }
                if latest.on_chain {
                    return self.reply_err(
                        ctx,
                        role,
                        req,
                        &NodeError::data(DataCode::AlreadyOnChain),
                    );
                }
                Tx::ChannelSnapshotSolo(ChannelSnapshotSoloTx {
                    channel_id: channel,
                    from_id: from,
                    payload,
                    ttl,
                    fee: fee0,
                    nonce: 0,
                })
            }
            OpKind::CloseSolo => Tx::ChannelCloseSolo(ChannelCloseSoloTx {
                channel_id: channel,
                from_id: from,
                payload,
                poi: latest.ledger.poi(),
                ttl,
                fee: fee0,
                nonce: 0,
            }),
            OpKind::Slash => {
                if on_chain.as_ref().is_none_or(|c| c.round >= latest.round) {
                    return self.reply_err(ctx, role, req, &unknown_request());
                }
                Tx::ChannelSlash(ChannelSlashTx {
                    channel_id: channel,
                    from_id: from,
                    payload,
                    poi: latest.ledger.poi(),
                    ttl,
                    fee: fee0,
                    nonce: 0,
                })
            }
            _ => {
                let Some(c) = on_chain else {
                    return self.reply_err(ctx, role, req, &unknown_request());
                };
                Tx::ChannelSettle(ChannelSettleTx {
                    channel_id: channel,
                    from_id: from,
                    initiator_amount_final: c.initiator_amount.clone(),
                    responder_amount_final: c.responder_amount.clone(),
                    ttl,
                    fee: fee0,
                    nonce: 0,
                })
            }
        };
        if !self.may_start(ctx, role, req) {
            return;
        }
        tx.set_nonce(nonce.unwrap_or_else(|| ctx.chain.next_nonce(&from)));
        set_fee(&mut tx, fee.as_ref(), gas_price.as_ref(), &ctx.settings.min_gas_price);
        self.start_op(ctx, role, req, kind, tx, None, json!([]));
    }

    /// Records the operation and asks the starter to sign.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn start_op(
        &mut self,
        ctx: &mut Ctx<'_>,
        role: Role,
        req: &Request,
        kind: OpKind,
        tx: Tx,
        next: Option<(Ledger, u64)>,
        updates: Value,
    ) {
        self.reply_ok(ctx, role, req);
        let method = format!("channels.sign.{}", kind.sign_tag());
        let how = ctx.out.faults.take_alteration(role, &method);
        let (sent, shown) = match how {
            Some(how) => {
                let a = alter(&tx, &updates, how, next.as_ref().map(|(l, _)| l));
                (SignedTx::unsigned(a.tx), a.updates)
            }
            None => (SignedTx::unsigned(tx.clone()), updates.clone()),
        };
        let frame =
            frames::sign_request(self.id.as_ref(), kind.sign_tag(), &sent.to_api_string(), shown);
        self.send(ctx, role, &frame);
        *self.ops.get_mut(role) = Some(Op {
            kind,
            stage: Stage::StarterSig,
            tx,
            sent,
            altered: how.is_some(),
            next,
            updates,
            signed: None,
        });
    }
}

pub(super) fn update_error(e: UpdateError) -> NodeError {
    match e {
        UpdateError::InsufficientBalance => NodeError::data(DataCode::InsufficientBalance),
        UpdateError::InvalidPubkeys => NodeError::data(DataCode::InvalidPubkeys),
    }
}

/// `aesc_fsm:pay_close_mutual_fee/3`: the final amounts after the fee is paid.
pub(crate) fn split_close_fee(i: &Uint, r: &Uint, fee: &Uint) -> Option<(Uint, Uint)> {
    let two = Uint::from(2u64);
    let half_down = Uint::from(fee.as_big() / two.as_big());
    let half_up = fee.checked_sub(&half_down)?;
    if &(i + r) < fee {
        return None;
    }
    if i >= &half_up && r >= &half_down {
        return Some((i.checked_sub(&half_up)?, r.checked_sub(&half_down)?));
    }
    if r >= &half_up && i >= &half_down {
        return Some((i.checked_sub(&half_down)?, r.checked_sub(&half_up)?));
    }
    if i > r {
        let rest = fee.checked_sub(r)?;
        Some((i.checked_sub(&rest)?, Uint::zero()))
    } else {
        let rest = fee.checked_sub(i)?;
        Some((Uint::zero(), r.checked_sub(&rest)?))
    }
}
