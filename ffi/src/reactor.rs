//! The shared reactor: one I/O thread for many channels.

use aesc_client::Reactor;

use crate::config::aesc_config;
use crate::error::Failure;
use crate::guard;
use crate::result::aesc_result;
use crate::strings::{null, Out};

/// An I/O thread that any number of channels share, made by `aesc_reactor_new`.
///
/// Without one, each channel runs on an I/O thread of its own. A program with many channels
/// makes one reactor (or one per core) and gives it to each channel's configuration with
/// `aesc_config_with_reactor`: every channel then costs one file descriptor and no thread,
/// keeps its own queues, deadlines and events, and cannot be delayed by a busy or flooding
/// neighbour.
///
/// Thread safety: may be used from several threads at once. The thread ends once the reactor
/// and every configuration and channel using it are freed.
#[derive(Debug)]
pub struct aesc_reactor {
    inner: Reactor,
}

/// Starts a reactor: a new I/O thread named `aesc-reactor`.
///
/// Ownership: on success `*reactor_out` receives a new reactor owned by the caller, to free with
/// `aesc_reactor_free` (channels using it keep it running until they are freed).
///
/// Errors: `AESC_RESULT_NULL_PARAMETER`; `AESC_RESULT_OTHER` when the thread or its poll
/// cannot be made.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_reactor_new(reactor_out: *mut *mut aesc_reactor) -> aesc_result {
    guard::run(|| {
        let out = Out::new(reactor_out, "reactor_out")?;
        let inner = Reactor::new()
            .map_err(|e| Failure::new(aesc_result::Other, format!("reactor: {e}")))?;
        // SAFETY: `reactor_out` is a writable `aesc_reactor **` (contract above).
        unsafe { out.write(Box::into_raw(Box::new(aesc_reactor { inner }))) };
        Ok(())
    })
}

/// How many connections `reactor` runs now; 0 for NULL.
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_reactor_connections(reactor: *const aesc_reactor) -> usize {
    guard::run_or(0, || {
        // SAFETY: a non-NULL `reactor` points to a live `aesc_reactor` (contract above).
        unsafe { reactor.as_ref() }.map_or(0, |r| r.inner.connections())
    })
}

/// Frees a reactor made by `aesc_reactor_new`. Its thread goes on while channels use it.
///
/// Ownership: takes back `reactor`, which must not be used afterwards. NULL does nothing.
///
/// Thread safety: the caller must ensure no other thread uses `reactor` during or after the
/// call.
#[no_mangle]
pub extern "C" fn aesc_reactor_free(reactor: *mut aesc_reactor) {
    guard::run_or((), || {
        if !reactor.is_null() {
            // SAFETY: per the contract above, `reactor` came from `Box::into_raw` in
            // `aesc_reactor_new` and is freed once.
            drop(unsafe { Box::from_raw(reactor) });
        }
    });
}

/// Makes a copy of `config` whose channels run on `reactor` (NULL: on I/O threads of their
/// own).
///
/// Ownership: `config` and `reactor` are borrowed for the call; on success `*config_out`
/// receives a new configuration owned by the caller, to free with `aesc_config_free`.
///
/// Errors: `AESC_RESULT_NULL_PARAMETER` (`config` or `config_out`).
///
/// Thread safety: may be called from any thread.
#[no_mangle]
pub extern "C" fn aesc_config_with_reactor(
    config: *const aesc_config,
    reactor: *const aesc_reactor,
    config_out: *mut *mut aesc_config,
) -> aesc_result {
    guard::run(|| {
        let out = Out::new(config_out, "config_out")?;
        // SAFETY: a non-NULL `config` points to a live `aesc_config` (contract above).
        let config = unsafe { config.as_ref() }.ok_or_else(|| null("config"))?;
        // SAFETY: a non-NULL `reactor` points to a live `aesc_reactor` (contract above).
        let reactor = unsafe { reactor.as_ref() }.map(|r| &r.inner);
        let mut inner = config.inner.clone();
        inner.set_reactor(reactor);
        // SAFETY: `config_out` is a writable `aesc_config **` (contract above).
        unsafe { out.write(Box::into_raw(Box::new(aesc_config { inner }))) };
        Ok(())
    })
}
