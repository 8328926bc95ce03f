//! Notifications from the node: info events, on-chain events and conflicts, and what they do to
//! the view and the operation in progress.

use aesc_codec::id::{ChannelId, FsmId};
use aesc_codec::jsonrpc::{InfoEvent, NodeEvent, OnChainInfo};
use aesc_codec::tx::SignedTx;

use crate::checks;
use crate::driver::Io;
use crate::error::{Error, Timeout};
use crate::events::Event;
use crate::view::Phase;

use super::{OpKind, Outcome, Session};

impl Session {
    pub(super) fn on_event(
        &mut self,
        channel_id: Option<ChannelId>,
        event: NodeEvent,
        io: &mut Io<'_>,
    ) {
        match event {
            NodeEvent::SignRequest(req) => self.on_sign_request(req, io),
            NodeEvent::Update { state } => {
                self.note(|| "co-signed state".to_owned());
                self.on_state(&state, io);
            }
            NodeEvent::Leave { state } => {
                self.note(|| "leave".to_owned());
                self.on_leave(&state, io);
            }
            NodeEvent::Info(info) => {
                self.note(|| info.event.as_str().to_owned());
                let name = info.event.clone();
                let fsm_id = info.fsm_id;
                self.on_info(&name, fsm_id, channel_id, io);
                self.emit(io, Event::Node(NodeEvent::Info(info)));
            }
            NodeEvent::OnChainTx(t) => {
                self.note(|| format!("on_chain_tx {}", t.info.as_str()));
                let info = t.info.clone();
                let tx = SignedTx::from_api_str(t.tx.as_str()).ok();
                self.on_chain(&info, tx, io);
                self.emit(io, Event::Node(NodeEvent::OnChainTx(t)));
            }
            NodeEvent::Conflict(c) => {
                log::warn!("conflict {} at round {}: {}", c.error_code, c.round, c.error_msg);
                self.note(|| format!("conflict {}", c.error_code));
                let err = Error::Conflict {
                    code: u32::try_from(c.error_code).unwrap_or(u32::MAX),
                    message: c.error_msg.clone(),
                    round: c.round,
                };
                self.emit(io, Event::Node(NodeEvent::Conflict(c)));
                self.signed = None;
                if self.op.as_ref().is_some_and(|o| !matches!(o.kind, OpKind::Leave)) {
                    self.finish(Err(err));
                }
            }
            other => self.emit(io, Event::Node(other)),
        }
    }

