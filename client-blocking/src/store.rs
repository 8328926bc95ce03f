//! The state store: what a new process needs to take a channel over after a crash, on disk
//! from the first moment the channel can be resumed.
//!
//! A record holds the role and accounts, the FSM id (from `fsm_up` on), the channel id (from
//! the signed create transaction on), the round and the latest co-signed state with the
//! balances behind it, the phase, and the transaction this client signed last while it waits
//! for the outcome (`pending`: the create tx, an update, a deposit, a close, a settle, …). The
//! client writes it before every signature leaves the process and after every co-signed state,
//! and a failed write fails the operation that needed it: nothing is signed that is not on
//! disk first.
//!
//! [`ChannelStore`] is the interface, so a program can keep channels in its own database;
//! [`StateStore`], a file, is the default. Each write goes to a temporary file in the same
//! directory, is flushed to disk, then renamed over the old file (and the directory is
//! synced), so a crash leaves either the old or the new record, never a torn one. The file
//! holds the FSM id, which lets its holder take the channel over at the node: on Unix it is
//! created readable by its owner only. The channel that writes a file holds an exclusive lock on
//! `FILE.lock` for as long as it lives: a second owner, in this process or another, gets
//! [`Error::StoreLocked`].

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use aesc_codec::encoding::{self, Prefix};
use aesc_codec::object::Object;
use aesc_codec::state::{OffChainState, StateTrees};
use aesc_codec::tx::SignedTx;
use aesc_codec::Uint;
use serde_json::{json, Value};

use crate::error::Error;
use crate::params::Role;
use crate::view::{round_and_hash, ChannelView, Phase};

/// The file format version written (version 1 files are still read).
const FORMAT: u64 = 2;

/// One channel as a store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChannel {
    /// The client's view: accounts, ids, round, latest co-signed state, phase.
    pub view: ChannelView,
    /// The transaction this client signed last and has not seen through yet.
    pub pending: Option<SignedTx>,
}

/// Where a client keeps its channel. Implementations must make [`ChannelStore::save`] durable
/// before returning `Ok`: the client signs only after that.
pub trait ChannelStore: Send + Sync + std::fmt::Debug {
    /// Replaces the stored record.
    ///
    /// # Errors
    /// Any failure to make the record durable.
    fn save(&self, record: &StoredChannel) -> Result<(), Error>;

    /// The stored record, or `None` when there is none.
    ///
    /// # Errors
    /// A failure to read, or a record that is not consistent.
    fn load(&self) -> Result<Option<StoredChannel>, Error>;
}

/// The file store.
#[derive(Debug)]
pub struct StateStore {
    path: PathBuf,
    /// The exclusive lock on `FILE.lock`, once taken.
    lock: Mutex<Option<File>>,
}

impl Clone for StateStore {
    /// A store of the same file that does not hold its lock.
    fn clone(&self) -> Self {
        StateStore::new(self.path.clone())
    }
}

impl PartialEq for StateStore {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
    }
}

impl Eq for StateStore {}

