//! The reader against the recorded sessions: nothing lost, every header accounted for.

use std::path::Path;

use serde_json::Value;

use super::*;

/// Counts header lines the simple way, independently of the parser.
fn count_headers(text: &str, what: &str) -> usize {
    text.lines()
        .map(|l| l.trim().trim_start_matches("#### "))
        .filter(|l| {
            l.strip_prefix("initiator ")
                .or_else(|| l.strip_prefix("responder "))
                .is_some_and(|rest| rest.starts_with(what))
        })
        .count()
}

fn check_nothing_lost(path: &Path) -> Recording {
    let text = std::fs::read_to_string(path).unwrap();
    let rec = Recording::from_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let frames = rec.frames().count();
    let expected = count_headers(&text, "<--- node") + count_headers(&text, "---> node");
    assert_eq!(frames, expected, "{}", path.display());
    assert!(frames > 0, "{}", path.display());
    let connects = rec.connects().count();
    assert_eq!(connects, count_headers(&text, "opens a WebSocket"), "{}", path.display());
    let closes = rec.steps.iter().filter(|s| matches!(s, Step::Close { .. })).count();
    assert_eq!(closes, count_headers(&text, "closes WebSocket"), "{}", path.display());
    let notes = rec.steps.iter().filter(|s| matches!(s, Step::Note { .. })).count();
    assert_eq!(notes, count_headers(&text, "info"), "{}", path.display());
    for step in &rec.steps {
        if let Step::Frame { json, text, .. } = step {
            assert!(json.is_object(), "{}", path.display());
            let reparsed: Value = serde_json::from_str(text).unwrap();
            assert_eq!(&reparsed, json);
        }
    }
    rec
}

fn seed(name: &str) -> Option<Recording> {
    let Some(dir) = seeds_dir() else {
        eprintln!("shared/seeds not found; skipped");
        return None;
    };
    Some(check_nothing_lost(&dir.join(name)))
}

#[test]
fn seed_group_setup() {
    let Some(rec) = seed("000_6336cda6b7a60b3a.txt") else { return };
    assert_eq!(rec.title.as_deref(), Some("init_per_group"));
    assert_eq!(rec.network_id(), "local_iris_testnet");
    let p = rec.participants().unwrap();
    assert_eq!(p.initiator, "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C");
    assert_eq!(p.responder, "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt");
    let Step::Connect { role, url } = &rec.steps[0] else { panic!("{:?}", rec.steps[0]) };
    assert_eq!(*role, Role::Initiator);
    assert_eq!(query_param(url, "push_amount").as_deref(), Some("1"));
    let Step::Frame { role, direction, json, .. } = &rec.steps[1] else { panic!() };
    assert_eq!((*role, *direction), (Role::Initiator, Direction::FromNode));
    assert_eq!(json["params"]["data"]["event"], "fsm_up");
    assert_eq!(
        rec.steps[2],
        Step::Note { role: Role::Initiator, text: "The local fsm has been started".into() }
    );
    // The request id keeps its exact value.
    let id = rec
        .frames()
        .find(|(_, d, j)| *d == Direction::ToNode && j.get("id").is_some())
        .map(|(_, _, j)| j["id"].to_string())
        .unwrap();
    assert_eq!(id, "-576460752303422844");
    let strings: Vec<&str> = rec.frames().flat_map(|(_, _, j)| prefixed_strings(j)).collect();
    assert!(strings.iter().any(|s| s.starts_with("tx_+MsLAfhCuEA45hqso7CTJ5N")));
    assert!(strings.iter().all(|s| looks_prefixed(s)));
    assert!(strings.contains(&"ch_S8axer1izndZW5nt5Qi7e8gZsjDFi13S64RZkWSFzHYmUi3PJ"));
}

#[test]
fn seed_reconnect_ends_with_closes() {
    let Some(rec) = seed("001_4130c9fda125affd.txt") else { return };
    assert_eq!(rec.title.as_deref(), Some("basic_client_reconnect_r"));
    let n = rec.steps.len();
    assert_eq!(rec.steps[n - 2], Step::Close { role: Role::Initiator });
    assert_eq!(rec.steps[n - 1], Step::Close { role: Role::Responder });
    let reconnect =
        rec.connects().map(|(_, u)| u).find(|u| u.contains("existing_fsm_id=ba_")).unwrap();
    let tx = query_param(reconnect, "offchain_tx").unwrap();
    assert!(tx.starts_with("tx_+NILAfiEuE"), "{tx}");
    assert!(!tx.contains('%'));
    assert_eq!(
        query_param(reconnect, "existing_channel_id").as_deref(),
        Some("ch_29rmbxczEmFWBx2JFjD2S8YkhPULNwdUFe6NoZuM3HSA1fEKPC")
    );
}

