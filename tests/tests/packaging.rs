//! What `cargo package` would ship of each published crate: the sources, the manifest, the
//! README and the licence texts, and nothing else (no tests, test data, benchmarks, fuzz
//! corpus or example inputs).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Published crates: (package, folder, the entry point it must ship, files beside the
/// sources that it ships too).
const CRATES: [(&str, &str, &str, &[&str]); 5] = [
    ("aesc-codec", "codec", "src/lib.rs", &[]),
    ("aesc-client", "client-blocking", "src/lib.rs", &[]),
    ("aesc-cli", "cli", "src/main.rs", &[]),
    ("aesc-testkit", "tests", "src/lib.rs", &[]),
    // The C library: its header, the header's cbindgen configuration, the Python wrapper.
    ("aesc-ffi", "ffi", "src/lib.rs", &["include/aesc.h", "cbindgen.toml", "python/aesc.py"]),
];

/// Files beside the sources that every package holds (`.cargo_vcs_info.json` only when
/// packaged from a git checkout).
const REQUIRED: [&str; 6] =
    ["Cargo.toml", "Cargo.toml.orig", "Cargo.lock", "README.md", "LICENSE-APACHE", "LICENSE-MIT"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn package_list(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let out = Command::new(cargo)
        .args(["package", "--list", "--allow-dirty", "--offline", "-p", package])
        .current_dir(workspace())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "cargo package --list -p {package}: {stderr}");
    assert!(!stderr.contains("warning"), "cargo package --list -p {package}: {stderr}");
    String::from_utf8(out.stdout).unwrap().lines().map(str::to_owned).collect()
}

/// Every `.rs` file under `dir`, relative to `base`, with `/` separators.
fn rust_files(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(base, &path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(base).unwrap();
            out.insert(
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/"),
            );
        }
    }
}

#[test]
fn each_crate_ships_its_sources_readme_and_licences_only() {
    for (package, folder, entry, beside) in CRATES {
        let listed = package_list(package);
        for required in REQUIRED.iter().chain([&entry]).chain(beside) {
            assert!(listed.contains(*required), "{package} lacks {required}: {listed:#?}");
        }
        let mut sources = BTreeSet::new();
        let base = workspace().join(folder);
        rust_files(&base, &base.join("src"), &mut sources);
        for source in &sources {
            assert!(listed.contains(source), "{package} lacks {source}");
        }
        let extra: Vec<&String> = listed
            .iter()
            .filter(|f| !sources.contains(*f))
            .filter(|f| !REQUIRED.contains(&f.as_str()) && !beside.contains(&f.as_str()))
            .filter(|f| *f != ".cargo_vcs_info.json")
            .collect();
        assert!(extra.is_empty(), "{package} ships more than it needs: {extra:#?}");
        // What the include list keeps out, named, in case it ever changes.
        for kept_out in ["tests/", "benches/", "examples/", "data/", "corpus/", "fuzz/", ".md"] {
            let leaked = listed.iter().find(|f| f.contains(kept_out) && *f != "README.md");
            assert!(leaked.is_none(), "{package} ships {leaked:?}");
        }
    }
}

#[test]
fn manifests_are_fit_for_crates_io() {
    let root = std::fs::read_to_string(workspace().join("Cargo.toml")).unwrap();
    assert!(!root.contains("example.invalid"), "a placeholder URL");
    for (package, folder, _, _) in CRATES {
        let manifest =
            std::fs::read_to_string(workspace().join(folder).join("Cargo.toml")).unwrap();
        for field in [
            "description = ",
            "license.workspace = true",
            "readme.workspace = true",
            "keywords = ",
            "categories = ",
            "include = ",
        ] {
            assert!(manifest.contains(field), "{package}: no {field}");
        }
        let docs = format!("documentation = \"https://docs.rs/{package}\"");
        assert!(manifest.contains(&docs), "{package}: no {docs}");
        assert!(!manifest.contains("publish = false"), "{package}");
    }
    // The codec stays pure: no logging.
    let codec = std::fs::read_to_string(workspace().join("codec/Cargo.toml")).unwrap();
    assert!(!codec.lines().any(|l| l.starts_with("log")), "the codec depends on log");
    let fuzz = std::fs::read_to_string(workspace().join("fuzz/Cargo.toml")).unwrap();
    assert!(fuzz.contains("publish = false"));
}
