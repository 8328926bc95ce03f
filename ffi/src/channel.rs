//! The channel handle: opening, reestablishing and resuming a channel, and reconnecting it.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use aesc_client::{Channel, ChannelConfig, Error, Events};

use crate::config::{aesc_config, mismatch};
use crate::error::Failure;
use crate::guard;
use crate::result::aesc_result;
use crate::strings::{null, Out};

/// One party's end of a state channel.
///
/// Made by `aesc_channel_open`, `aesc_channel_connect`, `aesc_channel_reestablish` or
/// `aesc_channel_resume`; freed by `aesc_channel_free`, which closes the connection (the
/// channel itself stays as it is at the node: leave or close it first to end it).
///
/// Thread safety: as in Rust, a handle may be used from several threads at once: operations
/// (transfers, queries, events) run concurrently, each blocking only its own thread; a
/// reconnect waits until the operations in progress have finished. Only `aesc_channel_free`
/// needs exclusive use.
#[derive(Debug)]
pub struct aesc_channel {
    channel: RwLock<Channel>,
    /// The event stream, outside the lock: it continues across reconnects.
    events: Events,
}

impl aesc_channel {
    fn new(channel: Channel) -> Box<aesc_channel> {
        let events = channel.events().clone();
        Box::new(aesc_channel { channel: RwLock::new(channel), events })
    }

    /// The channel, for an operation.
    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Channel> {
        self.channel.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Channel> {
        self.channel.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The event stream.
    pub(crate) fn events(&self) -> &Events {
        &self.events
    }
}

/// Borrows the handle behind `ptr`.
///
/// # Safety
/// `ptr` is NULL or a live handle from this module, not being freed.
pub(crate) unsafe fn channel_ref<'a>(
    ptr: *const aesc_channel,
) -> Result<&'a aesc_channel, Failure> {
    // SAFETY: this function's contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| null("channel"))
}

/// Borrows the configuration behind `ptr`.
///
/// # Safety
/// `ptr` is NULL or a live configuration from `aesc_config_new`.
unsafe fn config_ref<'a>(ptr: *const aesc_config) -> Result<&'a ChannelConfig, Failure> {
    // SAFETY: this function's contract.
    unsafe { ptr.as_ref() }.map(|c| &c.inner).ok_or_else(|| null("config"))
}

/// The common shape of the functions that make a handle from a configuration.
fn make(
    config: *const aesc_config,
    channel_out: *mut *mut aesc_channel,
    start: impl FnOnce(ChannelConfig) -> Result<Channel, Error>,
) -> aesc_result {
    guard::run(|| make_with(config, channel_out, start))
}

fn make_with(
    config: *const aesc_config,
    channel_out: *mut *mut aesc_channel,
    start: impl FnOnce(ChannelConfig) -> Result<Channel, Error>,
) -> Result<(), Failure> {
    let out = Out::new(channel_out, "channel_out")?;
    // SAFETY: the caller passes a live configuration (contract of each function).
    let config = unsafe { config_ref(config) }?.clone();
    let channel = start(config)?;
    // SAFETY: `channel_out` is a writable `aesc_channel **` (contract of each function).
    unsafe { out.write(Box::into_raw(aesc_channel::new(channel))) };
    Ok(())
}

/// Opens a new channel with the terms of `config` and returns once it is open: connects,
/// checks the create transaction against the terms, signs it and waits for its confirmation
/// on chain. The responder must connect first (its node listens for the initiator's); to run
/// both parties from one thread, use `aesc_channel_connect` for each, then
/// `aesc_channel_wait_open`.
///
/// Deadlines: `deadlines_ms.fsm_up` to connect, then `deadlines_ms.open`.
///
/// Ownership: `config` is borrowed for the call (the channel keeps its own copy). On success
/// `*channel_out` receives a new handle owned by the caller, to free with `aesc_channel_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_STATE` (no channel terms in the
/// configuration), `AESC_RESULT_CONNECTION_ERROR`, `AESC_RESULT_NODE_ERROR` (the node rejected
/// the connection), `AESC_RESULT_REFUSED` (the create transaction does not match the terms, or
/// the signing policy refused it), `AESC_RESULT_TIMEOUT`, `AESC_RESULT_DISCONNECTED`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_open(
    config: *const aesc_config,
    channel_out: *mut *mut aesc_channel,
) -> aesc_result {
    make(config, channel_out, Channel::open)
}

/// Connects to open a new channel and returns once the node's FSM is up; the opening goes on
/// in the background. Finish it with `aesc_channel_wait_open`.
///
/// Deadline: `deadlines_ms.fsm_up`.
///
/// Ownership and errors: as `aesc_channel_open` (a refusal or a failure of the opening itself
/// is reported by `aesc_channel_wait_open`).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_connect(
    config: *const aesc_config,
    channel_out: *mut *mut aesc_channel,
) -> aesc_result {
    make(config, channel_out, Channel::connect)
}

/// Waits until the channel started by `aesc_channel_connect` is open, or the one started by
/// `aesc_channel_start_reconnect` is usable again. Returns at once when the channel is open
/// and nothing is pending.
///
/// Deadline: `deadlines_ms.fsm_up` + the larger of `deadlines_ms.open` and
/// `deadlines_ms.reestablish`.
///
/// Ownership: `channel` is borrowed for the call.
///
/// Errors: what the opening failed with (`AESC_RESULT_REFUSED`, `AESC_RESULT_TIMEOUT`,
/// `AESC_RESULT_CONFLICT`, `AESC_RESULT_DISCONNECTED`, …); `AESC_RESULT_INVALID_STATE` when
/// nothing is pending and the channel is not open; `AESC_RESULT_NULL_PARAMETER`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_wait_open(channel: *const aesc_channel) -> aesc_result {
    guard::run(|| {
        // SAFETY: the caller passes a live handle (contract above).
        let ch = unsafe { channel_ref(channel) }?;
        ch.read().wait_open().map_err(Failure::from)
    })
}

