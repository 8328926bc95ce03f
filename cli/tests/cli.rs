//! The `aesc` binary run as a user runs it, on recorded values.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::io::Write;
use std::process::{Command, Stdio};

use aesc_testkit::recording::{self, Recording};
use serde_json::Value;

const INITIATOR: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const RESPONDER: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";
/// The co-signed create tx of the protocol digest (§9), network `local_iris_testnet`.
const COSIGNED_CREATE: &str = "tx_+QENCwH4hLhAFnxtn+yejpUApbsfNND+fIrAaUrAmZMTdxOTmGEwF4npoHvG5vmhJHRohpKDXf+nm1EDzKtNCarz57FdSoOuAbhAr0pHgif1xezYZbr3n/7F9jzWbUBTy6qbU2K1YiSU1Y+qnMUmcGbRYieWsNPbt3kONBG+OrvisSXsTHbUD7SoCLiD+IEyAaEBZK4OCGLe00s6e+4hWbkUhsL0iSh2Tb8TgIqJqYuVr4GGP6olImAAoQGQsy4wyp2ngByD9p0uw1DZWKZADIqFC92lFO6uDCpwoYYkYTnKgAACCgCGEAZ510gAwKBk/wgc02xPFpin8ZqQbLoxNebwyc6eA+R5uowuCfW4RgN3M95P";
/// The same create tx before signing, as sent in `channels.sign.initiator_sign`.
const UNSIGNED_CREATE: &str = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
/// A v2 create tx and its hash as reported by the node (`sc_ws_basic_open_close.md`).
const HASHED_CREATE: &str = "tx_+QEOCwH4hLhAAT1wO6X1XimqSjJgXD2tALoWktcOgWBXvAOPDo5Ul2rBfWPOPkC99JQAO7b8KwPSr7ZMOEilhptPNEWYVqLdBLhAxw3skqCjhCvxm4jwDYZRZ8M/f2QDOuj16uaTYJn9Qx1yvqflv8NcN2Ar++LbxXd2U5QCQnzxRIB1TsNDSG5aCbiE+IIyAqEBwTH0kjbcqZ+kfS4/13ElgHQNj5dEpvgNJ435icc0A0aGP6olImAAoQETPZyIkZzGtspz/mXN+8wG21WBqvpLmWG2islKR7Wj/4YkYTnKgAACCgCGEAsh7xAAwMCgl7VwZbmxRowzuAvo4zydNYlj7gf1bucgNsvexNxbwzoBOeX7Rg==";
const HASHED_CREATE_HASH: &str = "th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur";

struct Run {
    stdout: String,
    stderr: String,
    code: i32,
}

