//! Oversized input is refused with a typed error before any step whose cost grows faster than
//! the input: base58 bodies longer than their type allows and integers beyond 256 bits, in
//! every decoder that reads them (API strings, decimal text, JSON, RLP).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::crypto::{KeyParseError, SecretKey};
use aesc_codec::encoding::{ParseError, Prefix};
use aesc_codec::id::{AccountId, Id, Signature};
use aesc_codec::rlp::{self, DecodeErrorKind as K, Encoder};
use aesc_codec::state::{Account, JsonError};
use aesc_codec::tx::{JsonErrorKind, SignedTx, Tx};
use aesc_codec::uint::ParseUintError;
use aesc_codec::Uint;
use serde_json::json;

const UNSIGNED_CREATE: &str = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";

/// 2^256 − 1, the largest integer accepted.
const MAX_256: &str =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";
/// 2^256.
const TWO_256: &str =
    "115792089237316195423570985008687907853269984665640564039457584007913129639936";

const FIVE_MILLION: usize = 5_000_000;

#[test]
fn a_megabyte_id_is_refused_unread_by_every_typed_parser() {
    let body = "z".repeat(1 << 20);
    let too_long = |prefix| ParseError::TooLong { prefix, max: prefix_max(prefix), found: 1 << 20 };
    let ak = format!("ak_{body}");
    assert_eq!(ak.parse::<AccountId>(), Err(too_long(Prefix::AccountPubkey)));
    assert_eq!(ak.parse::<Id>(), Err(too_long(Prefix::AccountPubkey)));
    let sg = format!("sg_{body}");
    assert_eq!(sg.parse::<Signature>(), Err(too_long(Prefix::Signature)));
    let sk = format!("sk_{body}");
    assert_eq!(
        SecretKey::parse(&sk).unwrap_err(),
        KeyParseError::Encoding(too_long(Prefix::AccountSeckey))
    );
    let st = format!("st_{}", "A".repeat(1 << 20));
    assert_eq!(
        aesc_codec::encoding::decode(&st),
        Err(ParseError::TooLong { prefix: Prefix::State, max: 48, found: 1 << 20 })
    );
    // In JSON too: a serde field and a transaction field.
    let e = serde_json::from_value::<AccountId>(json!(ak)).unwrap_err();
    assert!(e.to_string().contains("too long, at most 50 allowed"), "{e}");
    let mut v = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap().to_json();
    v["tx"]["initiator_id"] = json!(ak);
    let e = SignedTx::from_json(&v).unwrap_err();
    assert_eq!(e.path, "tx.initiator_id");
    assert_eq!(e.kind, JsonErrorKind::Encoding(too_long(Prefix::AccountPubkey)));
}

fn prefix_max(prefix: Prefix) -> usize {
    prefix.max_text_len().unwrap()
}

#[test]
fn a_five_million_digit_number_is_refused_unparsed() {
    let digits = "9".repeat(FIVE_MILLION);
    assert_eq!(digits.parse::<Uint>(), Err(ParseUintError::TooLong { len: FIVE_MILLION }));
    // A JSON number at full precision, through serde.
    let e = serde_json::from_str::<Uint>(&digits).unwrap_err();
    assert!(e.to_string().contains("at most 78 digits"), "{e}");
    let number: serde_json::Value = serde_json::from_str(&digits).unwrap();
    assert_eq!(Uint::parse_json(&number), Err(ParseUintError::TooLong { len: FIVE_MILLION }));
    assert_eq!(Uint::from_json(&number), None);
    // A transaction amount.
    let mut v = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap().to_json();
    v["tx"]["initiator_amount"] = number.clone();
    let e = SignedTx::from_json(&v).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        (
            "tx.initiator_amount",
            JsonErrorKind::Integer(ParseUintError::TooLong { len: FIVE_MILLION })
        )
    );
    // A state object's balance.
    let e = Account::from_json(&json!({"nonce": 0, "balance": number})).unwrap_err();
    assert_eq!(
        e,
        JsonError::Integer {
            field: "balance",
            error: ParseUintError::TooLong { len: FIVE_MILLION }
        }
    );
}

#[test]
fn decimal_integers_stop_at_256_bits() {
    let max: Uint = MAX_256.parse().unwrap();
    assert_eq!(max.to_be_bytes(), [0xff; 32]);
    assert_eq!(max.to_string(), MAX_256);
    assert_eq!(TWO_256.parse::<Uint>(), Err(ParseUintError::TooLarge));
    assert_eq!("9".repeat(78).parse::<Uint>(), Err(ParseUintError::TooLarge));
    // The limit is on the text: leading zeros count.
    assert_eq!(format!("0{MAX_256}").parse::<Uint>(), Err(ParseUintError::TooLong { len: 79 }));
    assert_eq!("0".repeat(78).parse::<Uint>(), Ok(Uint::zero()));
    assert_eq!("".parse::<Uint>(), Err(ParseUintError::NotDecimal { input: "".into() }));
    assert_eq!("1e3".parse::<Uint>(), Err(ParseUintError::NotDecimal { input: "1e3".into() }));
    // JSON: the largest value is read and written at full precision.
    let number: serde_json::Value = serde_json::from_str(MAX_256).unwrap();
    assert_eq!(Uint::parse_json(&number), Ok(Some(max.clone())));
    assert_eq!(max.to_json(), number);
    let too_large: serde_json::Value = serde_json::from_str(TWO_256).unwrap();
    let mut v = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap().to_json();
    v["tx"]["fee"] = too_large;
    let e = SignedTx::from_json(&v).unwrap_err();
    assert_eq!(
        (e.path.as_str(), e.kind),
        ("tx.fee", JsonErrorKind::Integer(ParseUintError::TooLarge))
    );
    assert_eq!(
        ParseUintError::TooLong { len: FIVE_MILLION }.to_string(),
        "integer of 5000000 characters is too long, at most 78 digits allowed"
    );
}

/// The create tx with its initiator amount (field 1 after tag and version) replaced by `be`.
fn create_with_amount(be: &[u8]) -> (Vec<u8>, usize) {
    let signed = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    let inner = signed.tx.to_rlp();
    let item = rlp::decode_exact(&inner).unwrap();
    let items = item.as_list().unwrap();
    let mut enc = Encoder::new();
    enc.list(|l| {
        for (k, field) in items.iter().enumerate() {
            if k == 3 {
                l.bytes(be);
            } else {
                l.raw(field.raw);
            }
        }
    });
    let bytes = enc.finish();
    let offset = rlp::decode_exact(&bytes).unwrap().as_list().unwrap()[3].offset;
    (bytes, offset)
}

#[test]
fn rlp_integers_stop_at_32_bytes() {
    let (ok, _) = create_with_amount(&[0xff; 32]);
    let Tx::ChannelCreate(tx) = Tx::from_rlp(&ok).unwrap() else { panic!("not a create tx") };
    assert_eq!(tx.initiator_amount.to_string(), MAX_256);
    let (bad, at) = create_with_amount(&[0xff; 33]);
    let e = Tx::from_rlp(&bad).unwrap_err();
    assert_eq!((e.position, e.kind), (at, K::IntegerTooLarge { max_bytes: 32, found: 33 }));
    // A megabyte integer is refused the same way, without converting it.
    let (huge, at) = create_with_amount(&vec![0x01; 1 << 20]);
    let e = Tx::from_rlp(&huge).unwrap_err();
    assert_eq!((e.position, e.kind), (at, K::IntegerTooLarge { max_bytes: 32, found: 1 << 20 }));
}
