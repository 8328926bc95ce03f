//! Fidelity of the node double, measured against recorded node sessions: the client actions
//! of each recording are replayed against the double (see `aesc_testkit::double::replay`)
//! and the per-connection sequences of (direction, method, event) are compared.
//!
//! Seeds and live recordings always run; the corpus runs when `AESC_CORPUS` names it.

use std::path::PathBuf;
use std::sync::Mutex;

use aesc_testkit::double::replay::{replay_file, Options, Report};
use aesc_testkit::recording;

/// Corpus areas the double covers (contracts and force progress are out of scope).
fn covered(path: &std::path::Path) -> bool {
    let text = path.to_string_lossy();
    !text.contains("/contracts/") && !text.contains("force_progress") && !text.ends_with("init_per_group.md")
}

fn run_all(paths: Vec<PathBuf>) -> Vec<Report> {
    let queue = Mutex::new(paths.into_iter().enumerate().collect::<Vec<_>>());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let Some((i, p)) = queue.lock().unwrap().pop() else { break };
                let report = replay_file(&p, &Options::default());
                results.lock().unwrap().push((i, report));
            });
        }
    });
    let mut out = results.into_inner().unwrap();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

fn summary(reports: &[Report]) -> String {
    let matched = reports.iter().filter(|r| r.matches()).count();
    let mut text = format!("fidelity: {matched}/{} recordings match fully\n", reports.len());
    for r in reports {
        text.push_str(&format!("{r}\n"));
    }
    text
}

#[test]
fn seeds_and_live_recordings() {
    let mut paths = Vec::new();
    for dir in [recording::seeds_dir(), recording::live_dir()].into_iter().flatten() {
        paths.extend(recording::files_with_extension(&dir, "txt", false));
    }
    if paths.is_empty() {
        eprintln!("note: no shared/seeds or shared/live directory; nothing to compare");
        return;
    }
    let reports = run_all(paths);
    eprintln!("{}", summary(&reports));
}

#[test]
fn corpus_recordings() {
    let Some(dir) = recording::corpus_dir() else {
        eprintln!("note: AESC_CORPUS is not set; corpus fidelity skipped");
        return;
    };
    let paths: Vec<PathBuf> =
        recording::files_with_extension(&dir, "md", true).into_iter().filter(|p| covered(p)).collect();
    let reports = run_all(paths);
    eprintln!("{}", summary(&reports));
}

#[test]
#[ignore]
fn peek() {
    let p = std::env::var("PEEK").unwrap();
    let r = replay_file(std::path::Path::new(&p), &Options::default());
    for (i, c) in r.connections.iter().enumerate() {
        eprintln!("conn {i} {:?}: {} expected / {} observed", c.role, c.expected.len(), c.observed.len());
        for k in 0..c.expected.len().max(c.observed.len()) {
            let e = c.expected.get(k).map(String::as_str).unwrap_or("");
            let o = c.observed.get(k).map(String::as_str).unwrap_or("");
            eprintln!("  {} {:50} {}", if e == o { " " } else { "*" }, e, o);
        }
    }
    eprintln!("{r}");
}
