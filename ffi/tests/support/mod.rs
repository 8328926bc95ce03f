//! The library as C and Python programs link it: built once per test run by a nested cargo
//! into a target directory of its own (so the outer cargo's build lock is never waited for),
//! with the node double on. The directory is kept between runs, so later builds are
//! incremental.

#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("ffi/ is in the workspace").to_path_buf()
}

/// What the nested build made.
#[derive(Debug)]
pub struct Built {
    /// The directory holding `libaesc.so` (and `libaesc.a`).
    pub lib_dir: PathBuf,
    /// The `aesc` command.
    pub cli: PathBuf,
}

/// Builds `libaesc` with the `node-double` feature and the `aesc` command, once per process.
pub fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("aesc-ffi-nested");
        // Two builds: with several packages, `--features aesc-ffi/node-double` is not applied.
        cargo_build(&target, &["-p", "aesc-ffi", "--features", "node-double"]);
        cargo_build(&target, &["-p", "aesc-cli"]);
        let debug = target.join("debug");
        Built { cli: debug.join("aesc"), lib_dir: debug }
    })
}

fn cargo_build(target: &Path, args: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(workspace())
        .args(["build", "--locked"])
        .args(args)
        .arg("--target-dir")
        .arg(target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "building {args:?} for the foreign tests failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The path of `tool`, or a failure saying it is missing.
pub fn require_tool(tool: &str, what: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).map(|dir| dir.join(tool)).find(|p| p.is_file())
    });
    found.unwrap_or_else(|| panic!("{what} is needed for this test: `{tool}` is not on PATH"))
}

/// The recorded transactions: `(tx, tx_hash, network_id, signers, type)`.
pub fn recorded_vectors() -> Vec<(String, String, String, Vec<String>, String)> {
    let path = workspace().join("tests/data/recorded_vectors.json");
    let text = std::fs::read_to_string(&path).expect("the recorded vectors");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let mut out = Vec::new();
    for session in doc["sessions"].as_array().expect("sessions") {
        let network = session["network_id"].as_str().expect("network_id");
        for tx in session["txs"].as_array().expect("txs") {
            let signers = tx["signatures"]
                .as_array()
                .expect("signatures")
                .iter()
                .map(|s| s["signer"].as_str().expect("signer").to_owned())
                .collect();
            out.push((
                tx["tx"].as_str().expect("tx").to_owned(),
                tx["tx_hash"].as_str().expect("tx_hash").to_owned(),
                network.to_owned(),
                signers,
                tx["type"].as_str().expect("type").to_owned(),
            ));
        }
    }
    out
}

/// A fresh directory under the target's temporary directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("aesc-ffi-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}
