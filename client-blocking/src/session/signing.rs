//! Sign requests: each is reviewed (see `review`), then signed and answered, or refused with
//! an abort.

use aesc_codec::jsonrpc::{EncodedTx, SignAbort, SignReply, SignRequest, SignTag};
use aesc_codec::object::Object;
use serde_json::Value;

use crate::checks;
use crate::driver::Io;
use crate::error::{Error, RpcError, Timeout};
use crate::events::Event;
use crate::policy::ABORT_VALIDATION;
use crate::review::{Review, Stage, Verdict};

use super::{Purpose, Session, Signed};

impl Session {
    pub(super) fn on_sign_request(&mut self, req: SignRequest, io: &mut Io<'_>) {
        let tag = req.tag;
        let for_op = self.op.is_some() && (!checks::is_ack(tag) || tag == SignTag::ResponderSign);
        if for_op && tag.abortable() {
            if let Some(code) = self.abort_next.take() {
                // The user asked for this sign request to be aborted.
                log::info!("sign request {}: aborted with code {code}, as asked", tag.as_str());
                self.note(|| format!("sign request {} (aborted with {code})", tag.as_str()));
                let abort = SignAbort { tag, error: code }.to_params();
                let t = self.tag(Purpose::Abort);
                io.request(tag.reply_method(), &abort, t);
                if let Some(op) = self.op.as_mut() {
                    op.aborting = Some(code);
                }
                self.set_phase(Timeout::CoSigned);
                return;
            }
        }
        let stage = match &self.op {
            None => Stage::Idle,
            Some(op) => Stage::Own {
                kind: &op.kind,
                signed: self.signed.as_ref().filter(|_| op.signed_own).map(|s| &s.tx),
            },
        };
        let review = Review {
            view: &self.view,
            network: &self.network,
            peer: &self.peer_key,
            policy: self.policy.as_ref(),
            fee_cap: &self.fee_cap,
            stage,
            latest_on_chain: self.latest_on_chain,
            peer_verified: Default::default(),
        };
        let reviewed = match review.verdict(&req) {
            Verdict::Sign(plan) => Ok(*plan),
            Verdict::Refuse { refusal, abort_code } => Err((refusal, abort_code)),
        };
        let peer_verified = review.peer_verified.get();
        match &reviewed {
            Ok(plan) => log::debug!(
                "sign request {}: accepted, signing{}",
                tag.as_str(),
                plan.next.as_ref().map(|n| format!(" (round {})", n.0)).unwrap_or_default()
            ),
            Err((r, code)) => {
                log::warn!(
                    "sign request {}: refused ({r}), aborting with code {code}",
                    tag.as_str()
                )
            }
        }
        self.note(|| match &reviewed {
            Ok(_) => format!("sign request {} (signed)", tag.as_str()),
            Err((r, _)) => format!("sign request {} (refused: {r})", tag.as_str()),
        });
        match reviewed {
            Ok(plan) => {
                let mut tx = plan.tx;
                // The other party's signatures the review verified: not verified again when
                // the co-signed transaction comes back.
                let peer =
                    if peer_verified { tx.innermost().signatures.clone() } else { Vec::new() };
                let signer = self.signer.clone();
                let own = match tx.sign_with(&self.network, |net, bytes| signer.sign(net, bytes)) {
                    Ok(own) => own,
                    Err(e) => {
                        // The signer refused or failed: the sign request is aborted.
                        self.note(|| format!("sign request {} (signer: {e})", tag.as_str()));
                        let abort = SignAbort { tag, error: ABORT_VALIDATION }.to_params();
                        let t = self.tag(Purpose::Abort);
                        io.request(tag.reply_method(), &abort, t);
                        if for_op || tag == SignTag::ResponderSign {
                            self.finish(Err(Error::Signer(e)));
                        }
                        return;
                    }
                };
                // Nothing leaves the process that is not on disk first: the channel id from
                // the create tx and the signed transaction itself.
                if self.view.channel_id.is_none() {
                    self.view.channel_id = tx.created_channel_id();
                }
                self.pending = Some(tx.clone());
                if let Err(e) = self.save(io) {
                    self.pending = None;
                    let abort = SignAbort { tag, error: ABORT_VALIDATION }.to_params();
                    let t = self.tag(Purpose::Abort);
                    io.request(tag.reply_method(), &abort, t);
                    if for_op || tag == SignTag::ResponderSign {
                        self.finish(Err(e));
                    }
                    return;
                }
                let reply =
                    SignReply { tag, signed_tx: EncodedTx::from_bytes(&tx.to_rlp()) }.to_params();
                let t = self.tag(Purpose::SignReply(tag));
                io.request(tag.reply_method(), &reply, t);
                if checks::is_ack(tag) {
                    self.emit(io, Event::Accepted { tag, round: plan.next.as_ref().map(|n| n.0) });
                }
                let on_chain = !matches!(tag, SignTag::Update | SignTag::UpdateAck)
                    && !matches!(tag, SignTag::InitiatorSign | SignTag::ResponderSign);
                self.signed = Some(Signed { tag, tx, next: plan.next, for_op, own, peer });
                if let Some(op) = self.op.as_mut().filter(|_| for_op) {
                    op.signed_own = true;
                    if op.phase == Timeout::SignRequest {
                        self.set_phase(if on_chain { Timeout::OnChain } else { Timeout::CoSigned });
                    }
                }
            }
            Err((refusal, abort_code)) => {
                let abort = SignAbort { tag, error: abort_code }.to_params();
                let t = self.tag(Purpose::Abort);
                io.request(tag.reply_method(), &abort, t);
                let own = self.op.is_some() && !checks::is_ack(tag);
                if own || tag == SignTag::ResponderSign {
                    self.finish(Err(Error::from(refusal.clone())));
                }
                self.emit(io, Event::Refused { tag, refusal });
            }
        }
    }

    pub(super) fn on_reply_result(
        &mut self,
        tag: SignTag,
        result: Result<Value, RpcError>,
        io: &Io<'_>,
    ) {
        if let Err(e) = result {
            log::warn!("the node refused the signed {}: {e}", tag.as_str());
            self.emit(io, Event::RpcError(e.clone()));
            self.signed = None;
            if !checks::is_ack(tag) || tag == SignTag::ResponderSign {
                self.finish(Err(Error::from(e)));
            }
        }
    }
}
