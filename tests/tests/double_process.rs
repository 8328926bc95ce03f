//! The node double as a process: `aesc-node-double --listen … --network-id …`.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use aesc_testkit::double::probe::Probe;

#[test]
fn the_binary_serves_until_stdin_closes() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_aesc-node-double"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--network-id",
            "local_iris_testnet",
            "--minimum-depth",
            "1",
        ])
        .arg("--until-stdin-closes")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the binary");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut url = String::new();
    out.read_line(&mut url).expect("first line");
    let url = url.trim().to_string();
    assert!(url.starts_with("ws://127.0.0.1:") && url.ends_with("/channel"), "{url}");
    let ak =
        aesc_codec::crypto::SecretKey::generate().expect("OS randomness").public_key().to_string();
    let query = format!(
        "protocol=json-rpc&role=responder&port=7&initiator_id=any&responder_id={ak}\
         &initiator_amount=10&responder_amount=10&push_amount=0&channel_reserve=1&lock_period=1"
    );
    let mut p = Probe::connect(&format!("{url}?{query}"), Duration::from_secs(5)).expect("connect");
    let up = p.recv(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(up["params"]["data"]["event"], "fsm_up");
    p.call("channels.system", serde_json::json!({"action": "ping"}), true).unwrap();
    let pong = p.recv(Duration::from_secs(5)).unwrap().unwrap();
    assert_eq!(pong["result"]["tag"], "pong");
    // Closing stdin stops the process.
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.flush().unwrap();
    drop(stdin);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the process did not stop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