    pub(super) fn on_info(
        &mut self,
        event: &InfoEvent,
        fsm_id: Option<FsmId>,
        channel_id: Option<ChannelId>,
        io: &mut Io<'_>,
    ) {
        if let Some(id) = fsm_id {
            let changed = self.view.fsm_id != Some(id);
            self.view.fsm_id = Some(id);
            if changed {
                // The FSM id is what lets a new process back in: on disk before anything else.
                if let Err(e) = self.save(io) {
                    if let Some(tx) = self.fsm_up.take() {
                        let _ = tx.try_send(Err(e.store_copy()));
                    }
                    self.finish(Err(e));
                    return;
                }
            }
        }
        if self.view.channel_id.is_none() {
            self.view.channel_id = channel_id;
        }
        match event {
            InfoEvent::FsmUp => self.on_fsm_up(fsm_id, io),
            InfoEvent::Open => {
                log::info!(
                    "channel open: {}",
                    self.view.channel_id.map_or("?".into(), |c| c.to_string())
                );
                self.view.phase = Phase::Open;
                self.save_or_report(io);
                if let Some(op) = &mut self.op {
                    op.seen_open = true;
                }
                match self.op.as_ref().map(|o| &o.kind) {
                    Some(OpKind::Open(_)) if self.view.latest.is_some() => {
                        self.finish(Ok(Outcome::Opened));
                    }
                    Some(OpKind::Reattach { .. }) => self.resync(Outcome::Reestablished, io),
                    _ => {}
                }
            }
            InfoEvent::AbortedUpdate => {
                if let Some(code) = self.op.as_ref().and_then(|o| o.aborting) {
                    self.finish(Err(Error::Aborted { code }));
                }
            }
            InfoEvent::Closing => {
                log::info!("channel closing");
                self.view.phase = Phase::Closing;
                self.save_or_report(io);
            }
            // A channel that was closing reestablishes into `channel_closing`: no `open` follows.
            InfoEvent::ChannelReestablished
                if self.view.phase == Phase::Closing
                    && matches!(
                        self.op.as_ref().map(|o| &o.kind),
                        Some(OpKind::Reattach { .. })
                    ) =>
            {
                self.resync(Outcome::Reestablished, io);
            }
            InfoEvent::ClosedConfirmed => {
                log::info!("channel closed (confirmed)");
                self.view.phase = Phase::Closed;
                self.save_or_report(io);
                self.complete_close();
            }
            InfoEvent::Died => {
                log::info!("the FSM stopped (died)");
                // A closing channel stays closing on chain: the phase keeps that.
                if !matches!(self.view.phase, Phase::Left | Phase::Closed | Phase::Closing) {
                    self.view.phase = Phase::Stopped;
                }
                if self.op.as_ref().is_some_and(|o| o.seen_closed) {
                    self.complete_close();
                } else if self.op.is_some() {
                    self.finish(Err(Error::FsmStopped { event: "died".into() }));
                }
            }
            InfoEvent::ZombieChannel
            | InfoEvent::BadSignature
            | InfoEvent::BadStateHash
            | InfoEvent::NotCreateTx => {
                log::warn!("the FSM stopped: {}", event.as_str());
                self.view.phase = Phase::Stopped;
                self.finish(Err(Error::FsmStopped { event: event.as_str().to_owned() }));
            }
            _ => {}
        }
        self.publish();
    }

    pub(super) fn on_fsm_up(&mut self, fsm_id: Option<FsmId>, io: &mut Io<'_>) {
        log::info!("FSM up");
        if matches!(self.view.phase, Phase::Connecting) {
            self.view.phase = Phase::Opening;
        }
        if let Some(tx) = self.fsm_up.take() {
            // The waiting caller reads the view (fsm id, phase) as soon as it wakes.
            self.publish();
            let _ = tx.try_send(fsm_id.ok_or(Error::FsmStopped { event: "fsm_up".into() }));
        }
        let reattached = match self.op.as_ref().map(|o| &o.kind) {
            Some(OpKind::Reattach { known }) => Some(Some(*known) == fsm_id),
            Some(OpKind::Open(_)) => {
                self.set_phase(Timeout::Open);
                None
            }
            _ => None,
        };
        match reattached {
            Some(true) => {
                log::info!("re-attached to the running FSM");
                // The FSM kept running: the channel is as it was.
                if self.view.latest.is_some() && self.view.phase == Phase::Opening {
                    self.view.phase = Phase::Open;
                }
                self.resync(Outcome::Reconnected, io);
            }
            Some(false) => {
                log::info!("reestablishing: the node started a new FSM");
                self.set_phase(Timeout::Reestablish);
            }
            None => {}
        }
    }

    pub(super) fn complete_close(&mut self) {
        let closes = matches!(
            self.op.as_ref().map(|o| &o.kind),
            Some(OpKind::Shutdown(_) | OpKind::Settle(_))
        );
        if closes {
            let tx = self.signed.take().map(|s| s.tx);
            match tx {
                Some(tx) => self.finish(Ok(Outcome::Closed(Box::new(tx)))),
                None => self.finish(Err(Error::FsmStopped { event: "closed".into() })),
            }
        }
    }

