//! Bodies of the fuzz targets. Each target in `fuzz_targets/` is a three-line wrapper around one
//! function here, so that `tests/replay.rs` can run every committed crasher on stable `cargo test`.

use aesc_codec::encoding;
use aesc_codec::rlp::{self, Encoder, Item, ItemKind};

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
