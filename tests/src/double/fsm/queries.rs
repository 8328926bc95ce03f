//! Requests that read the channel or talk to the peer without changing the state:
//! `channels.message`, `channels.get.*`, `channels.system`, and the contract requests the
//! double does not support.

use aesc_codec::encoding::{self, Prefix};
use serde_json::{json, Value};

use super::super::frames::{self, DataCode, NodeError, RpcCode};
use super::super::ids::Role;
use super::super::ledger::Ledger;
use super::super::request::Request;
use super::super::txs::SignedTx;
use super::state::{Channel, Ctx, Stage};

/// The largest `info` of a `channels.message`.
const MAX_INFO: usize = 65_000;

impl Channel {
    /// Answers a `get.*` request: a result with an id, else a `<method>.reply` notification.
    fn answer(&self, ctx: &mut Ctx<'_>, role: Role, req: &Request, result: Value) {
        if req.id.is_some() {
            self.reply(ctx, role, req, result);
        } else {
            let frame =
                frames::notification(&format!("{}.reply", req.method), self.id.as_ref(), result);
            self.send(ctx, role, &frame);
        }
    }

    /// `channels.message {to, info}`: relayed to the peer.
    pub(crate) fn message(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let to = match req.account("to") {
            Ok(t) => t,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let Some(info) = req.params.get("info").and_then(Value::as_str) else {
            return self.reply_err(ctx, role, req, &NodeError::rpc(RpcCode::InvalidRequest));
        };
        if info.len() > MAX_INFO {
            return self.reply_err(ctx, role, req, &NodeError::rpc(RpcCode::InvalidRequest));
        }
        let forwarding = self.side(role).opts.as_ref().is_some_and(|o| o.msg_forwarding);
        let from = match req.params.get("from") {
            Some(_) if forwarding => match req.account("from") {
                Ok(f) => f,
                Err(e) => return self.reply_err(ctx, role, req, &e),
            },
            _ => self.account(role),
        };
        self.reply_ok(ctx, role, req);
        let peer = role.other();
        if to != self.account(peer) && !forwarding {
            return;
        }
        let message = json!({
            "message": {
                "channel_id": self.id.map(|c| c.to_string()),
                "from": from.to_string(),
                "info": info,
                "to": to.to_string(),
            }
        });
        let frame = frames::notification("channels.message", self.id.as_ref(), message);
        self.send(ctx, peer, &frame);
    }

    fn ledger(&self) -> Option<&Ledger> {
        self.latest.as_ref().map(|l| &l.ledger)
    }

    /// `channels.get.balances {accounts}`: known accounts only, in the order asked.
    pub(crate) fn get_balances(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let accounts = match req.accounts("accounts") {
            Ok(a) => a,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        let Some(ledger) = self.ledger() else {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::NotReady));
        };
        let list: Vec<Value> = accounts
            .iter()
            .filter_map(|a| {
                ledger.balance(a).map(|b| json!({"account": a.to_string(), "balance": b.to_json()}))
            })
            .collect();
        self.answer(ctx, role, req, Value::Array(list));
    }

    /// `channels.get.offchain_state`.
    pub(crate) fn get_offchain_state(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        if !req.has_params {
            return self.reply_err(ctx, role, req, &NodeError::rpc(RpcCode::MethodNotFound));
        }
        let Some(latest) = &self.latest else {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::NotReady));
        };
        let half_signed = self
            .ops
            .iter()
            .flatten()
            .find(|op| op.stage == Stage::AckSig)
            .and_then(|op| op.signed.as_ref())
            .map(SignedTx::to_api_string)
            .unwrap_or_default();
        let result = json!({
            "calls": encoding::encode(Prefix::CallStateTree, &Ledger::calls_tree()),
            "half_signed_tx": half_signed,
            "signed_tx": latest.signed.to_api_string(),
            "trees": encoding::encode(Prefix::StateTrees, &latest.ledger.trees()),
        });
        self.answer(ctx, role, req, result);
    }

    /// `channels.get.poi {accounts, contracts}`.
    pub(crate) fn get_poi(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let accounts = match req.accounts("accounts") {
            Ok(a) => a,
            Err(e) => return self.reply_err(ctx, role, req, &e),
        };
        if req.params.get("contracts").and_then(Value::as_array).is_some_and(|c| !c.is_empty()) {
            return self.reply_err(
                ctx,
                role,
                req,
                &NodeError::data(DataCode::NotFound("Contract")),
            );
        }
        let Some(ledger) = self.ledger() else {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::NotReady));
        };
        if accounts.iter().any(|a| ledger.balance(a).is_none()) {
            return self.reply_err(ctx, role, req, &NodeError::data(DataCode::NotFound("Account")));
        }
        // The proof covers the accounts asked for (all when none are named).
        let proof = if accounts.is_empty() { ledger.poi() } else { ledger.poi_of(&accounts) };
        self.answer(ctx, role, req, json!({"poi": encoding::encode(Prefix::Poi, &proof)}));
    }

    /// `channels.system {action}`: `ping` and `stop`.
    pub(crate) fn system(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        match req.params.get("action").and_then(Value::as_str) {
            Some("ping") => {
                let pong = json!({"action": "system", "tag": "pong"});
                if req.id.is_some() {
                    self.reply(ctx, role, req, pong);
                } else {
                    let frame =
                        frames::notification("channels.system.pong", self.id.as_ref(), pong);
                    self.send(ctx, role, &frame);
                }
            }
            Some("stop") => {
                if self.side(role).dying_at.is_some() {
                    // Already going down with its peer: `died` comes before the reply.
                    let conn = self.side(role).conn;
                    self.die(ctx, role);
                    self.after_stop();
                    if let (Some(conn), Some(id)) = (conn, &req.id) {
                        let frame = frames::result(self.id.as_ref(), id, json!("ok"));
                        ctx.out.raw(conn, frame.to_string());
                    }
                    return;
                }
                self.reply_ok(ctx, role, req);
                if self.side(role).running {
                    self.fsm_stopped(ctx, role);
                }
            }
            _ => self.reply_err(ctx, role, req, &NodeError::rpc(RpcCode::MethodNotFound)),
        }
    }

    /// Contract updates, calls and history are not simulated.
    pub(crate) fn unsupported(&mut self, ctx: &mut Ctx<'_>, role: Role, req: &Request) {
        let what = match req.method.as_str() {
            "channels.history.fetch" => "history",
            "channels.get.contract" => {
                return self.reply_err(
                    ctx,
                    role,
                    req,
                    &NodeError::data(DataCode::NotFound("Contract")),
                );
            }
            "channels.get.contract_call" => {
                return self.reply_err(ctx, role, req, &NodeError::data(DataCode::CallNotFound));
            }
            _ => "contracts",
        };
        self.reply_err(ctx, role, req, &NodeError::data(DataCode::Unsupported(what)));
    }
}
