//! Co-signed states: recognising them, adopting them, and learning the balances of states this
//! client cannot compute from the node's trees (checked against the co-signed state hash).

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::id::StateHash;
use aesc_codec::jsonrpc::{EncodedTx, Method, NodeEvent, OffchainState as OffchainStateReply};
use aesc_codec::object::Object;
use aesc_codec::state::{OffChainState, StateTrees};
use aesc_codec::tx::SignedTx;
use serde_json::Value;

use crate::checks;
use crate::driver::Io;
use crate::error::{Error, RpcError};
use crate::events::Event;
use crate::policy::Refusal;
use crate::view::{round_and_hash, Phase};

use super::{OpKind, Outcome, Purpose, Session};

impl Session {
    pub(super) fn decode_state(
        &self,
        state: &EncodedTx,
        io: &Io<'_>,
    ) -> Option<(SignedTx, u64, StateHash)> {
        let tx = match SignedTx::from_api_str(state.as_str()) {
            Ok(tx) => tx,
            Err(_) => {
                self.emit(
                    io,
                    Event::Node(NodeEvent::Error { message: "undecodable state".into() }),
                );
                return None;
            }
        };
        let (round, hash) = round_and_hash(tx.innermost_tx())?;
        Some((tx, round, hash))
    }

    /// Whether `cosigned` still carries the signature this client put on `ours`.
    pub(super) fn holds_own_signature(&self, ours: &SignedTx, cosigned: &SignedTx) -> bool {
        let mine = &ours.innermost().signatures;
        let theirs = &cosigned.innermost().signatures;
        mine.iter().all(|s| theirs.contains(s))
    }

    pub(super) fn cosigned(&self, tx: &SignedTx) -> bool {
        checks::signed_by(tx, &self.network, &self.view.initiator)
            && checks::signed_by(tx, &self.network, &self.view.responder)
    }

    pub(super) fn on_state(&mut self, state: &EncodedTx, io: &mut Io<'_>) {
        let Some((tx, round, hash)) = self.decode_state(state, io) else { return };
        let expected = self.signed.as_ref().filter(|s| checks::same_inner(&s.tx, &tx)).cloned();
        if let Some(signed) = expected {
            // Our own signature is the one we made; the other party's must verify.
            if !checks::signed_by_peer(
                &tx,
                &self.network,
                &self.peer_key,
                &[signed.own],
                &signed.peer,
            ) || !self.holds_own_signature(&signed.tx, &tx)
            {
                self.emit(io, Event::Refused { tag: signed.tag, refusal: Refusal::PeerSignature });
                return;
            }
            self.signed = None;
            let next = signed.next.and_then(|(_, s)| s);
            if let aesc_codec::tx::Tx::ChannelCreate(c) = tx.innermost_tx() {
                self.view.channel_id = Some(c.channel_id());
                self.view.channel_reserve = c.channel_reserve.clone();
            }
            self.adopt(tx, round, next, hash, signed.for_op, io);
            return;
        }
        let known = self.view.latest.as_ref().is_some_and(|l| checks::same_inner(l, &tx));
        if known {
            return;
        }
        if round > self.view.round && self.cosigned(&tx) {
            // A state this client signed but did not record (it stopped in between).
            self.adopt(tx, round, None, hash, false, io);
            return;
        }
        self.emit(io, Event::Node(NodeEvent::Update { state: state.clone() }));
    }

    pub(super) fn adopt(
        &mut self,
        tx: SignedTx,
        round: u64,
        state: Option<OffChainState>,
        hash: StateHash,
        for_op: bool,
        io: &mut Io<'_>,
    ) {
        log::debug!("co-signed state of round {round}");
        self.view.round = round;
        self.view.latest = Some(tx.clone());
        self.latest_on_chain = false;
        let known = state.is_some();
        self.view.state = state;
        if self.pending.as_ref().is_some_and(|p| checks::same_inner(p, &tx)) {
            self.pending = None;
        }
        if known {
            // Stored before anyone hears of it; an operation whose state is not on disk fails.
            if let Err(e) = self.save(io) {
                self.emit(io, Event::CoSigned { round, state: Box::new(tx) });
                if for_op {
                    self.finish(Err(e));
                }
                return;
            }
        }
        self.emit(io, Event::CoSigned { round, state: Box::new(tx) });
        if known {
            if for_op {
                self.complete_state(round);
            }
        } else {
            if let Some(op) = self.op.as_mut().filter(|_| for_op) {
                op.awaiting_fetch = true;
            }
            self.fetch_state(hash, io);
        }
        self.publish();
    }

    pub(super) fn complete_state(&mut self, round: u64) {
        let Some(op) = &self.op else { return };
        if op.awaiting_fetch {
            return;
        }
        match &op.kind {
            OpKind::Open(_) if op.seen_open => self.finish(Ok(Outcome::Opened)),
            OpKind::Update(_) | OpKind::Deposit(..) | OpKind::Withdraw(..) => {
                self.finish(Ok(Outcome::Round(round)));
            }
            _ => {}
        }
    }

    pub(super) fn fetch_state(&mut self, expected: StateHash, io: &mut Io<'_>) {
        self.fetching = Some(expected);
        self.ask_offchain_state(Purpose::Fetch, io);
    }

    /// Asks the node for its off-chain state; the answer goes where `purpose` says.
    fn ask_offchain_state(&mut self, purpose: Purpose, io: &mut Io<'_>) {
        let tag = self.tag(purpose);
        io.request(
            aesc_codec::jsonrpc::GetOffchainState::NAME,
            &aesc_codec::jsonrpc::GetOffchainState.to_params(),
            tag,
        );
    }

