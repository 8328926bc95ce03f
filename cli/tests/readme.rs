//! Every `aesc` command line of the workspace README, run as written (with `cargo run … --`
//! standing for the built binary) on the files it names, in the README's order.
//!
//! A README command without a check here fails the test, and so does a check whose command
//! the README lost: the two stay in step.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The README's `cargo run` prefixes that run the `aesc` binary.
const PREFIXES: [&str; 2] = ["cargo run --release -p aesc-cli --", "cargo run -q -p aesc-cli --"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The fenced code blocks of `markdown` (info string, body).
fn code_blocks(markdown: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in markdown.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim().to_owned(), String::new())),
            (Some(_), Some(_)) => blocks.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    blocks
}

/// The shell blocks that run `aesc`, each as one script.
fn aesc_blocks(markdown: &str) -> Vec<String> {
    code_blocks(markdown)
        .into_iter()
        .filter(|(info, body)| {
            (info == "sh" || info == "text") && PREFIXES.iter().any(|p| body.contains(p))
        })
        .map(|(_, body)| body)
        .collect()
}

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

/// Runs `script` with `sh` in the workspace, `aesc` for the `cargo run` prefixes and `home`
/// as `$HOME`.
fn run(script: &str, home: &Path) -> Run {
    let bin = env!("CARGO_BIN_EXE_aesc");
    let mut script = script.to_owned();
    for p in PREFIXES {
        script = script.replace(p, &format!("'{bin}'"));
    }
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("set -e\n{script}"))
        .current_dir(workspace())
        .env("HOME", home)
        .env_remove("RUST_LOG")
        .env_remove("AESC_INITIATOR_KEY")
        .env_remove("AESC_RESPONDER_KEY")
        .output()
        .unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap_or(-1),
    }
}

fn ok(r: &Run, what: &str) {
    assert_eq!(r.code, 0, "{what}: {}{}", r.stdout, r.stderr);
}

fn account(seed: &str) -> String {
    aesc_client::aesc_codec::crypto::SecretKey::parse(seed).unwrap().public_key().to_string()
}

/// The first line of `block` that runs `aesc` with `args`.
fn line_with(block: &str, args: &str) -> bool {
    block.lines().any(|l| PREFIXES.iter().any(|p| l.contains(&format!("{p} {args}"))))
}

const SEED_1: &str = "520239ff5fe4855c4a02b4264ba5a0892dba13510da4512a424496db48410d9f";
const SEED_2: &str = "dd5b4df62c3b39bf0beb2e93da03cf54ae1dc723f2af565d031cbc57db96c1a8";

#[test]
fn every_cli_example_of_the_readme_runs() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let blocks = aesc_blocks(&readme);
    let home = std::env::temp_dir().join(format!("aesc-readme-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let mut checked = 0;
    for block in &blocks {
        if block.trim() == "cargo run --release -p aesc-cli -- demo" {
            // The main job.
            let r = run(block, &home);
            ok(&r, "demo");
            assert!(r.stdout.contains("mutual close"), "{}", r.stdout);
        } else if line_with(block, "demo --node ws://127.0.0.1:3014 --network-id ae_dev") {
            key_files_and_a_real_node(block, &home);
        } else if block.contains("AESC_INITIATOR_KEY=") {
            // The keys the block before wrote, from the environment.
            let r = run(block, &home);
            ok(&r, "keys from the environment");
            assert!(r.stdout.contains(&format!("initiator {}", account(SEED_1))), "{}", r.stdout);
            assert!(r.stdout.contains(&format!("responder {}", account(SEED_2))), "{}", r.stdout);
        } else if line_with(block, "-v demo") {
            logs(block, &home);
        } else if line_with(block, "decode tx_") {
            codec_examples(block, &home);
        } else {
            panic!("a README example without a check: {block}");
        }
        checked += 1;
    }
    assert_eq!(checked, 5, "README blocks that run aesc: {blocks:#?}");
    let _ = std::fs::remove_dir_all(&home);
}

/// The key files under `~/.aesc`, then the demo against a real node with them: the node of
/// `AESC_NODE`/`AESC_NODE_URL` when it is the README's (ws://127.0.0.1:3014 with the dev
/// accounts), otherwise the embedded double with the same keys and parameters.
fn key_files_and_a_real_node(block: &str, home: &Path) {
    let node = aesc_testkit::real_node::RealNode::get();
    let readmes_node = node.filter(|n| {
        n.url().trim_end_matches("/channel") == "ws://127.0.0.1:3014"
            && n.network_id().as_str() == "ae_dev"
    });
    let lease = readmes_node.map(|n| n.lease(2));
    let r = match &lease {
        Some(lease) if lease.seed(0) == SEED_1 && lease.seed(1) == SEED_2 => run(block, home),
        _ => {
            eprintln!("the README's node is not at hand: its demo line runs on the double");
            let local = block.replace("--node ws://127.0.0.1:3014 --network-id ae_dev ", "");
            assert_ne!(local, block);
            run(&local, home)
        }
    };
    ok(&r, "demo with key files");
    assert!(r.stdout.contains(&format!("initiator {}", account(SEED_1))), "{}", r.stdout);
    assert!(r.stdout.contains(&format!("responder {}", account(SEED_2))), "{}", r.stdout);
    assert!(r.stdout.contains("mutual close"), "{}", r.stdout);
    assert!(!r.stderr.contains("can be read by other users"), "{}", r.stderr);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.join(".aesc/initiator.key")).unwrap().permissions();
        assert_eq!(mode.mode() & 0o077, 0);
    }
}

