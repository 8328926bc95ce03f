//! Recordings on disk: where the reference material lives (`shared/seeds`, `shared/live`,
//! `$AESC_CORPUS`), reading one file, and the group set-up a file without its own channel
//! opening belongs to.

use std::path::{Path, PathBuf};

use super::error::RecordingError;
use super::session::{Participants, Recording};

impl Recording {
    /// Reads and parses a recording file (`.txt` or `.md`). For files that never open a
    /// connection, the participants of a group set-up file (`init_per_group.md` in the same
    /// directory or the one above) are recorded in [`Recording::group_participants`].
    ///
    /// # Errors
    /// [`RecordingError::Io`] if a file cannot be read, any parse error otherwise.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
        let path = path.as_ref();
        let text = read(path)?;
        let mut recording = Recording::parse(&path.display().to_string(), &text)?;
        if recording.connect_participants().is_none() {
            recording.group_participants = group_participants(path, &recording)?;
        }
        Ok(recording)
    }
}

fn read(path: &Path) -> Result<String, RecordingError> {
    std::fs::read_to_string(path)
        .map_err(|source| RecordingError::Io { path: path.to_owned(), source })
}

/// The participants of the group set-up file that opened the channel `rec` uses: the nearest
/// `init_per_group.md` (same directory or the one above) whose frames name one of the channel
/// ids of `rec`.
fn group_participants(
    path: &Path,
    rec: &Recording,
) -> Result<Option<Participants>, RecordingError> {
    let ids = rec.channel_ids();
    let mut dir = path.parent();
    for _ in 0..2 {
        let Some(d) = dir else { break };
        let group = d.join("init_per_group.md");
        if group.is_file() && group != path {
            let text = read(&group)?;
            let setup = Recording::parse(&group.display().to_string(), &text)?;
            if setup.channel_ids().iter().any(|id| ids.contains(id)) {
                return Ok(setup.connect_participants());
            }
        }
        dir = d.parent();
    }
    Ok(None)
}

/// The reference material directory (`shared/`): `$AESC_SHARED` if set, otherwise the nearest
/// `shared` directory holding `seeds/` next to the workspace or one of its ancestors.
pub fn shared_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("AESC_SHARED") {
        let dir = PathBuf::from(dir);
        return dir.is_dir().then_some(dir);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().skip(1).map(|a| a.join("shared")).find(|d| d.join("seeds").is_dir())
}

/// `shared/seeds`, if present.
pub fn seeds_dir() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("seeds")).filter(|d| d.is_dir())
}

/// `shared/live`, if present.
pub fn live_dir() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("live")).filter(|d| d.is_dir())
}

/// The corpus directory named by `$AESC_CORPUS`, if set and present.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("AESC_CORPUS")?);
    dir.is_dir().then_some(dir)
}

/// Every recording file: `seeds/*.txt`, `live/*.txt` and `$AESC_CORPUS/**/*.md`, each group
/// sorted by path. Missing directories contribute nothing.
pub fn all_recordings() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in [seeds_dir(), live_dir()].into_iter().flatten() {
        out.extend(files_with_extension(&dir, "txt", false));
    }
    if let Some(dir) = corpus_dir() {
        out.extend(files_with_extension(&dir, "md", true));
    }
    out
}

/// Files under `dir` with extension `ext`, sorted, optionally recursing.
pub fn files_with_extension(dir: &Path, ext: &str, recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if recursive {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