    pub(super) fn on_fetched(&mut self, result: Result<Value, RpcError>, io: &mut Io<'_>) {
        let Some(expected) = self.fetching.take() else { return };
        let state = result.map_err(Error::from).and_then(|v| {
            let reply = aesc_codec::jsonrpc::GetOffchainState::parse_output(&v)
                .map_err(|_| Error::Output { method: "channels.get.offchain_state" })?;
            trees_state(&reply).ok_or(Error::Output { method: "channels.get.offchain_state" })
        });
        match state {
            Ok(s) if s.state_hash() == expected => {
                self.view.state = Some(s);
                self.save_or_report(io);
                if let Some(op) = self.op.as_mut().filter(|o| o.awaiting_fetch) {
                    op.awaiting_fetch = false;
                    let round = self.view.round;
                    self.complete_state(round);
                }
            }
            Ok(_) => {
                self.emit(
                    io,
                    Event::Node(NodeEvent::Error {
                        message: "the node's trees do not match the co-signed state hash".into(),
                    }),
                );
                if self.op.as_ref().is_some_and(|o| o.awaiting_fetch) {
                    self.finish(Err(Error::from(Refusal::UnknownState)));
                }
            }
            Err(e) => {
                if self.op.as_ref().is_some_and(|o| o.awaiting_fetch) {
                    self.finish(Err(e));
                } else if let Error::Rpc(e) = e {
                    self.emit(io, Event::RpcError(*e));
                }
            }
        }
        self.publish();
    }

    /// Asks the node for its latest co-signed state before reporting `outcome`: a state
    /// co-signed while the socket was down (its notification lost) is adopted if it carries
    /// both signatures and the node's trees match its state hash.
    pub(super) fn resync(&mut self, outcome: Outcome, io: &mut Io<'_>) {
        if let Some(op) = &mut self.op {
            op.resync = Some(outcome);
        }
        self.ask_offchain_state(Purpose::Resync, io);
    }

    pub(super) fn on_resynced(&mut self, result: Result<Value, RpcError>, io: &mut Io<'_>) {
        match result {
            Ok(v) => match aesc_codec::jsonrpc::GetOffchainState::parse_output(&v) {
                Ok(reply) => self.adopt_node_state(&reply, io),
                Err(_) => self.emit(
                    io,
                    Event::Node(NodeEvent::Error { message: "unreadable offchain state".into() }),
                ),
            },
            Err(e) => self.emit(io, Event::RpcError(e)),
        }
        let outcome = self.op.as_mut().and_then(|o| o.resync.take());
        if let Some(outcome) = outcome {
            if matches!(outcome, Outcome::Reconnected | Outcome::Reestablished) {
                let same_fsm = outcome == Outcome::Reconnected;
                self.emit(io, Event::Reconnected { fsm_id: self.view.fsm_id, same_fsm });
            }
            self.finish(Ok(outcome));
        }
    }

    pub(super) fn adopt_node_state(&mut self, reply: &OffchainStateReply, io: &mut Io<'_>) {
        let Some(text) = &reply.signed_tx else { return };
        let Ok(tx) = SignedTx::from_api_str(text.as_str()) else { return };
        let Some((round, hash)) = round_and_hash(tx.innermost_tx()) else { return };
        if round <= self.view.round {
            return;
        }
        let state = trees_state(reply).filter(|s| s.state_hash() == hash);
        if !self.cosigned(&tx) || state.is_none() {
            self.emit(
                io,
                Event::Node(NodeEvent::Error {
                    message: "the node's latest state is not co-signed or does not match its trees"
                        .into(),
                }),
            );
            return;
        }
        if let aesc_codec::tx::Tx::ChannelCreate(c) = tx.innermost_tx() {
            self.view.channel_id = Some(c.channel_id());
            self.view.channel_reserve = c.channel_reserve.clone();
        }
        self.view.round = round;
        self.view.latest = Some(tx.clone());
        self.view.state = state;
        if self.view.phase == Phase::Opening {
            // Reattached to an FSM that got its co-signed state while this client was away:
            // the `open` it reported then is not sent again.
            self.view.phase = Phase::Open;
        }
        self.save_or_report(io);
        self.emit(io, Event::CoSigned { round, state: Box::new(tx) });
        self.publish();
    }

    pub(super) fn on_leave(&mut self, state: &EncodedTx, io: &mut Io<'_>) {
        let decoded = self.decode_state(state, io);
        if let Some((tx, round, hash)) = decoded {
            let known = self.view.latest.as_ref().is_some_and(|l| checks::same_inner(l, &tx));
            if !known && round > self.view.round && self.cosigned(&tx) {
                self.adopt(tx.clone(), round, None, hash, false, io);
            }
            log::info!("left the channel at round {}", self.view.round);
            self.view.phase = Phase::Left;
            self.save_or_report(io);
            self.emit(io, Event::Left { state: Box::new(tx.clone()) });
            if matches!(self.op.as_ref().map(|o| &o.kind), Some(OpKind::Leave)) {
                self.finish(Ok(Outcome::Left(Box::new(tx))));
            }
        }
        self.publish();
    }
}

/// The state held by the trees of a `get.offchain_state` reply.
fn trees_state(reply: &OffchainStateReply) -> Option<OffChainState> {
    let bytes = encoding::decode_as(Prefix::StateTrees, reply.trees.as_str()).ok()?;
    let trees = StateTrees::from_rlp(&bytes).ok()?;
    OffChainState::from_trees(&trees).ok()
}
