//! A state store: the channel id, the FSM id, the round and the latest co-signed state (with
//! the balances behind it) on disk, rewritten after every co-signed update.
//!
//! Each write goes to a temporary file in the same directory, is flushed to disk, then renamed
//! over the old file (and the directory is synced), so a crash leaves either the old or the
//! new record, never a torn one. The file holds the FSM id, which lets its holder take the
//! channel over at the node: on Unix it is created readable by its owner only.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::object::Object;
use aesc_codec::state::{OffChainState, StateTrees};
use aesc_codec::tx::SignedTx;
use aesc_codec::Uint;
use serde_json::{json, Value};

use crate::error::Error;
use crate::params::Role;
use crate::view::{round_and_hash, ChannelView, Phase};

/// The file format version written.
const FORMAT: u64 = 1;

/// Where one channel's state is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateStore {
    path: PathBuf,
}

impl StateStore {
    /// A store in `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        StateStore { path: path.into() }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io_err(&self, e: io::Error) -> Error {
        Error::Store { path: self.path.display().to_string(), source: Arc::new(e) }
    }

    fn bad<E>(&self, field: &'static str) -> impl FnOnce(E) -> Error + '_ {
        move |_| self.format_err(field)
    }

    fn format_err(&self, reason: impl Into<String>) -> Error {
        Error::StoreFormat { path: self.path.display().to_string(), reason: reason.into() }
    }

    /// Writes `view` atomically. Views without a channel id, FSM id, state or co-signed
    /// transaction are not worth keeping and are skipped (returns `Ok(false)`).
    ///
    /// # Errors
    /// [`Error::Store`] when writing fails.
    pub fn save(&self, view: &ChannelView) -> Result<bool, Error> {
        let (Some(channel_id), Some(fsm_id), Some(state), Some(latest)) =
            (&view.channel_id, &view.fsm_id, &view.state, &view.latest)
        else {
            return Ok(false);
        };
        let record = json!({
            "format": FORMAT,
            "role": view.role.as_str(),
            "me": view.me.to_string(),
            "initiator": view.initiator.to_string(),
            "responder": view.responder.to_string(),
            "channel_id": channel_id.to_string(),
            "fsm_id": fsm_id.to_string(),
            "round": view.round,
            "channel_reserve": view.channel_reserve.to_json(),
            "phase": phase_name(view.phase),
            "state": latest.to_api_string(),
            "trees": encoding::encode(Prefix::StateTrees, &state.to_trees().to_rlp()),
        });
        let text = serde_json::to_string_pretty(&record).map_err(|e| self.io_err(e.into()))?;
        self.write_atomically(text.as_bytes()).map_err(|e| self.io_err(e))?;
        log::debug!("state store {}: round {} saved", self.path.display(), view.round);
        Ok(true)
    }

    fn write_atomically(&self, bytes: &[u8]) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self.path.file_name().ok_or_else(|| io::Error::other("no file name"))?;
        let mut tmp_name = name.to_os_string();
        tmp_name.push(".tmp");
        let tmp = dir.join(tmp_name);
        {
            let mut f = private_file(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        // Make the rename itself durable.
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Reads the stored view, or `None` when there is no file. The stored balances are checked
    /// against the state hash of the stored co-signed transaction.
    ///
    /// # Errors
    /// [`Error::Store`] when reading fails, [`Error::StoreFormat`] when the file is not a
    /// consistent record.
    pub fn load(&self) -> Result<Option<ChannelView>, Error> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_err(e)),
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| self.format_err(e.to_string()))?;
        if v.get("format").and_then(Value::as_u64) != Some(FORMAT) {
            return Err(self.format_err("unknown format"));
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).ok_or_else(|| self.format_err(k));
        let role = match s("role")? {
            "initiator" => Role::Initiator,
            "responder" => Role::Responder,
            _ => return Err(self.format_err("role")),
        };
        let latest = SignedTx::from_api_str(s("state")?).map_err(self.bad("state"))?;
        let trees_bytes =
            encoding::decode_as(Prefix::StateTrees, s("trees")?).map_err(self.bad("trees"))?;
        let trees = StateTrees::from_rlp(&trees_bytes).map_err(self.bad("trees"))?;
        let state = OffChainState::from_trees(&trees).map_err(self.bad("trees"))?;
        let (round, hash) =
            round_and_hash(latest.innermost_tx()).ok_or_else(|| self.format_err("state"))?;
        if hash != state.state_hash() {
            return Err(self.format_err("balances do not match the stored state hash"));
        }
        if v.get("round").and_then(Value::as_u64) != Some(round) {
            return Err(self.format_err("round does not match the stored state"));
        }
        let view = ChannelView {
            role,
            me: s("me")?.parse().map_err(self.bad("me"))?,
            initiator: s("initiator")?.parse().map_err(self.bad("initiator"))?,
            responder: s("responder")?.parse().map_err(self.bad("responder"))?,
            channel_id: Some(s("channel_id")?.parse().map_err(self.bad("channel_id"))?),
            fsm_id: Some(s("fsm_id")?.parse().map_err(self.bad("fsm_id"))?),
            round,
            channel_reserve: v
                .get("channel_reserve")
                .and_then(Uint::from_json)
                .ok_or_else(|| self.format_err("channel_reserve"))?,
            state: Some(state),
            latest: Some(latest),
            phase: phase_from_name(s("phase")?).ok_or_else(|| self.format_err("phase"))?,
        };
        Ok(Some(view))
    }

    /// Deletes the file (after the channel is closed for good).
    ///
    /// # Errors
    /// [`Error::Store`] when the file exists but cannot be removed.
    pub fn remove(&self) -> Result<(), Error> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io_err(e)),
        }
    }
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Connecting => "connecting",
        Phase::Opening => "opening",
        Phase::Open => "open",
        Phase::Left => "left",
        Phase::Closing => "closing",
        Phase::Closed => "closed",
        Phase::Stopped => "stopped",
    }
}

fn phase_from_name(s: &str) -> Option<Phase> {
    Some(match s {
        "connecting" => Phase::Connecting,
        "opening" => Phase::Opening,
        "open" => Phase::Open,
        "left" => Phase::Left,
        "closing" => Phase::Closing,
        "closed" => Phase::Closed,
        "stopped" => Phase::Stopped,
        _ => return None,
    })
}

#[cfg(unix)]
fn private_file(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> io::Result<File> {
    OpenOptions::new().write(true).create(true).truncate(true).open(path)
}