#[test]
fn live_recordings_use_ae_dev() {
    let Some(dir) = live_dir() else { return };
    let files = files_with_extension(&dir, "txt", false);
    assert_eq!(files.len(), 3);
    for f in files {
        let rec = check_nothing_lost(&f);
        assert_eq!(rec.network_id(), "ae_dev");
        assert!(rec.participants().is_some());
    }
}

#[test]
fn glued_scraper_text_and_unknown_lines() {
    let text = "Skip to content\n\ntitle\n\nresponder <--- node\n\n{\n  \"a\": [1, \"ak_x\"]\n}\n\nresponder closes WebSocket connectionSkip to content";
    let rec = Recording::parse("x.txt", text).unwrap();
    assert_eq!(rec.title.as_deref(), Some("title"));
    assert_eq!(rec.steps.len(), 2);
    assert_eq!(rec.steps[1], Step::Close { role: Role::Responder });
    let err = Recording::parse("x.txt", "initiator <--- node\n{\n\nbogus\n").unwrap_err();
    assert!(matches!(err, RecordingError::Json { line: 2, .. }), "{err}");
    let err = Recording::parse("x.md", "#### initiator info\n> a\n\nstray line\n").unwrap_err();
    assert!(matches!(err, RecordingError::UnexpectedLine { line: 4, .. }), "{err}");
    let err = Recording::parse("x.md", "#### initiator <--- node\n").unwrap_err();
    assert!(matches!(err, RecordingError::MissingBody { line: 1, .. }), "{err}");
    let err = Recording::parse("x.md", "#### initiator <--- node\n```javascript\n{}\nx\n```\n")
        .unwrap_err();
    assert!(matches!(err, RecordingError::MissingBody { line: 1, .. }), "{err}");
}

#[test]
fn network_ids_by_path() {
    let cases = [
        ("/c/changeable_fee/sc_ws_set_fee_create.md", "local_lima_testnet"),
        ("/c/changeable_fee/sc_ws_optional_params_create.md", "local_iris_testnet"),
        ("/c/continuous/sc_ws_update_conflict.md", "local_lima_testnet"),
        ("/c/continuous/sc_ws_deposit.md", "local_iris_testnet"),
        ("/s/live/000_init_per_group.txt", "ae_dev"),
        ("/s/seeds/000_6336cda6b7a60b3a.txt", "local_iris_testnet"),
    ];
    for (name, id) in cases {
        let rec = Recording::parse(name, "").unwrap();
        assert_eq!(rec.network_id(), id, "{name}");
    }
}

#[test]
fn prefixed_string_shapes() {
    let v: Value =
        serde_json::json!({"k_x": "ab_c", "l": ["tx_1", {"m": "no"}], "n": "AB_c", "o": "ab_"});
    assert_eq!(prefixed_strings(&v), vec!["ab_c", "tx_1"]);
}

#[test]
fn every_corpus_file_reads_completely() {
    let Some(dir) = corpus_dir() else {
        eprintln!("AESC_CORPUS not set; skipped");
        return;
    };
    let files = files_with_extension(&dir, "md", true);
    assert!(files.len() >= 70, "{}", files.len());
    let mut frames = 0;
    for f in &files {
        let rec = check_nothing_lost(f);
        frames += rec.frames().count();
        let name = f.strip_prefix(&dir).unwrap().to_str().unwrap().to_owned();
        // Sessions that never open a channel and whose channel no group set-up opened.
        let ungrouped = name.starts_with("contracts/")
            || name.starts_with("only_one_signs/")
            || name == "continuous/sc_ws_update_conflict.md";
        assert_eq!(rec.participants().is_none(), ungrouped, "{name}");
        if ungrouped {
            assert!(rec.accounts().len() >= 2, "{name}");
        }
        if name == "sc_ws_broken_open_params.md" {
            assert!(rec.all_participants().len() >= 3, "{name}");
        }
        if name.starts_with("continuous/sc_ws_deposit") {
            let p = rec.participants().unwrap();
            assert_eq!(p.initiator, "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C");
        }
    }
    eprintln!("{} corpus files, {frames} frames", files.len());
    assert!(frames > 16_000, "{frames}");
}
