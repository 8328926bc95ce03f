//! `aesc demo` takes secret keys from files and the environment as well as arguments, and
//! `-v`/`-vv`/`RUST_LOG` show what the library does on stderr, without secrets.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::Command;

use aesc_client::aesc_codec::crypto::SecretKey;

/// The first two prefunded accounts of the dev node (public test keys).
const SEED_1: &str = "520239ff5fe4855c4a02b4264ba5a0892dba13510da4512a424496db48410d9f";
const SEED_2: &str = "dd5b4df62c3b39bf0beb2e93da03cf54ae1dc723f2af565d031cbc57db96c1a8";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

fn aesc(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aesc"));
    cmd.args(args).env_remove("RUST_LOG");
    for var in ["AESC_INITIATOR_KEY", "AESC_RESPONDER_KEY"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap(),
    }
}

fn account(seed: &str) -> String {
    SecretKey::parse(seed).unwrap().public_key().to_string()
}

/// A key file readable by its owner only (or, with `mode`, as given).
fn key_file(name: &str, text: &str, mode: u32) -> PathBuf {
    let path = std::env::temp_dir().join(format!("aesc-cli-key-{}-{name}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = mode;
    path
}

const STORY: [&str; 3] = ["demo", "--scenario", "open-messages"];

fn demo(extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args = STORY.to_vec();
    args.extend_from_slice(extra);
    aesc(&args, env)
}

/// The demo ran with these parties.
fn parties(r: &Run) -> (String, String) {
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let find = |who: &str| {
        let line = r.stdout.lines().find(|l| l.starts_with(who)).unwrap();
        line.split_whitespace().nth(1).unwrap().to_owned()
    };
    (find("initiator "), find("responder "))
}

#[test]
fn keys_come_from_files_the_environment_or_arguments() {
    let expected = (account(SEED_1), account(SEED_2));
    let (i, r) = (key_file("i", &format!("{SEED_1}\n"), 0o600), key_file("r", SEED_2, 0o600));
    let from_files = demo(
        &["--initiator-key-file", i.to_str().unwrap(), "--responder-key-file", r.to_str().unwrap()],
        &[],
    );
    assert_eq!(parties(&from_files), expected);
    assert!(!from_files.stderr.contains("warning"), "{}", from_files.stderr);

    let from_env = demo(&[], &[("AESC_INITIATOR_KEY", SEED_1), ("AESC_RESPONDER_KEY", SEED_2)]);
    assert_eq!(parties(&from_env), expected);

    // As arguments, as before.
    let from_args = demo(&["--initiator-key", SEED_1, "--responder-key", SEED_2], &[]);
    assert_eq!(parties(&from_args), expected);

    // An argument wins over the environment; the parties may mix sources.
    let mixed = demo(
        &["--initiator-key", SEED_2, "--responder-key-file", i.to_str().unwrap()],
        &[("AESC_INITIATOR_KEY", SEED_1)],
    );
    assert_eq!(parties(&mixed), (account(SEED_2), account(SEED_1)));
    let _ = (std::fs::remove_file(&i), std::fs::remove_file(&r));
}

#[test]
fn key_problems_are_named_without_the_key() {
    let i = key_file("twice", SEED_1, 0o600);
    let twice =
        demo(&["--initiator-key-file", i.to_str().unwrap(), "--initiator-key", SEED_1], &[]);
    assert_eq!(twice.code, 1);
    assert!(twice.stderr.contains("give the initiator key once"), "{}", twice.stderr);

    let garbled = &SEED_2[1..];
    let bad = demo(&[], &[("AESC_RESPONDER_KEY", garbled)]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("AESC_RESPONDER_KEY: "), "{}", bad.stderr);
    assert!(!bad.stderr.contains(&garbled[..16]), "{}", bad.stderr);

    let missing = demo(&["--responder-key-file", "/nonexistent/aesc.key"], &[]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("--responder-key-file /nonexistent/aesc.key"));

    // A real node needs both keys, from any source; the message lists the sources.
    let node = aesc(
        &["demo", "--node", "ws://127.0.0.1:1", "--network-id", "ae_dev"],
        &[("AESC_INITIATOR_KEY", SEED_1)],
    );
    assert_eq!(node.code, 1);
    assert!(
        node.stderr.contains("--responder-key-file FILE, AESC_RESPONDER_KEY or --responder-key"),
        "{}",
        node.stderr
    );
    let _ = std::fs::remove_file(&i);
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_warned_about() {
    let open = key_file("open", SEED_1, 0o644);
    let r = demo(&["--initiator-key-file", open.to_str().unwrap()], &[]);
    assert_eq!(parties(&r).0, account(SEED_1));
    assert!(r.stderr.contains("can be read by other users"), "{}", r.stderr);
    let _ = std::fs::remove_file(&open);
}

/// Every record line of stderr: `   0.012s LEVEL target[ thread]: message`.
fn records(stderr: &str) -> Vec<(&str, &str)> {
    stderr
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let (_, level, target) = (words.next()?, words.next()?, words.next()?);
            Some((level, target))
        })
        .collect()
}

#[test]
fn verbosity_shows_the_library_at_work_on_stderr() {
    let keys = [("AESC_INITIATOR_KEY", SEED_1), ("AESC_RESPONDER_KEY", SEED_2)];
    // Silent by default.
    let quiet = demo(&[], &keys);
    assert_eq!(quiet.code, 0);
    assert_eq!(quiet.stderr, "");

    let info = aesc(&["-v", "demo", "--scenario", "open-messages"], &keys);
    assert_eq!(info.code, 0, "{}", info.stderr);
    let lines = records(&info.stderr);
    assert!(lines.iter().all(|(level, _)| ["INFO", "WARN", "ERROR"].contains(level)));
    for expected in ["connecting to ws://", "FSM up", "channel open: ch_", "key comes from"] {
        assert!(info.stderr.contains(expected), "{expected}: {}", info.stderr);
    }
    // The demo's own output is unchanged.
    assert_eq!(info.stdout.lines().count(), quiet.stdout.lines().count());

    // -vv: every frame's method and every review.
    let debug = aesc(&["demo", "--scenario", "open-messages", "-vv"], &keys);
    assert_eq!(debug.code, 0);
    for expected in [
        "DEBUG aesc_client::frames [aesc-io-initiator]: recv channels.sign.initiator_sign",
        "DEBUG aesc_client::frames [aesc-io-responder]: send channels.responder_sign (id ",
        "sign request shutdown_sign_ack: accepted, signing",
        "DEBUG aesc_testkit::double::frames [node-double-hub]: connection ",
    ] {
        assert!(debug.stderr.contains(expected), "{expected}: {}", debug.stderr);
    }

    // RUST_LOG alone, for one crate.
    let mut env = keys.to_vec();
    env.push(("RUST_LOG", "aesc_client=debug"));
    let client_only = demo(&[], &env);
    let lines = records(&client_only.stderr);
    assert!(lines.iter().any(|(level, _)| *level == "DEBUG"));
    assert!(lines.iter().all(|(_, target)| target.starts_with("aesc_client")), "{lines:?}");

    // Never a secret, a signed transaction or an FSM id, at any level.
    let all = aesc(&["-vvv", "demo", "--scenario", "lifecycle"], &keys);
    assert_eq!(all.code, 0);
    for secret in [SEED_1, SEED_2, "sk_", "tx_", "ba_"] {
        assert!(!all.stderr.contains(secret), "{secret} in the log");
    }
}
