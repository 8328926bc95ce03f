//! Replays every committed crasher and seed under `regressions/<target>/` and `corpus/<target>/`
//! through its target body, on stable `cargo test`.

use std::fs;
use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    let mut seeds = 0;
    for dir in [root.join("regressions").join(target), root.join("corpus").join(target)] {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let data = fs::read(entry.path()).expect("readable regression file");
            body(&data);
            count += 1;
            seeds += usize::from(entry.file_name().to_string_lossy().starts_with("seed-"));
        }
    }
    // A missing or emptied seed folder would make the replay pass vacuously.
    assert!(seeds > 0, "no committed seeds in corpus/{target}");
    count
}

#[test]
fn encoding_parse_regressions() {
    println!("replayed {}", replay("encoding_parse", aesc_fuzz::encoding_parse));
}

#[test]
fn rlp_decode_regressions() {
    println!("replayed {}", replay("rlp_decode", aesc_fuzz::rlp_decode));
}

#[test]
fn rlp_differential_regressions() {
    println!("replayed {}", replay("rlp_differential", aesc_fuzz::rlp_differential));
}

#[test]
fn tx_decode_roundtrip_regressions() {
    println!("replayed {}", replay("tx_decode_roundtrip", aesc_fuzz::tx_decode_roundtrip));
}

#[test]
fn jsonrpc_frames_regressions() {
    println!("replayed {}", replay("jsonrpc_frames", aesc_fuzz::jsonrpc_frames));
}

#[test]
fn state_decode_regressions() {
    println!("replayed {}", replay("state_decode", aesc_fuzz::state_decode));
}

#[test]
fn client_frames_regressions() {
    println!("replayed {}", replay("client_frames", aesc_fuzz::client_frames));
}