    pub(super) fn on_chain(&mut self, info: &OnChainInfo, tx: Option<SignedTx>, io: &mut Io<'_>) {
        log::info!("on chain: {}", info.as_str());
        match info {
            // A solo close of an older state is on chain too: the channel is closing.
            OnChainInfo::CloseMutual | OnChainInfo::SoloClosing | OnChainInfo::CanSlash => {
                self.view.phase = Phase::Closing;
                self.save_or_report(io);
            }
            OnChainInfo::ChannelClosed => {
                if let Some(op) = &mut self.op {
                    op.seen_closed = true;
                }
                self.view.phase = Phase::Closed;
                self.save_or_report(io);
            }
            _ => {}
        }
        let Some(tx) = tx else { return };
        let ours = self.signed.as_ref().is_some_and(|s| checks::same_inner(&s.tx, &tx));
        let solo = matches!(
            self.op.as_ref().map(|o| &o.kind),
            Some(
                OpKind::CloseSolo(_)
                    | OpKind::Slash(_)
                    | OpKind::Snapshot(_)
                    | OpKind::ForceProgress(_)
            )
        );
        if !ours && *info == OnChainInfo::ConsumedForcedProgress {
            self.on_peer_force_progress(&tx, io);
        }
        if ours && solo {
            if let aesc_codec::tx::Tx::ChannelSnapshotSolo(s) = tx.innermost_tx() {
                let latest = self.view.latest.as_ref();
                self.latest_on_chain = s
                    .payload
                    .signed_tx()
                    .zip(latest)
                    .is_some_and(|(p, l)| checks::same_inner(p, l));
            }
            if let Some(aesc_codec::tx::Tx::ChannelForceProgress(fp)) = Some(tx.innermost_tx()) {
                // The state moved on chain; learn its balances from the node.
                self.view.round = fp.round;
                self.view.state = None;
                self.fetch_state(fp.state_hash, io);
            }
            self.signed = None;
            self.finish(Ok(Outcome::OnChain(Box::new(tx))));
        } else if ours {
            if self.on_chain_copy_is_complete(&tx) {
                // The transaction as posted (co-signed), whose hash is the one on chain: what a
                // mutual close or a settle returns.
                if let Some(signed) = self.signed.as_mut() {
                    signed.tx = tx;
                }
            }
            // The close is on chain: a mutual close or a settle is done. The node may still
            // send `closed_confirmed` and `died`, but after a reestablish it sends the
            // initiator neither, so they are not waited for.
            if *info == OnChainInfo::ChannelClosed {
                self.complete_close();
            }
        }
        self.publish();
    }

    /// The other party forced progress on chain from this client's latest state: the channel
    /// moved to the next round, whose balances are learnt from the node and checked against the
    /// transaction's state hash. A force progress from an older state is left to the user
    /// (the node reports `can_snapshot` or `can_slash` for it).
    pub(super) fn on_peer_force_progress(&mut self, tx: &SignedTx, io: &mut Io<'_>) {
        let aesc_codec::tx::Tx::ChannelForceProgress(fp) = tx.innermost_tx() else { return };
        let peer = self.view.peer();
        // An empty payload names the state on chain; the round check below ties it to ours.
        let builds_on_latest = self.view.latest.as_ref().is_some_and(|latest| {
            fp.payload.signed_tx().is_none_or(|p| checks::same_inner(p, latest))
        });
        let genuine = Some(fp.channel_id) == self.view.channel_id
            && fp.from_id == peer
            && fp.round == self.view.round.saturating_add(1)
            && builds_on_latest
            && checks::signed_by(tx, &self.network, &peer);
        if genuine {
            self.view.round = fp.round;
            self.view.state = None;
            self.fetch_state(fp.state_hash, io);
        }
    }

    /// Whether the posted `tx` carries this client's signature and every signature on it is a
    /// participant's.
    pub(super) fn on_chain_copy_is_complete(&self, tx: &SignedTx) -> bool {
        let Some(ours) = self.signed.as_ref() else { return false };
        let both = [self.view.initiator, self.view.responder];
        self.holds_own_signature(&ours.tx, tx)
            && checks::only_valid_signatures(tx, &self.network, &both)
    }
}
