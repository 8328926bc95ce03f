//! Bodies of the fuzz targets. Each target in `fuzz_targets/` is a three-line wrapper around one
//! function here, so that `tests/replay.rs` can run every committed crasher on stable `cargo test`.

use aesc_codec::encoding;
use aesc_codec::id::Signature;
use aesc_codec::jsonrpc::{self, ClientRequest, NodeEvent};
use aesc_codec::object::Object;
use aesc_codec::rlp::{self, Encoder, Item, ItemKind};
use aesc_codec::tx::{SignedTx, Tx};
use serde_json::Value;

/// Prefixed strings: whatever decodes re-encodes to the same text.
pub fn encoding_parse(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok((prefix, body)) = encoding::decode(text) {
        assert_eq!(encoding::encode(prefix, &body), text, "decode/encode is not exact");
    }
}

/// RLP: whatever decodes re-encodes to exactly the same bytes.
pub fn rlp_decode(data: &[u8]) {
    if let Ok(item) = rlp::decode_exact(data) {
        let mut enc = Encoder::new();
        reencode(&item, &mut enc);
        assert_eq!(enc.finish(), data, "rlp decode/encode is not exact");
    }
}

fn reencode(item: &Item<'_>, enc: &mut Encoder) {
    match &item.kind {
        ItemKind::Bytes(b) => {
            enc.bytes(b);
        }
        ItemKind::List(items) => {
            enc.list(|l| items.iter().for_each(|i| reencode(i, l)));
        }
    }
}

/// Transactions: whatever decodes re-encodes to the same bytes. The one permitted difference is
/// signature order: the node (and this codec) keeps a received order but always serializes
/// sorted, so input with unsorted signatures re-encodes sorted, at the same length, stably.
pub fn tx_decode_roundtrip(data: &[u8]) {
    if let Ok(signed) = SignedTx::from_rlp(data) {
        check_tx_roundtrip(data, signed.to_rlp(), signed.to_json(), |b| {
            SignedTx::from_rlp(b).ok().map(|t| (t.to_rlp(), t.to_json()))
        });
        let json_again = SignedTx::from_json(&signed.to_json()).expect("JSON form decodes");
        assert_eq!(json_again.to_rlp(), signed.to_rlp(), "JSON round trip changed the tx");
        let _ = signed.hash();
    } else if let Ok(tx) = Tx::from_rlp(data) {
        check_tx_roundtrip(data, tx.to_rlp(), tx.to_json(), |b| {
            Tx::from_rlp(b).ok().map(|t| (t.to_rlp(), t.to_json()))
        });
        let json_again = Tx::from_json(&tx.to_json()).expect("JSON form decodes");
        assert_eq!(json_again.to_rlp(), tx.to_rlp(), "JSON round trip changed the tx");
    }
}

fn check_tx_roundtrip(
    data: &[u8],
    again: Vec<u8>,
    json: Value,
    reparse: impl Fn(&[u8]) -> Option<(Vec<u8>, Value)>,
) {
    if again != data {
        assert!(has_unsorted_signatures(&json), "tx decode/encode is not exact");
        assert_eq!(again.len(), data.len(), "sorting signatures changed the length");
    }
    let (third, _) = reparse(&again).expect("canonical bytes decode");
    assert_eq!(third, again, "re-encoding is not stable");
}

fn has_unsorted_signatures(json: &Value) -> bool {
    match json {
        Value::Object(map) => {
            let here = map.get("signatures").and_then(Value::as_array).is_some_and(|sigs| {
                let parsed: Vec<Signature> =
                    sigs.iter().filter_map(|s| s.as_str()?.parse().ok()).collect();
                parsed.windows(2).any(|w| w[0] > w[1])
            });
            here || map.values().any(has_unsorted_signatures)
        }
        Value::Array(items) => items.iter().any(has_unsorted_signatures),
        _ => false,
    }
}

/// JSON-RPC frames, both directions: parsing never panics, and whatever parses re-parses to the
/// same value from its own serialization (idempotent: whitespace and key order do not
/// round-trip).
pub fn jsonrpc_frames(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(incoming) = jsonrpc::decode_incoming(text) {
        let frame = incoming.to_frame();
        let again = jsonrpc::decode_incoming(&frame).expect("own frame parses");
        assert_eq!(again.to_frame(), frame, "incoming frame is not idempotent");
        if let jsonrpc::Incoming::Notification(n) = &incoming {
            if let Ok(event) = NodeEvent::from_notification(n) {
                let _ = event.to_notification(None).to_frame();
            }
        }
    }
    if let Ok(request) = jsonrpc::decode_request(text) {
        let frame = request.to_frame();
        let again = jsonrpc::decode_request(&frame).expect("own request parses");
        assert_eq!(again.to_frame(), frame, "request frame is not idempotent");
        if let Ok(typed) = ClientRequest::from_request(&request) {
            let rebuilt = typed.to_request(request.id.clone());
            let retyped = ClientRequest::from_request(&rebuilt).expect("own request types");
            assert_eq!(retyped.to_request(request.id.clone()).to_frame(), rebuilt.to_frame());
        }
    }
    if let Ok(params) = jsonrpc::connect::ConnectParams::from_query(text) {
        let query = params.to_query();
        let again = jsonrpc::connect::ConnectParams::from_query(&query).expect("own query parses");
        assert_eq!(again.to_query(), query, "connect query is not idempotent");
    }
}