impl StateStore {
    /// A store in `path` (created on the first save). Reading needs no lock; the first save
    /// takes it.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        StateStore { path: path.into(), lock: Mutex::new(None) }
    }

    /// A store in `path` that holds the file's lock from now on.
    ///
    /// # Errors
    /// [`Error::StoreLocked`] when another owner holds it, [`Error::Store`] when the lock file
    /// cannot be opened.
    pub fn open(path: impl Into<PathBuf>) -> Result<Self, Error> {
        let store = StateStore::new(path);
        store.acquire()?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock_path(&self) -> PathBuf {
        let mut name = self.path.as_os_str().to_os_string();
        name.push(".lock");
        PathBuf::from(name)
    }

    /// Takes the exclusive lock unless this store holds it already.
    fn acquire(&self) -> Result<(), Error> {
        let mut held = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        if held.is_some() {
            return Ok(());
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.lock_path())
            .map_err(|e| self.io_err(e))?;
        match file.try_lock() {
            Ok(()) => {
                *held = Some(file);
                Ok(())
            }
            Err(fs::TryLockError::WouldBlock) => {
                Err(Error::StoreLocked { path: self.path.display().to_string() })
            }
            Err(fs::TryLockError::Error(e)) => Err(self.io_err(e)),
        }
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

    /// Writes `view` (with no pending transaction) atomically. Views without an FSM id are
    /// not worth keeping and are skipped (returns `Ok(false)`).
    ///
    /// # Errors
    /// [`Error::StoreLocked`] or [`Error::Store`] when writing fails.
    pub fn save(&self, view: &ChannelView) -> Result<bool, Error> {
        if view.fsm_id.is_none() {
            return Ok(false);
        }
        self.save_record(&StoredChannel { view: view.clone(), pending: None })?;
        Ok(true)
    }

    fn save_record(&self, record: &StoredChannel) -> Result<(), Error> {
        self.acquire()?;
        let view = &record.view;
        let mut v = json!({
            "format": FORMAT,
            "role": view.role.as_str(),
            "me": view.me.to_string(),
            "initiator": view.initiator.to_string(),
            "responder": view.responder.to_string(),
            "round": view.round,
            "channel_reserve": view.channel_reserve.to_json(),
            "phase": view.phase.as_str(),
        });
        let mut put = |k: &str, value: Option<String>| {
            if let (Some(value), Some(obj)) = (value, v.as_object_mut()) {
                obj.insert(k.to_owned(), value.into());
            }
        };
        put("channel_id", view.channel_id.map(|c| c.to_string()));
        put("fsm_id", view.fsm_id.map(|f| f.to_string()));
        put("state", view.latest.as_ref().map(SignedTx::to_api_string));
        put(
            "trees",
            view.state
                .as_ref()
                .map(|s| encoding::encode(Prefix::StateTrees, &s.to_trees().to_rlp())),
        );
        put("pending", record.pending.as_ref().map(SignedTx::to_api_string));
        let text = serde_json::to_string_pretty(&v).map_err(|e| self.io_err(e.into()))?;
        self.write_atomically(text.as_bytes()).map_err(|e| self.io_err(e))?;
        log::debug!("state store {}: round {} saved", self.path.display(), view.round);
        Ok(())
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
        Ok(self.load_record()?.map(|r| r.view))
    }

    /// Reads the whole stored record (see [`StateStore::load`]).
    ///
    /// # Errors
    /// As [`StateStore::load`].
    pub fn load_record(&self) -> Result<Option<StoredChannel>, Error> {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_err(e)),
        };
        let v: Value = serde_json::from_str(&text).map_err(|e| self.format_err(e.to_string()))?;
        if !matches!(v.get("format").and_then(Value::as_u64), Some(1 | FORMAT)) {
            return Err(self.format_err("unknown format"));
        }
        let s = |k: &str| v.get(k).and_then(Value::as_str).ok_or_else(|| self.format_err(k));
        let opt = |k: &str| v.get(k).and_then(Value::as_str);
        let role = match s("role")? {
            "initiator" => Role::Initiator,
            "responder" => Role::Responder,
            _ => return Err(self.format_err("role")),
        };
        let latest = opt("state")
            .map(|t| SignedTx::from_api_str(t).map_err(self.bad("state")))
            .transpose()?;
        let state = match opt("trees") {
            Some(t) => {
                let bytes =
                    encoding::decode_as(Prefix::StateTrees, t).map_err(self.bad("trees"))?;
                let trees = StateTrees::from_rlp(&bytes).map_err(self.bad("trees"))?;
                Some(OffChainState::from_trees(&trees).map_err(self.bad("trees"))?)
            }
            None => None,
        };
        let stored_round = v.get("round").and_then(Value::as_u64).unwrap_or(0);
        let round = match (&latest, &state) {
            (Some(latest), Some(state)) => {
                let (round, hash) = round_and_hash(latest.innermost_tx())
                    .ok_or_else(|| self.format_err("state"))?;
                if hash != state.state_hash() {
                    return Err(self.format_err("balances do not match the stored state hash"));
                }
                if stored_round != round {
                    return Err(self.format_err("round does not match the stored state"));
                }
                round
            }
            (None, None) if stored_round == 0 => 0,
            _ => {
                return Err(
                    self.format_err("a state without its balances, or a round without a state")
                )
            }
        };
        let pending = opt("pending")
            .map(|t| SignedTx::from_api_str(t).map_err(self.bad("pending")))
            .transpose()?;
        let view = ChannelView {
            role,
            me: s("me")?.parse().map_err(self.bad("me"))?,
            initiator: s("initiator")?.parse().map_err(self.bad("initiator"))?,
            responder: s("responder")?.parse().map_err(self.bad("responder"))?,
            channel_id: opt("channel_id")
                .map(|t| t.parse().map_err(self.bad("channel_id")))
                .transpose()?,
            fsm_id: opt("fsm_id").map(|t| t.parse().map_err(self.bad("fsm_id"))).transpose()?,
            round,
            channel_reserve: v
                .get("channel_reserve")
                .and_then(Uint::from_json)
                .ok_or_else(|| self.format_err("channel_reserve"))?,
            state,
            latest,
            phase: Phase::from_name(s("phase")?).ok_or_else(|| self.format_err("phase"))?,
        };
        Ok(Some(StoredChannel { view, pending }))
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

impl ChannelStore for StateStore {
    fn save(&self, record: &StoredChannel) -> Result<(), Error> {
        self.save_record(record)
    }

    fn load(&self) -> Result<Option<StoredChannel>, Error> {
        self.load_record()
    }
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