fn logs(block: &str, home: &Path) {
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{block}");
    let info = run(lines[0], home);
    ok(&info, lines[0]);
    assert!(info.stderr.contains(" INFO  aesc_client::connection: connecting to ws://"));
    assert!(!info.stderr.contains(" DEBUG "));
    let debug = run(lines[1], home);
    ok(&debug, lines[1]);
    assert!(debug.stderr.contains(" DEBUG aesc_client::frames [aesc-io-"), "{}", debug.stderr);
    assert!(!debug.stderr.contains("aesc_testkit"), "{}", debug.stderr);
}

fn codec_examples(block: &str, home: &Path) {
    let lines: Vec<&str> = block.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 3, "{block}");

    let decoded = run(lines[0], home);
    ok(&decoded, lines[0]);
    let v: serde_json::Value = serde_json::from_str(decoded.stdout.trim()).unwrap();
    assert_eq!(v["tx"]["type"], "ChannelCreateTx");
    assert_eq!(v["signatures"], serde_json::json!([]));

    // The file it names exists, and comes back unchanged.
    assert!(lines[1].contains("< cli/examples/strings.txt"));
    let strings = std::fs::read_to_string(workspace().join("cli/examples/strings.txt")).unwrap();
    assert_eq!(strings.lines().count(), 6);
    let round_trip = run(lines[1], home);
    ok(&round_trip, lines[1]);
    assert_eq!(round_trip.stdout, strings);

    let id = run(lines[2], home);
    ok(&id, lines[2]);
    assert_eq!(id.stdout, "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu\n");
}

#[test]
fn the_readme_keeps_two_set_up_commands_and_compiles_its_rust() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let setup = readme.split("## Set-up commands").nth(1).unwrap();
    let setup = setup.split("\n## ").next().unwrap();
    let commands: Vec<String> = code_blocks(setup).into_iter().map(|(_, b)| b).collect();
    assert_eq!(
        commands,
        [
            "cargo run --release -p aesc-cli -- demo\n",
            "AESC_CORPUS=\"$PWD/../shared/corpus\" AESC_NODE=\"$PWD/../shared/node\" cargo test --workspace\n",
        ]
    );
    // Every block is tagged: untagged blocks would be compiled as Rust by the doctests.
    for (info, body) in code_blocks(&readme) {
        assert!(!info.is_empty(), "an untagged block: {body}");
        if info.starts_with("rust") {
            assert!(body.contains("fn main()"), "{body}");
        }
    }
    // The Rust blocks are the doctests of aesc-client (`ReadmeDoctests`).
    let lib = std::fs::read_to_string(workspace().join("client-blocking/src/lib.rs")).unwrap();
    assert!(lib.contains("#[doc = include_str!(\"../../README.md\")]"));
}
