//! Every story against the embedded node double, and against a real node when the
//! environment names one (see `aesc_testkit::real_node`).

#![allow(clippy::unwrap_used)]

use clap::Parser;

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: Args,
}

fn args(extra: &[&str]) -> Args {
    let mut argv = vec!["demo", "--timeout", "30"];
    argv.extend_from_slice(extra);
    Cli::parse_from(argv).args
}

const STORIES: [&str; 5] =
    ["lifecycle", "open-messages", "responder-reconnect", "initiator-reconnect", "abort-settle"];

#[test]
fn hosts_are_read_from_node_urls() {
    assert_eq!(host_of("ws://127.0.0.1:3014/channel").as_deref(), Some("127.0.0.1"));
    assert_eq!(host_of("ws://127.0.0.1:3014").as_deref(), Some("127.0.0.1"));
    assert_eq!(host_of("wss://node.example/channel").as_deref(), Some("node.example"));
    assert_eq!(host_of("ws://[::1]:3014/channel").as_deref(), Some("::1"));
    assert_eq!(host_of("nonsense"), None);
}

#[test]
fn every_story_runs_against_the_embedded_double() {
    for story in STORIES {
        let a = args(&["--scenario", story, "--param", "timeout_idle=600000"]);
        assert!(a.node.is_none());
        if let Err(e) = run(a) {
            panic!("{story}: {e}");
        }
    }
    // Another network id: the embedded double checks signatures for that network.
    run(args(&["--network-id", "ae_uat"])).unwrap();
}

/// The arguments that run a story on leased accounts of the real node (`on_node`) or on the
/// embedded double.
fn node_args<'a>(
    node: &'a aesc_testkit::real_node::RealNode,
    lease: &'a aesc_testkit::real_node::Lease<'_>,
    port: &'a str,
    on_node: bool,
) -> Vec<&'a str> {
    let mut argv = vec![
        "--initiator-key",
        lease.seed(0),
        "--responder-key",
        lease.seed(1),
        "--port",
        port,
        "--lock-period",
        "2",
    ];
    if on_node {
        argv.extend([
            "--node",
            node.url(),
            "--network-id",
            node.network_id().as_str(),
            "--param",
            "minimum_depth_strategy=plain",
            "--param",
            "minimum_depth=1",
        ]);
    }
    argv
}

#[test]
fn every_story_runs_against_a_real_node() {
    let Some(node) = aesc_testkit::real_node::RealNode::get() else { return };
    let lease = node.lease(2);
    let port = lease.port().to_string();
    for story in STORIES {
        let mut argv = vec!["--scenario", story];
        argv.extend(node_args(node, &lease, &port, true));
        let a = args(&argv);
        if let Err(e) = run(a) {
            panic!("{story} against {}: {e}", node.url());
        }
    }
}

#[test]
fn the_trace_has_every_socket_event_of_both_parties() {
    let path = std::env::temp_dir().join(format!("aesc-demo-trace-{}.jsonl", std::process::id()));
    run(args(&["--scenario", "open-messages", "--trace", path.to_str().unwrap()])).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let lines: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for role in ["initiator", "responder"] {
        let mine: Vec<_> = lines.iter().filter(|l| l["role"] == role).collect();
        assert_eq!(mine.first().unwrap()["dir"], "open", "{role}");
        assert!(mine.first().unwrap()["url"].as_str().unwrap().contains("role="));
        assert_eq!(mine.last().unwrap()["dir"], "close", "{role}");
        let sent: Vec<serde_json::Value> = mine
            .iter()
            .filter(|l| l["dir"] == "send")
            .map(|l| serde_json::from_str(l["raw"].as_str().unwrap()).unwrap())
            .collect();
        assert!(sent.iter().any(|f| f["method"] == "channels.message"), "{role}");
        assert!(mine.iter().filter(|l| l["dir"] == "recv").count() > 5);
    }
    let times: Vec<f64> = lines.iter().map(|l| l["t"].as_f64().unwrap()).collect();
    assert!(times.iter().all(|t| *t >= 0.0));
}

#[test]
fn a_real_node_needs_the_network_and_both_keys() {
    let e = run(args(&["--node", "ws://127.0.0.1:1/channel"])).unwrap_err();
    assert!(e.to_string().contains("--network-id"), "{e}");
}

#[test]
fn a_refused_connection_says_so() {
    let key = "520239ff5fe4855c4a02b4264ba5a0892dba13510da4512a424496db48410d9f";
    let other = "dd5b4df62c3b39bf0beb2e93da03cf54ae1dc723f2af565d031cbc57db96c1a8";
    let a = args(&[
        "--node",
        "ws://127.0.0.1:1",
        "--network-id",
        "ae_dev",
        "--initiator-key",
        key,
        "--responder-key",
        other,
    ]);
    let e = run(a).unwrap_err().to_string();
    assert!(e.contains("127.0.0.1:1") && e.contains("refused"), "{e}");
}

#[test]
fn params_need_a_key() {
    assert_eq!(parse_param("a=b=c"), Ok(("a".into(), "b=c".into())));
    assert!(parse_param("=x").is_err());
    assert!(parse_param("x").is_err());
}

/// Per role, what the node sent: `method event` (info event, on-chain info or sign tag) of each
/// notification, and `error [codes]` of each error frame.
fn story_of(trace: &str) -> [Vec<String>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for line in trace.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        if r["dir"] != "recv" {
            continue;
        }
        let frame: serde_json::Value = serde_json::from_str(r["raw"].as_str().unwrap()).unwrap();
        let item = if let Some(m) = frame["method"].as_str() {
            let data = &frame["params"]["data"];
            let what = data["event"].as_str().or(data["info"].as_str()).unwrap_or("");
            format!("{m} {what}").trim().to_owned()
        } else if let Some(e) = frame.get("error") {
            format!("error {}", e["data"])
        } else {
            continue;
        };
        // The end of a story races with the clients closing their sockets.
        const TAIL: [&str; 4] = [
            "channels.info died",
            "channels.info closed_confirmed",
            "channels.info peer_disconnected",
            "channels.on_chain_tx channel_closed",
        ];
        if TAIL.contains(&item.as_str()) {
            continue;
        }
        out[usize::from(r["role"] == "responder")].push(item);
    }
    out
}

#[test]
fn the_double_and_the_node_tell_every_story_alike() {
    let Some(node) = aesc_testkit::real_node::RealNode::get() else { return };
    let lease = node.lease(2);
    let port = lease.port().to_string();
    let dir = std::env::temp_dir();
    for story in STORIES {
        let mut told = Vec::new();
        for on_node in [false, true] {
            let path = dir.join(format!("aesc-story-{}-{story}-{on_node}", std::process::id()));
            let trace = path.to_str().unwrap();
            let mut argv = vec!["--scenario", story, "--trace", trace];
            argv.extend(node_args(node, &lease, &port, on_node));
            run(args(&argv)).unwrap();
            told.push(story_of(&std::fs::read_to_string(&path).unwrap()));
            let _ = std::fs::remove_file(&path);
        }
        for (role, name) in ["initiator", "responder"].iter().enumerate() {
            let (double, real) = (&told[0][role], &told[1][role]);
            let at = double.iter().zip(real).take_while(|(a, b)| a == b).count();
            assert!(
                double == real,
                "{story}, {name}: first difference at {at}: double {:?}, node {:?}",
                double.get(at.saturating_sub(2)..(at + 3).min(double.len())),
                real.get(at.saturating_sub(2)..(at + 3).min(real.len())),
            );
        }
    }
}