impl Run {
    fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    fn json(&self) -> Vec<Value> {
        self.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

fn aesc(args: &[&str], stdin: Option<&str>) -> Run {
    aesc_bytes(args, stdin.unwrap_or("").as_bytes())
}

fn aesc_bytes(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aesc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = stdin.to_owned();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || pipe.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    Run {
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        code: out.status.code().unwrap(),
    }
}

#[test]
fn channel_id_of_the_spec_vector() {
    let r = aesc(
        &["channel-id", "--initiator", INITIATOR, "--responder", RESPONDER, "--nonce", "3"],
        None,
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu\n")
    );
    // Swapping the parties gives another channel.
    let r = aesc(
        &["channel-id", "--initiator", RESPONDER, "--responder", INITIATOR, "--nonce", "3"],
        None,
    );
    assert_eq!(r.code, 0);
    assert_ne!(r.stdout, "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu\n");
    // Bad arguments are usage errors.
    let r = aesc(
        &["channel-id", "--initiator", "ak_x", "--responder", RESPONDER, "--nonce", "3"],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--initiator"), "{}", r.stderr);
    let r = aesc(
        &["channel-id", "--initiator", INITIATOR, "--responder", RESPONDER, "--nonce", "-1"],
        None,
    );
    assert_eq!(r.code, 2);
}

#[test]
fn tx_hash_matches_the_node() {
    let r = aesc(&["tx-hash", HASHED_CREATE], None);
    assert_eq!((r.code, r.stdout.as_str()), (0, format!("{HASHED_CREATE_HASH}\n").as_str()));
    // From stdin, with a failure in the middle.
    let r = aesc(&["tx-hash"], Some(&format!("{HASHED_CREATE}\n\nak_{}\n{HASHED_CREATE}\n", "x")));
    assert_eq!(r.code, 1);
    let lines = r.lines();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0], HASHED_CREATE_HASH);
    assert_eq!(lines[2], HASHED_CREATE_HASH);
    let fail: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(fail["input"], "ak_x");
    assert_eq!(fail["error"], "wrong prefix ak_, expected tx_");
}

#[test]
fn verify_names_signer_and_form() {
    let r = aesc(
        &[
            "verify",
            "--network-id",
            "local_iris_testnet",
            "--signer",
            RESPONDER,
            "--signer",
            INITIATOR,
            COSIGNED_CREATE,
        ],
        None,
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = &r.json()[0];
    assert_eq!(report["verified"], true);
    assert_eq!(report["failures"], serde_json::json!([]));
    assert_eq!(report["missing"], serde_json::json!([]));
    assert_eq!(report["unverified"], serde_json::json!([]));
    assert_eq!(report["type"], "ChannelCreateTx");
    assert_eq!(report["tx_hash"], "th_JJGzuA2ToBymYo1ZdJkcMgKHcjQwCR5GjnAfAXJ6NnGkBFZqz");
    let sigs = report["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2);
    // Signatures are sorted; here the initiator's comes first.
    assert_eq!(sigs[0]["signer"], INITIATOR);
    assert_eq!(sigs[1]["signer"], RESPONDER);
    assert!(sigs.iter().all(|s| s["form"] == "raw" && s["layer"] == 0));
    assert!(sigs[0]["signature"].as_str().unwrap().starts_with("sg_"));
}

/// `aesc verify --network-id local_iris_testnet` with `signers` and `extra` arguments.
fn verify(signers: &[&str], extra: &[&str], tx: &str) -> Run {
    let mut args = vec!["verify", "--network-id", "local_iris_testnet"];
    for s in signers {
        args.extend(["--signer", s]);
    }
    args.extend(extra);
    args.push(tx);
    aesc(&args, None)
}

#[test]
fn verify_fails_for_a_signature_of_no_named_signer() {
    let r = verify(&[INITIATOR], &[], COSIGNED_CREATE);
    assert_eq!(r.code, 1);
    let report = &r.json()[0];
    assert_eq!(report["verified"], false);
    assert_eq!(report["signatures"][0]["signer"], INITIATOR);
    assert_eq!(report["signatures"][1]["signer"], Value::Null);
    assert_eq!(report["signatures"][1]["form"], Value::Null);
    let other = report["signatures"][1]["signature"].as_str().unwrap();
    assert_eq!(report["unverified"], serde_json::json!([other]));
    assert_eq!(report["missing"], serde_json::json!([]));
    assert_eq!(
        report["failures"],
        serde_json::json!([format!("{other} verifies against no named signer")])
    );
    // With --any, the initiator's signature is enough.
    let r = verify(&[INITIATOR], &["--any"], COSIGNED_CREATE);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json()[0]["verified"], true);
    assert_eq!(r.json()[0]["unverified"], serde_json::json!([other]));
    // On another network no signature verifies, in either mode.
    for extra in [&[][..], &["--any"]] {
        let mut args = vec!["verify", "--network-id", "ae_mainnet", "--signer", INITIATOR];
        args.extend(["--signer", RESPONDER]);
        args.extend(extra);
        let r = aesc(&args, Some(COSIGNED_CREATE));
        assert_eq!(r.code, 1, "{extra:?}");
        let report = &r.json()[0];
        assert_eq!(report["verified"], false);
        assert!(report["signatures"].as_array().unwrap().iter().all(|s| s["signer"].is_null()));
        assert!(!report["failures"].as_array().unwrap().is_empty());
    }
    // A signer is required.
    let r = aesc(&["verify", "--network-id", "x", COSIGNED_CREATE], None);
    assert_eq!(r.code, 2);
}

#[test]
fn verify_fails_when_a_named_signer_did_not_sign() {
    use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
    // The create tx signed by one party only: a key of the test's own, as initiator.
    let key = SecretKey::from_seed(&[7; 32]);
    let me = key.public_key().to_string();
    let mut tx = aesc_codec::tx::SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    tx.sign(&key, &NetworkId::new("local_iris_testnet"), SignatureForm::Raw);
    let half_signed = tx.to_api_string();
    let r = verify(&[&me, RESPONDER], &[], &half_signed);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let report = &r.json()[0];
    assert_eq!(report["verified"], false);
    assert_eq!(report["signatures"][0]["signer"], me.as_str());
    assert_eq!(report["missing"], serde_json::json!([RESPONDER]));
    assert_eq!(report["unverified"], serde_json::json!([]));
    assert_eq!(report["failures"], serde_json::json!([format!("{RESPONDER} did not sign")]));
    // The signer alone, or --any, verifies it.
    assert_eq!(verify(&[&me], &[], &half_signed).code, 0);
    let r = verify(&[&me, RESPONDER], &["--any"], &half_signed);
    assert_eq!((r.code, &r.json()[0]["verified"]), (0, &Value::Bool(true)));
    assert_eq!(r.json()[0]["missing"], serde_json::json!([RESPONDER]));
}

#[test]
fn verify_fails_for_a_transaction_without_signatures() {
    for extra in [&[][..], &["--any"]] {
        let r = verify(&[INITIATOR], extra, UNSIGNED_CREATE);
        assert_eq!(r.code, 1, "{extra:?}");
        let report = &r.json()[0];
        assert_eq!(report["verified"], false);
        assert_eq!(report["signatures"], serde_json::json!([]));
        assert_eq!(report["missing"], serde_json::json!([INITIATOR]));
        assert_eq!(report["failures"], serde_json::json!(["the transaction carries no signature"]));
    }
}

#[test]
fn decode_ids_hashes_and_failures() {
    let r = aesc(
        &[
            "decode",
            INITIATOR,
            "ba_Xfbg4g==",
            "kh_11111111111111111111111111111111273Yts",
            "nope",
            "ch_S8axer1izndZW5nt5Qi7e8gZsjDFi13S64RZkWSFzHYmUi3PJ",
        ],
        None,
    );
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v.len(), 5);
    assert_eq!(
        v[0],
        serde_json::json!({"prefix": "ak", "type": "AccountPubkey",
            "hex": "64ae0e0862ded34b3a7bee2159b91486c2f48928764dbf13808a89a98b95af81"})
    );
    assert_eq!(v[1], serde_json::json!({"prefix": "ba", "type": "Bytearray", "hex": ""}));
    assert_eq!(v[2]["hex"], "0".repeat(64));
    assert_eq!(v[2]["type"], "KeyBlockHash");
    assert_eq!(v[3], serde_json::json!({"input": "nope", "error": "missing '_' after the prefix"}));
    assert_eq!(v[4]["type"], "Channel");
    let r = aesc(&["decode"], Some(&format!("  {INITIATOR}  \n\n")));
    assert_eq!(r.code, 0);
    assert_eq!(r.json().len(), 1);
}

#[test]
fn decode_typed_objects() {
    let r = aesc(&["decode", COSIGNED_CREATE, UNSIGNED_CREATE, "cs_yYICbgGEwz8BwHtqgWY="], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v[0]["prefix"], "tx");
    assert_eq!(v[0]["type"], "SignedTx");
    assert_eq!(v[0]["signatures"].as_array().unwrap().len(), 2);
    let tx = &v[0]["tx"];
    assert_eq!(tx["type"], "ChannelCreateTx");
    assert_eq!(tx["initiator_id"], INITIATOR);
    assert_eq!(tx["responder_id"], RESPONDER);
    assert_eq!(tx["nonce"], 3);
    assert_eq!(tx["initiator_amount"].to_string(), "70000000000000");
    assert_eq!(tx["state_hash"], "st_ZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEbeZckq");
    assert_eq!(v[1]["signatures"], serde_json::json!([]));
    assert_eq!(v[1]["tx"], v[0]["tx"]);
    assert_eq!(
        v[2],
        serde_json::json!({"prefix": "cs", "type": "CallsTree", "tree": {"values": []}})
    );
    // A tx_ string whose bytes are not a transaction.
    let not_tx = aesc_codec::encoding::encode(
        aesc_codec::encoding::Prefix::Transaction,
        &[0xc2, 0x01, 0x01],
    );
    let r = aesc(&["decode", &not_tx], None);
    assert_eq!(r.code, 1);
    assert_eq!(r.json()[0]["error"], "rlp at byte 0: unknown object tag 1");
    let r = aesc(&["encode"], Some(&format!("{}\n", serde_json::to_string(&v[0]).unwrap())));
    assert_eq!((r.code, r.stdout.trim()), (0, COSIGNED_CREATE));
}

#[test]
fn decode_poi_and_trees_with_their_state_hash() {
    use aesc_codec::object::Object;
    // The initial state of the spec vector (push 1) and a proof of the initiator's account.
    let state = aesc_codec::state::OffChainState::initial(
        INITIATOR.parse().unwrap(),
        70_000_000_000_000u64.into(),
        RESPONDER.parse().unwrap(),
        40_000_000_000_000u64.into(),
        1u64.into(),
    )
    .unwrap();
    let want = "st_ZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEbeZckq";
    assert_eq!(state.state_hash().to_string(), want);
    let poi = state.poi(&[INITIATOR.parse().unwrap()]).unwrap();
    let pi = aesc_codec::encoding::encode(aesc_codec::encoding::Prefix::Poi, &poi.to_rlp());
    let ss = aesc_codec::encoding::encode(
        aesc_codec::encoding::Prefix::StateTrees,
        &state.to_trees().to_rlp(),
    );
    let r = aesc(&["decode", &pi, &ss], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = r.json();
    assert_eq!((v[0]["prefix"].as_str(), v[0]["type"].as_str()), (Some("pi"), Some("TreesPoi")));
    assert_eq!(v[0]["state_hash"], want);
    assert!(v[0]["accounts"]["proof"].as_array().is_some_and(|p| !p.is_empty()));
    assert_eq!(v[0]["contracts"], Value::Null);
    assert_eq!((v[1]["prefix"].as_str(), v[1]["type"].as_str()), (Some("ss"), Some("StateTrees")));
    assert_eq!(v[1]["state_hash"], want);
    assert_eq!(v[1]["accounts"]["values"].as_array().map(Vec::len), Some(2));
    let r = aesc(&["encode"], Some(&r.stdout));
    assert_eq!(r.lines(), [pi.as_str(), ss.as_str()]);
}

#[test]
fn encode_rejects_what_decode_never_prints() {
    let cases = [
        ("not json", "bad JSON"),
        ("[1]", "expected a JSON object"),
        (r#"{"hex": ""}"#, "missing string field \"prefix\""),
        (r#"{"prefix": "zz", "hex": ""}"#, "unknown prefix"),
        (r#"{"prefix": "ak", "hex": "abc"}"#, "not an even-length hex"),
        (r#"{"prefix": "ak", "hex": "00"}"#, "payload is 1 bytes, expected 32"),
        (r#"{"prefix": "ba"}"#, "missing string field \"hex\""),
    ];
    let input: String = cases.iter().map(|(c, _)| format!("{c}\n")).collect();
    let r = aesc(&["encode"], Some(&input));
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v.len(), cases.len());
    for ((case, msg), out) in cases.iter().zip(&v) {
        assert_eq!(out["input"], *case);
        assert!(out["error"].as_str().unwrap().contains(msg), "{case}: {out}");
    }
    let r = aesc(&["encode", r#"{"prefix":"ba","type":"Bytearray","hex":""}"#], None);
    assert_eq!((r.code, r.stdout.as_str()), (0, "ba_Xfbg4g==\n"));
}

#[test]
fn encode_names_unknown_fields() {
    let decoded = aesc(&["decode", UNSIGNED_CREATE, "ba_Xfbg4g=="], None).json();
    let mut tx = decoded[0].clone();
    tx["tx"]["fee_cap"] = serde_json::json!(3);
    tx["comment"] = serde_json::json!("x");
    let mut ba = decoded[1].clone();
    ba["colour"] = serde_json::json!("red");
    let input = format!("{tx}\n{ba}\n{}\n", decoded[1]);
    let r = aesc(&["encode"], Some(&input));
    assert_eq!(r.code, 1);
    let lines = r.lines();
    assert_eq!(lines.len(), 3);
    let v: Vec<Value> = lines[..2].iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(v[0]["error"], "unknown fields \"tx.fee_cap\", \"comment\"");
    assert_eq!(v[1]["error"], "unknown field \"colour\"");
    assert_eq!(lines[2], "ba_Xfbg4g==");
    // Fields that decode prints but encode does not need (the computed state hash) pass.
    let r = aesc(&["decode", COSIGNED_CREATE], None);
    let r = aesc(&["encode"], Some(&r.stdout));
    assert_eq!((r.code, r.stdout.trim()), (0, COSIGNED_CREATE));
}

#[test]
fn a_bad_line_of_stdin_fails_alone() {
    // Invalid UTF-8 between two good lines, and a line with a bad string.
    let mut input = format!("{INITIATOR}\n").into_bytes();
    input.extend_from_slice(b"ak_\xff\xfe\n");
    input.extend_from_slice(format!("nope\n{RESPONDER}\n").as_bytes());
    let r = aesc_bytes(&["decode"], &input);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v.len(), 4, "{}", r.stdout);
    assert_eq!(v[0]["type"], "AccountPubkey");
    assert_eq!(v[1]["error"], "line 2 is not UTF-8 (invalid byte at offset 3)");
    assert_eq!(v[1]["input"], "ak_\u{fffd}\u{fffd}");
    assert_eq!(v[2]["error"], "missing '_' after the prefix");
    assert_eq!(v[3]["type"], "AccountPubkey");
    // The same for the other line-reading commands.
    for cmd in
        [&["encode"][..], &["tx-hash"], &["verify", "--network-id", "x", "--signer", INITIATOR]]
    {
        let r = aesc_bytes(cmd, b"\xc3\x28\n");
        assert_eq!(r.code, 1, "{cmd:?}");
        assert_eq!(r.json()[0]["error"], "line 1 is not UTF-8 (invalid byte at offset 0)");
    }
}

#[test]
fn lines_are_answered_as_they_come() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    let mut child = Command::new(env!("CARGO_BIN_EXE_aesc"))
        .arg("decode")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stdout.lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // Each answer arrives while stdin is still open: nothing waits for the end of input.
    let wait = Duration::from_secs(60);
    writeln!(stdin, "{INITIATOR}").unwrap();
    stdin.flush().unwrap();
    let first: Value = serde_json::from_str(&rx.recv_timeout(wait).unwrap()).unwrap();
    assert_eq!(first["type"], "AccountPubkey");
    writeln!(stdin, "nope").unwrap();
    stdin.flush().unwrap();
    let second: Value = serde_json::from_str(&rx.recv_timeout(wait).unwrap()).unwrap();
    assert_eq!(second["error"], "missing '_' after the prefix");
    writeln!(stdin, "{RESPONDER}").unwrap();
    drop(stdin);
    let third: Value = serde_json::from_str(&rx.recv_timeout(wait).unwrap()).unwrap();
    assert_eq!(third["hex"].as_str().map(str::len), Some(64));
    assert_eq!(child.wait().unwrap().code(), Some(1));
    reader.join().unwrap();
}

#[test]
fn oversized_strings_and_numbers_are_refused_at_once() {
    // Base58 decoding of a megabyte would take minutes; the length check answers at once.
    let huge = format!("ak_{}\n{INITIATOR}\n", "z".repeat(1 << 20));
    let r = aesc(&["decode"], Some(&huge));
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(v[0]["error"], "ak_ body of 1048576 characters is too long, at most 50 allowed");
    assert_eq!(v[1]["type"], "AccountPubkey");
    let r = aesc(&["tx-hash"], Some(&format!("sg_{}", "2".repeat(1 << 20))));
    assert_eq!(r.code, 1);
    // A five-million-digit amount in an object to encode.
    let decoded = aesc(&["decode", UNSIGNED_CREATE], None);
    let line = decoded
        .stdout
        .replace("\"fee\":17620000000000", &format!("\"fee\":{}", "9".repeat(5_000_000)));
    assert_ne!(line, decoded.stdout);
    let r = aesc(&["encode"], Some(&line));
    assert_eq!(r.code, 1);
    assert_eq!(
        r.json()[0]["error"],
        "tx.fee: integer of 5000000 characters is too long, at most 78 digits allowed"
    );
    // The channel id command reads its nonce with the same limit.
    let r = aesc(
        &[
            "channel-id",
            "--initiator",
            INITIATOR,
            "--responder",
            RESPONDER,
            "--nonce",
            &"1".repeat(79),
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at most 78 digits"), "{}", r.stderr);
}

/// Every distinct prefixed string (with a known prefix) of the recordings in `files`.
fn recorded_strings(files: &[std::path::PathBuf]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for path in files {
        let rec = Recording::from_file(path).unwrap();
        for (_, _, json) in rec.frames() {
            for s in recording::prefixed_strings(json) {
                let known = aesc_codec::encoding::Prefix::from_text(&s[..2]).is_some();
                if known && seen.insert(s.to_owned()) {
                    out.push(s.to_owned());
                }
            }
        }
    }
    out
}

/// Pipes `strings` through `aesc decode | aesc encode` and checks the output is the input;
/// returns the prefixes seen.
fn round_trip(strings: &[String]) -> std::collections::BTreeSet<String> {
    let input = strings.join("\n");
    let decoded = aesc(&["decode"], Some(&input));
    let failed: Vec<&str> =
        decoded.lines().into_iter().filter(|l| l.starts_with("{\"input\"")).collect();
    assert_eq!(decoded.code, 0, "{failed:?}");
    assert_eq!(decoded.lines().len(), strings.len());
    let encoded = aesc(&["encode"], Some(&decoded.stdout));
    assert_eq!(encoded.code, 0, "{}", encoded.stdout);
    let out = encoded.lines();
    for (a, b) in strings.iter().zip(&out) {
        assert_eq!(a, b);
    }
    assert_eq!(out.len(), strings.len());
    strings.iter().map(|s| s[..2].to_owned()).collect()
}

#[test]
fn decode_then_encode_reproduces_seed_and_live_strings() {
    let mut files = Vec::new();
    for dir in [recording::seeds_dir(), recording::live_dir()].into_iter().flatten() {
        files.extend(recording::files_with_extension(&dir, "txt", false));
    }
    if files.is_empty() {
        eprintln!("no recordings found; skipped");
        return;
    }
    let strings = recorded_strings(&files);
    let prefixes = round_trip(&strings);
    for p in ["ak", "ba", "ch", "tx"] {
        assert!(prefixes.contains(p), "{prefixes:?}");
    }
    eprintln!("{} recorded strings round-tripped ({prefixes:?})", strings.len());
}

#[test]
fn decode_then_encode_reproduces_corpus_strings() {
    let Some(dir) = recording::corpus_dir() else {
        eprintln!("AESC_CORPUS not set; skipped");
        return;
    };
    let all = recorded_strings(&recording::files_with_extension(&dir, "md", true));
    // The recordings also hold strings the node rejected as broken; they are rejected here too.
    let (strings, broken): (Vec<String>, Vec<String>) =
        all.into_iter().partition(|s| aesc_codec::encoding::decode(s).is_ok());
    assert_eq!(broken, ["ak_3NTNtGF", "ct_3NTNtGF"]);
    let prefixes = round_trip(&strings);
    for p in ["ak", "ba", "ch", "tx", "ss", "cs", "pi", "ct", "cb", "th"] {
        assert!(prefixes.contains(p), "{prefixes:?}");
    }
    eprintln!("{} corpus strings round-tripped ({prefixes:?})", strings.len());
}
