//! Getting back into a channel: reestablishing it from a saved view, resuming it from the
//! state store, reconnecting to its FSM.

use std::sync::Arc;

use aesc_codec::id::{ChannelId, FsmId};
use aesc_codec::tx::{SignedTx, Tx};

use super::{gone_after_close, Channel};
use crate::channel_config::{ChannelConfig, StoreChoice};
use crate::error::Error;
use crate::session::OpKind;
use crate::store::ChannelStore;
use crate::view::ChannelView;

impl Channel {
    /// Reconnects to (or reestablishes) the channel of `view`, saved from an earlier
    /// [`Channel::view`] or loaded from a [`crate::StateStore`], and returns when it is usable.
    ///
    /// # Errors
    /// As [`Channel::connect`]; [`Error::Rejected`] with data code 1016 for a wrong FSM id.
    pub fn reestablish(cfg: ChannelConfig, view: ChannelView) -> Result<Channel, Error> {
        let ch = Channel::start_reestablish(cfg, view)?;
        ch.wait_open()?;
        Ok(ch)
    }

    /// Starts a reestablish and returns after `fsm_up` (see [`Channel::wait_open`]).
    ///
    /// # Errors
    /// As [`Channel::reestablish`].
    pub fn start_reestablish(cfg: ChannelConfig, view: ChannelView) -> Result<Channel, Error> {
        let (Some(channel), Some(fsm)) = (view.channel_id, view.fsm_id) else {
            return Err(Error::InvalidState {
                operation: "reestablish",
                reason: "the view has no channel id or fsm id",
            });
        };
        let store = cfg.store.as_ref().map(StoreChoice::open).transpose()?;
        Channel::reattach(cfg, view, store, None, channel, fsm)
    }

    fn reattach(
        cfg: ChannelConfig,
        view: ChannelView,
        store: Option<Arc<dyn ChannelStore>>,
        pending: Option<SignedTx>,
        channel: aesc_codec::id::ChannelId,
        fsm: FsmId,
    ) -> Result<Channel, Error> {
        log::info!("reestablishing channel {channel}");
        let url = cfg.existing_url(&channel, &fsm);
        let mut ch = Channel::with_view(cfg, view, store, pending);
        ch.start(&url, OpKind::Reattach { known: fsm })?;
        Ok(ch)
    }

    /// Takes over the channel kept in the configured state store (after a crash, or in a new
    /// process) and returns when it is usable: it reconnects with the stored FSM id, learns
    /// from the node what happened meanwhile (a channel that opened, a state co-signed just
    /// before the crash, a close in progress) and continues from there.
    ///
    /// # Errors
    /// [`Error::InvalidState`] without a store, without a stored channel, or for a channel
    /// whose create tx this client never signed (the node's FSM does not outlive its client
    /// before that, so there is nothing to resume); [`Error::StoreLocked`] when another owner
    /// holds the store; a store error; or as [`Channel::reestablish`].
    pub fn resume(cfg: ChannelConfig) -> Result<Channel, Error> {
        let (ch, close) = Channel::begin_resume(cfg)?;
        match ch.wait_open() {
            Ok(()) => Ok(ch),
            Err(e) => Err(gone_after_close(e, close)),
        }
    }

    /// Starts a [`Channel::resume`] and returns after `fsm_up` (see [`Channel::wait_open`]).
    ///
    /// # Errors
    /// As [`Channel::resume`].
    pub fn start_resume(cfg: ChannelConfig) -> Result<Channel, Error> {
        Channel::begin_resume(cfg).map(|(ch, _)| ch)
    }

    /// The resumed channel, and the close this client had signed, if any.
    fn begin_resume(cfg: ChannelConfig) -> Result<(Channel, Option<SignedTx>), Error> {
        let store = cfg
            .store
            .as_ref()
            .ok_or(Error::InvalidState {
                operation: "resume",
                reason: "no state store configured",
            })?
            .open()?;
        let record = store.load()?.ok_or(Error::InvalidState {
            operation: "resume",
            reason: "the state store holds no channel",
        })?;
        let (Some(channel), Some(fsm)) = (record.view.channel_id, record.view.fsm_id) else {
            return Err(Error::InvalidState {
                operation: "resume",
                reason: "the create tx was never signed: the channel does not exist at the node",
            });
        };
        let close = record.pending.clone().filter(|p| {
            matches!(p.innermost_tx(), Tx::ChannelCloseMutual(_) | Tx::ChannelSettle(_))
        });
        match Channel::reattach(cfg, record.view, Some(store), record.pending, channel, fsm) {
            Ok(ch) => Ok((ch, close)),
            Err(e) => Err(gone_after_close(e, close)),
        }
    }

    /// Reconnects after the socket dropped (or after a leave): the node re-attaches the
    /// running FSM (same FSM id) or reestablishes a stopped one (new FSM id). Any live
    /// connection is closed first.
    ///
    /// # Errors
    /// As [`Channel::reestablish`].
    pub fn reconnect(&mut self) -> Result<(), Error> {
        self.start_reconnect()?;
        self.wait_open()
    }

    /// Starts a [`Channel::reconnect`] and returns after `fsm_up`; finish with
    /// [`Channel::wait_open`]. After a leave, a reestablished responder is usable only once the
    /// initiator is back too: to run both parties from one thread, start both, then wait.
    ///
    /// # Errors
    /// As [`Channel::reestablish`].
    pub fn start_reconnect(&mut self) -> Result<(), Error> {
        let (channel, fsm) = self.reconnect_target()?;
        log::warn!("reconnecting to channel {channel}");
        let url = self.cfg.existing_url(&channel, &fsm);
        self.start(&url, OpKind::Reattach { known: fsm })
    }

    /// Reconnects with `fsm_id` as the `existing_fsm_id` connect parameter, exactly as given
    /// (`None` leaves the parameter out), instead of the FSM id this client knows. For tests
    /// and tools that check how a node treats a client that lost or garbled its FSM id: the
    /// node refuses a missing id with data code 2000 and a wrong one with 1016
    /// ([`Error::Rejected`], see [`Error::data_codes`]). A refused reconnect leaves the
    /// channel as it was; a later [`Channel::reconnect`] works.
    ///
    /// # Errors
    /// [`Error::Rejected`] with the node's codes, or as [`Channel::reestablish`].
    pub fn reconnect_with_fsm_id(&mut self, fsm_id: Option<&str>) -> Result<(), Error> {
        let (channel, known) = self.reconnect_target()?;
        log::warn!("reconnecting to channel {channel} with a given FSM id");
        let url = self.cfg.existing_url_with_fsm_text(&channel, fsm_id);
        self.start(&url, OpKind::Reattach { known })?;
        self.wait_open()
    }

    /// The channel and FSM ids a reconnect goes back to.
    fn reconnect_target(&self) -> Result<(ChannelId, FsmId), Error> {
        let view = self.view();
        match (view.channel_id, view.fsm_id) {
            (Some(channel), Some(fsm)) => Ok((channel, fsm)),
            _ => Err(Error::InvalidState {
                operation: "reconnect",
                reason: "the channel id or fsm id is not known",
            }),
        }
    }
}
