//! Replays the client side of a recorded session against a node double and compares what the
//! double sends with what the node sent.
//!
//! The client actions of the recording (connects, requests, signing replies, closes) are
//! replayed in order with freshly generated keys standing in for the recorded accounts:
//! account ids, channel ids and fsm ids are mapped to the double's as they appear, and every
//! signing reply is re-signed over the transaction the double asked to sign (with as many
//! signatures as the recorded reply carried). Before each action the replayer waits until
//! every connection has received as many frames as the recording shows before that action.
//! The double's chain is mined on demand: when the replayer waits for a frame only a new block
//! can bring (inclusion, minimum depth), it mines one; when it waits for `can_slash`, it puts
//! a stale solo close on chain, as the recorded test did through the node's HTTP API.
//!
//! The comparison is per connection, on the sequence of `(direction, method, event)` — ids,
//! keys, signatures, hashes and amounts are ignored — because frames on different sockets have
//! no order the node guarantees.
//!
//! `attribute` assigns the recorded steps to sockets, `run` drives the double, `id_map` maps
//! the recorded ids to the double's, and `report` holds the comparison.

mod attribute;
mod id_map;
mod report;
mod run;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use report::{frame_key, ConnReport, Key, Report};
pub use run::Options;

use crate::recording::{Recording, Step};

/// Replays the recording at `path` (with its group set-up first when it needs one).
pub fn replay_file(path: &Path, options: &Options) -> Report {
    let name = path.display().to_string();
    let fail = |e: String| Report {
        name: name.clone(),
        connections: Vec::new(),
        stalls: Vec::new(),
        error: Some(e),
    };
    let rec = match Recording::from_file(path) {
        Ok(r) => r,
        Err(e) => return fail(e.to_string()),
    };
    let mut steps = Vec::new();
    let mut foreign = false;
    if rec.connects().next().is_none() {
        match group_setup(path).map(Recording::from_file) {
            Some(Ok(group)) => {
                // A file recorded in another run than the set-up names other accounts.
                let named = rec.accounts();
                foreign = group.participants().is_some_and(|p| {
                    !named.contains(&p.initiator) && !named.contains(&p.responder)
                });
                steps.extend(group.steps);
            }
            Some(Err(e)) => return fail(format!("group set-up: {e}")),
            None => return fail("no connection and no group set-up".into()),
        }
    }
    steps.extend(rec.steps.iter().cloned());
    let mut opts = options.clone();
    if steps.iter().any(|s| matches!(s, Step::Connect { url, .. } if url.contains("timeout_"))) {
        opts.patience = opts.patience.max(Duration::from_secs(5));
    }
    run::replay_steps_with(&name, rec.network_id(), &steps, &opts, foreign)
}

/// Replays already parsed steps.
pub fn replay_steps(name: &str, network: &str, steps: &[Step], options: &Options) -> Report {
    run::replay_steps_with(name, network, steps, options, false)
}

/// The group set-up of a corpus file that never opens a connection itself:
/// `init_per_group.md` in its directory or an ancestor; failing that (a group whose set-up was
/// not recorded), the first set-up of a sibling group found going up.
fn group_setup(path: &Path) -> Option<PathBuf> {
    let ancestors: Vec<&Path> = path.ancestors().skip(1).take(3).collect();
    if let Some(p) = ancestors.iter().map(|d| d.join("init_per_group.md")).find(|p| p.is_file()) {
        return Some(p);
    }
    ancestors.iter().find_map(|d| {
        let mut found: Vec<PathBuf> = std::fs::read_dir(d)
            .ok()?
            .flatten()
            .map(|e| e.path().join("init_per_group.md"))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        found.into_iter().next()
    })
}