/// Reestablishes, with `config`, the channel of `previous` (a handle whose channel was left
/// with `aesc_channel_leave`, or whose connection was lost), and returns when it is usable.
/// The new handle starts from `previous`'s view (channel id, FSM id, round, balances, latest
/// co-signed state); `previous` gives the channel up: its connection is closed and its state
/// store released (the new handle holds it), so free it afterwards. Same-handle alternative:
/// `aesc_channel_reconnect`.
///
/// Deadlines: `deadlines_ms.fsm_up`, then `deadlines_ms.reestablish`.
///
/// Ownership: `config` and `previous` are borrowed for the call. On success `*channel_out`
/// receives a new handle owned by the caller, to free with `aesc_channel_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`, `AESC_RESULT_INVALID_ARGUMENT` (`config` is of
/// another party), `AESC_RESULT_INVALID_STATE` (`previous` never had a channel id and FSM id),
/// `AESC_RESULT_NODE_ERROR` (e.g. data code 1016 for a wrong FSM id), and as
/// `aesc_channel_open`.
///
/// Thread safety: may be called from any thread; `previous` waits for its other users.
#[no_mangle]
pub extern "C" fn aesc_channel_reestablish(
    config: *const aesc_config,
    previous: *const aesc_channel,
    channel_out: *mut *mut aesc_channel,
) -> aesc_result {
    guard::run(|| {
        // SAFETY: the caller passes a live handle (contract above).
        let previous = unsafe { previous.as_ref() }.ok_or_else(|| null("previous"))?;
        // The previous handle gives the channel up, its state store included.
        let view = {
            let mut old = previous.write();
            old.release_store();
            old.view()
        };
        // Checked before `make` reads `config` again, so that a NULL `config` is reported
        // as such.
        // SAFETY: the caller passes a live configuration (contract above).
        let cfg = unsafe { config_ref(config) }?;
        if cfg.account() != view.me || cfg.role() != view.role {
            return Err(mismatch("config: another party than the one of previous"));
        }
        make_with(config, channel_out, |cfg| Channel::reestablish(cfg, view))
    })
}

/// Reestablishes the channel kept in the state store of `config` (its `"store"` file, written
/// after every co-signed update by a channel with the same store), for example in a new
/// process after a crash or a leave, and returns when it is usable.
///
/// Deadlines: `deadlines_ms.fsm_up`, then `deadlines_ms.reestablish`.
///
/// Ownership: `config` is borrowed for the call. On success `*channel_out` receives a new
/// handle owned by the caller, to free with `aesc_channel_free`.
///
/// Errors: `AESC_RESULT_INVALID_STATE` (no store configured, or the store holds no channel),
/// `AESC_RESULT_STORE_ERROR` (the file cannot be read or is not a valid record), and as
/// `aesc_channel_reestablish`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_resume(
    config: *const aesc_config,
    channel_out: *mut *mut aesc_channel,
) -> aesc_result {
    make(config, channel_out, Channel::resume)
}

/// Reconnects the channel after its socket dropped or after a leave, and returns when it is
/// usable: the node re-attaches the running FSM or reestablishes a stopped one. Any live
/// connection is closed first. Waits for operations in progress on other threads to end.
///
/// Deadlines: `deadlines_ms.fsm_up`, then `deadlines_ms.reestablish`.
///
/// Ownership: `channel` is borrowed for the call.
///
/// Errors: `AESC_RESULT_INVALID_STATE` (the channel id or FSM id is not known yet), and as
/// `aesc_channel_reestablish`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_reconnect(channel: *const aesc_channel) -> aesc_result {
    guard::run(|| {
        // SAFETY: the caller passes a live handle (contract above).
        let ch = unsafe { channel_ref(channel) }?;
        ch.write().reconnect().map_err(Failure::from)
    })
}

/// Starts an `aesc_channel_reconnect` and returns once the node's FSM is up; finish with
/// `aesc_channel_wait_open`. After a leave, a reestablished responder is usable only once the
/// initiator is back too: to run both parties from one thread, start both, then wait for both.
///
/// Deadline: `deadlines_ms.fsm_up`.
///
/// Ownership and errors: as `aesc_channel_reconnect`.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_start_reconnect(channel: *const aesc_channel) -> aesc_result {
    guard::run(|| {
        // SAFETY: the caller passes a live handle (contract above).
        let ch = unsafe { channel_ref(channel) }?;
        ch.write().start_reconnect().map_err(Failure::from)
    })
}

/// Whether the channel's socket is up. Returns false for NULL.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_channel_is_connected(channel: *const aesc_channel) -> bool {
    guard::run_or(false, || {
        // SAFETY: the caller passes a live handle or NULL (contract above).
        unsafe { channel.as_ref() }.is_some_and(|ch| ch.read().is_connected())
    })
}

/// Closes the channel's connection (the close handshake waits at most
/// `connection_ms.close`) and frees the handle. The channel itself stays as it is at the node:
/// leave, close or shut it down first to end it.
///
/// Ownership: takes back `channel`, which must not be used afterwards, by any thread (use after
/// free and double free are the caller's errors). `channel == NULL` does nothing.
///
/// Thread safety: the caller must ensure no other thread uses `channel` during or after the
/// call.
#[no_mangle]
pub extern "C" fn aesc_channel_free(channel: *mut aesc_channel) {
    guard::run_or((), || {
        if !channel.is_null() {
            // SAFETY: per the contract above, `channel` came from `Box::into_raw` in this module
            // and is freed once, with no other thread using it.
            drop(unsafe { Box::from_raw(channel) });
        }
    });
}
