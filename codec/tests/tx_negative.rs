//! Table-driven negative cases: each malformed input fails with the exact error kind at the
//! exact byte position (RLP) or key path (JSON).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use aesc_codec::encoding::{self, ParseError, Prefix};
use aesc_codec::object::Object;
use aesc_codec::rlp::{self, DecodeError, DecodeErrorKind as K, Encoder};
use aesc_codec::tx::{GaMetaTx, JsonErrorKind, SignedTx, Tx, TxError, Update, MAX_NESTING};
use aesc_codec::Uint;
use serde_json::json;

const UNSIGNED_CREATE: &str = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";

/// The fields (encoded items) of the spec's create tx v1.
fn create_fields() -> Vec<Vec<u8>> {
    let signed = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    let inner = signed.tx.to_rlp();
    let item = rlp::decode_exact(&inner).unwrap();
    item.as_list().unwrap()[2..].iter().map(|i| i.raw.to_vec()).collect()
}

/// `rlp([tag, version, fields…])`.
fn object(tag: u64, version: u64, fields: &[Vec<u8>]) -> Vec<u8> {
    let mut enc = Encoder::new();
    enc.list(|l| {
        l.uint_u64(tag).uint_u64(version);
        fields.iter().for_each(|f| {
            l.raw(f);
        });
    });
    enc.finish()
}

fn item(f: impl FnOnce(&mut Encoder)) -> Vec<u8> {
    let mut enc = Encoder::new();
    f(&mut enc);
    enc.finish()
}

/// Offset of field `k` (after tag and version) of the object in `bytes`.
fn field_offset(bytes: &[u8], k: usize) -> usize {
    rlp::decode_exact(bytes).unwrap().as_list().unwrap()[k + 2].offset
}

fn with_field(k: usize, value: Vec<u8>) -> Vec<u8> {
    let mut fields = create_fields();
    fields[k] = value;
    object(50, 1, &fields)
}

fn signed_around(inner: &[u8], sigs: &[Vec<u8>]) -> Vec<u8> {
    item(|e| {
        e.list(|l| {
            l.uint_u64(11).uint_u64(1);
            l.list(|s| {
                sigs.iter().for_each(|sig| {
                    s.bytes(sig);
                })
            });
            l.bytes(inner);
        });
    })
}

#[test]
fn malformed_transactions_fail_with_exact_kind_and_position() {
    let good = object(50, 1, &create_fields());
    assert!(Tx::from_rlp(&good).is_ok());
    let len = good.len();
    let mut fields = create_fields();
    fields.pop();
    let short_list = object(50, 1, &fields);
    let bad_id = with_field(
        0,
        item(|e| {
            let mut id = [6u8; 33];
            id[1..].copy_from_slice(&[7; 32]);
            e.bytes(&id);
        }),
    );
    let unknown_id = with_field(
        2,
        item(|e| {
            e.bytes(&[9u8; 33]);
        }),
    );
    let short_id = with_field(
        0,
        item(|e| {
            e.bytes(&[1u8; 32]);
        }),
    );
    let leading_zero = with_field(
        1,
        item(|e| {
            e.bytes(&[0, 1, 2]);
        }),
    );
    let empty_int = with_field(
        5,
        item(|e| {
            e.bytes(&[]);
        }),
    );
    let big_nonce = with_field(
        10,
        item(|e| {
            e.bytes(&[1; 9]);
        }),
    );
    let short_hash = with_field(
        9,
        item(|e| {
            e.bytes(&[1; 31]);
        }),
    );
    let list_for_int = with_field(
        1,
        item(|e| {
            e.list(|_| {});
        }),
    );
    let bytes_for_list = with_field(
        8,
        item(|e| {
            e.bytes(b"x");
        }),
    );
    let mut trailing = good.clone();
    trailing.push(0);

    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        ("empty input", vec![], DecodeError::new(0, K::InputTooShort { needed: 1, available: 0 })),
        (
            "truncated",
            good[..len - 1].to_vec(),
            DecodeError::new(0, K::InputTooShort { needed: len, available: len - 1 }),
        ),
        ("trailing byte", trailing, DecodeError::new(len, K::TrailingBytes { count: 1 })),
        (
            "unknown tag",
            object(99, 1, &create_fields()),
            DecodeError::new(0, K::UnknownTag { tag: 99 }),
        ),
        (
            "unsupported version",
            object(50, 3, &create_fields()),
            DecodeError::new(0, K::UnsupportedVersion { tag: 50, version: 3 }),
        ),
        (
            "v2 tag with v1 fields",
            object(50, 2, &create_fields()),
            DecodeError::new(0, K::ListLength { expected: 14, found: 13 }),
        ),
        (
            "field missing",
            short_list.clone(),
            DecodeError::new(0, K::ListLength { expected: 13, found: 12 }),
        ),
        (
            "channel id where an account is required",
            bad_id.clone(),
            DecodeError::new(
                field_offset(&bad_id, 0),
                K::UnexpectedIdTag { expected: 1, found: 6 },
            ),
        ),
        (
            "unknown id tag",
            unknown_id.clone(),
            DecodeError::new(field_offset(&unknown_id, 2), K::InvalidIdTag { tag: 9 }),
        ),
        (
            "id of 32 bytes",
            short_id.clone(),
            DecodeError::new(
                field_offset(&short_id, 0),
                K::WrongLength { expected: 33, found: 32 },
            ),
        ),
        (
            "integer with a leading zero",
            leading_zero.clone(),
            DecodeError::new(field_offset(&leading_zero, 1), K::NonCanonicalInteger),
        ),
        (
            "integer as the empty string",
            empty_int.clone(),
            DecodeError::new(field_offset(&empty_int, 5), K::NonCanonicalInteger),
        ),
        (
            "nonce above u64",
            big_nonce.clone(),
            DecodeError::new(
                field_offset(&big_nonce, 10),
                K::IntegerTooLarge { max_bytes: 8, found: 9 },
            ),
        ),
        (
            "state hash of 31 bytes",
            short_hash.clone(),
            DecodeError::new(
                field_offset(&short_hash, 9),
                K::WrongLength { expected: 32, found: 31 },
            ),
        ),
        (
            "list where an integer is required",
            list_for_int.clone(),
            DecodeError::new(field_offset(&list_for_int, 1), K::UnexpectedList),
        ),
        (
            "bytes where the delegate list is required",
            bytes_for_list.clone(),
            DecodeError::new(field_offset(&bytes_for_list, 8), K::UnexpectedBytes),
        ),
        (
            "non-canonical single byte",
            vec![0x81, 0x05],
            DecodeError::new(0, K::NonCanonicalSingleByte),
        ),
        ("not a list", vec![0x05], DecodeError::new(0, K::UnexpectedBytes)),
    ];
    for (what, bytes, expected) in cases {
        assert_eq!(Tx::from_rlp(&bytes), Err(expected), "{what}");
    }
}

#[test]
fn malformed_signed_txs_report_positions_in_the_outer_bytes() {
    let inner = object(50, 1, &create_fields());
    let good = signed_around(&inner, &[vec![1; 64]]);
    assert!(SignedTx::from_rlp(&good).is_ok());
    // The truncated inner tx starts after the SignedTx header, tag, version, the (empty)
    // signature list and the inner byte-string header.
    let truncated = signed_around(&inner[..inner.len() - 2], &[]);
    let outer = rlp::decode_exact(&truncated).unwrap();
    let inner_item = &outer.as_list().unwrap()[3];
    let inner_start = inner_item.offset + inner_item.raw.len() - (inner.len() - 2);

    let bad_inner = with_field(
        0,
        item(|e| {
            e.bytes(&[6u8; 33]);
        }),
    );
    let nested_bad = signed_around(&bad_inner, &[]);
    let nested_root = rlp::decode_exact(&nested_bad).unwrap();
    let nested_item = &nested_root.as_list().unwrap()[3];
    let nested_start = nested_item.offset + nested_item.raw.len() - bad_inner.len();

    let short_sig = signed_around(&inner, &[vec![1; 64], vec![2; 63]]);
    let sig_item_offset =
        rlp::decode_exact(&short_sig).unwrap().as_list().unwrap()[2].as_list().unwrap()[1].offset;

    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        (
            "signature of 63 bytes",
            short_sig,
            DecodeError::new(sig_item_offset, K::BadSignatureLength { found: 63 }),
        ),
        (
            "bad id inside the inner tx",
            nested_bad,
            DecodeError::new(
                nested_start + field_offset(&bad_inner, 0),
                K::UnexpectedIdTag { expected: 1, found: 6 },
            ),
        ),
        (
            "inner tx truncated",
            truncated.clone(),
            DecodeError::new(
                inner_start,
                K::InputTooShort { needed: inner.len(), available: inner.len() - 2 },
            ),
        ),
        (
            "a transaction where a SignedTx is required",
            inner.clone(),
            DecodeError::new(0, K::UnexpectedTag { expected: 11, found: 50 }),
        ),
        (
            "SignedTx version 2",
            object(
                11,
                2,
                &[
                    item(|e| {
                        e.list(|_| {});
                    }),
                    item(|e| {
                        e.bytes(&inner);
                    }),
                ],
            ),
            DecodeError::new(0, K::UnsupportedVersion { tag: 11, version: 2 }),
        ),
    ];
    for (what, bytes, expected) in cases {
        assert_eq!(SignedTx::from_rlp(&bytes), Err(expected), "{what}");
    }
    // A SignedTx where an unsigned transaction is required.
    assert_eq!(
        Tx::from_rlp(&good).unwrap_err().kind,
        K::Invalid("a SignedTx where an unsigned transaction is required")
    );
}

#[test]
fn malformed_updates_fail_with_exact_kind_and_position() {
    let account = item(|e| {
        let mut id = [1u8; 33];
        id[0] = 1;
        e.bytes(&id);
    });
    let amount = item(|e| {
        e.uint_u64(5);
    });
    let ct = |v: u64| {
        item(|e| {
            e.uint_u64(v);
        })
    };
    let blob = item(|e| {
        e.bytes(b"code");
    });
    let create = |v: u64| {
        object(573, 1, &[account.clone(), ct(v), blob.clone(), amount.clone(), blob.clone()])
    };
    assert!(Update::from_rlp(&create(0x70003)).is_ok());
    assert!(Update::from_rlp(&create(1)).is_ok());
    let cases: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        (
            "unknown update tag",
            object(577, 1, &[]),
            DecodeError::new(0, K::UnknownTag { tag: 577 }),
        ),
        (
            "meta with version 1",
            object(576, 1, std::slice::from_ref(&blob)),
            DecodeError::new(0, K::UnsupportedVersion { tag: 576, version: 1 }),
        ),
        (
            "transfer with two fields",
            object(570, 1, &[account.clone(), amount.clone()]),
            DecodeError::new(0, K::ListLength { expected: 5, found: 4 }),
        ),
        (
            "ct_version 3 (vm 0 with abi 3)",
            create(3),
            DecodeError::new(
                field_offset(&create(3), 1),
                K::Invalid("ct_version is not a canonical vm/abi packing"),
            ),
        ),
        (
            "ct_version of vm 1 abi 1 in the long form",
            create(0x10001),
            DecodeError::new(
                field_offset(&create(0x10001), 1),
                K::Invalid("ct_version is not a canonical vm/abi packing"),
            ),
        ),
    ];
    for (what, bytes, expected) in cases {
        assert_eq!(Update::from_rlp(&bytes), Err(expected), "{what}");
    }
}

#[test]
fn unknown_update_tags_are_refused_not_read_as_another_update() {
    let blob = item(|e| {
        e.bytes(b"hello");
    });
    // 575 is the client reconnect tx, 577 is unassigned; both would fit a meta update's shape.
    for tag in [575u32, 577] {
        for version in [1, 2] {
            let bytes = object(u64::from(tag), version, std::slice::from_ref(&blob));
            assert_eq!(
                Update::from_rlp(&bytes),
                Err(DecodeError::new(0, K::UnknownTag { tag })),
                "tag {tag} version {version}"
            );
        }
    }
}

/// `layers` GA meta layers around the spec's create tx.
fn ga_layers(layers: usize) -> SignedTx {
    let mut st = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    for _ in 0..layers {
        st = SignedTx::unsigned(GaMetaTx {
            ga_id: aesc_codec::id::AccountId([3; 32]),
            auth_data: vec![],
            abi_version: 1,
            fee: Uint::from(1u64),
            gas: 1,
            gas_price: Uint::from(1u64),
            ttl: None,
            tx: Box::new(st),
        });
    }
    st
}

#[test]
fn nesting_beyond_the_limit_is_rejected() {
    // Each GA layer embeds two serialized objects (its SignedTx and that one's tx); the
    // outermost SignedTx embeds the first. So 2k + 1 levels for k layers.
    let deepest = (MAX_NESTING - 1) / 2;
    let ok = ga_layers(deepest);
    assert_eq!(SignedTx::from_rlp(&ok.to_rlp()).unwrap(), ok);
    assert_eq!(ok.innermost().tx.tag(), 50);
    let too_deep = ga_layers(deepest + 1);
    let err = SignedTx::from_rlp(&too_deep.to_rlp()).unwrap_err();
    assert_eq!(err.kind, K::TooDeep { limit: MAX_NESTING });
    let json_err = SignedTx::from_json(&too_deep.to_json()).unwrap_err();
    assert_eq!(json_err.kind, JsonErrorKind::TooDeep { limit: MAX_NESTING });
    assert!(json_err.path.starts_with("tx.tx.tx.tx"), "{}", json_err.path);
}

#[test]
fn api_strings_fail_with_typed_errors() {
    let account = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
    assert!(matches!(
        SignedTx::from_api_str(account),
        Err(TxError::Encoding(ParseError::WrongPrefix { found: Prefix::AccountPubkey, .. }))
    ));
    let mut corrupted = UNSIGNED_CREATE.to_string();
    corrupted.replace_range(10..11, "A");
    assert!(matches!(
        SignedTx::from_api_str(&corrupted),
        Err(TxError::Encoding(ParseError::BadChecksum { .. }))
    ));
    let not_signed = encoding::encode(Prefix::Transaction, &object(50, 1, &create_fields()));
    assert_eq!(
        SignedTx::from_api_str(&not_signed),
        Err(TxError::Rlp(DecodeError::new(0, K::UnexpectedTag { expected: 11, found: 50 })))
    );
}

#[test]
fn malformed_json_names_the_offending_key() {
    let signed = SignedTx::from_api_str(UNSIGNED_CREATE).unwrap();
    let good = signed.to_json();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        f(&mut v);
        v
    };
    let solo = json!({
        "type": "ChannelCloseSoloTx", "version": 1,
        "channel_id": "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu",
        "from_id": "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C",
        "payload": {"type": "SignedTx", "version": 1, "signatures": [], "tx": {
            "type": "ChannelOffChainTx", "version": 2,
            "channel_id": "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu",
            "round": 3, "state_hash": "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C"}},
        "poi": "pi_Xfbg4g==", "ttl": 0, "fee": 1, "nonce": 2
    });
    let cases: Vec<(&str, serde_json::Value, &str, JsonErrorKind)> = vec![
        ("not an object", json!([]), "", JsonErrorKind::WrongType { expected: "object" }),
        (
            "missing fee",
            edit(&|v| {
                v["tx"].as_object_mut().unwrap().remove("fee");
            }),
            "tx.fee",
            JsonErrorKind::Missing,
        ),
        (
            "negative amount",
            edit(&|v| v["tx"]["initiator_amount"] = json!(-1)),
            "tx.initiator_amount",
            JsonErrorKind::WrongType { expected: "unsigned integer" },
        ),
        (
            "round as a string",
            edit(&|v| v["tx"]["lock_period"] = json!("10")),
            "tx.lock_period",
            JsonErrorKind::WrongType { expected: "unsigned 64-bit integer" },
        ),
        (
            "unknown type",
            edit(&|v| v["tx"]["type"] = json!("ChannelFooTx")),
            "tx.type",
            JsonErrorKind::UnknownType("ChannelFooTx".into()),
        ),
        (
            "unsupported version",
            edit(&|v| v["tx"]["version"] = json!(7)),
            "tx.version",
            JsonErrorKind::UnsupportedVersion { type_name: "ChannelCreateTx", version: 7 },
        ),
        (
            "bad delegate",
            edit(&|v| v["tx"]["delegate_ids"] = json!(["ak_x"])),
            "tx.delegate_ids[0]",
            JsonErrorKind::Encoding(ParseError::TooShortForChecksum { len: 1 }),
        ),
        (
            "state hash with the wrong prefix",
            solo,
            "tx.payload.tx.state_hash",
            JsonErrorKind::Encoding(ParseError::WrongPrefix {
                expected: &[Prefix::State],
                found: Prefix::AccountPubkey,
            }),
        ),
    ];
    for (what, value, path, kind) in cases {
        let wrapped = if what.starts_with("state hash") {
            json!({"type": "SignedTx", "version": 1, "signatures": [], "tx": value})
        } else {
            value
        };
        let err = SignedTx::from_json(&wrapped).unwrap_err();
        assert_eq!((err.path.as_str(), &err.kind), (path, &kind), "{what}");
    }

    let offchain = json!({
        "type": "ChannelOffChainTx", "version": 1,
        "channel_id": "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu", "round": 3,
        "updates": [
            {"op": "OffChainMeta", "data": "hello"},
            {"op": "OffChainDeposit", "from": "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C", "amount": "x"},
            {"op": "OffChainNothing"}
        ],
        "state_hash": "st_Xfbg4g=="
    });
    let err = Tx::from_json(&offchain).unwrap_err();
    assert_eq!(err.path, "updates[1].amount");
    assert_eq!(err.kind, JsonErrorKind::WrongType { expected: "unsigned integer" });
    let err = Update::from_json(&offchain["updates"][2]).unwrap_err();
    assert_eq!(
        (err.path.as_str(), err.kind),
        ("op", JsonErrorKind::UnknownOp("OffChainNothing".into()))
    );
    let err = Update::from_json(&json!({
        "op": "OffChainNewContract", "owner": "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C",
        "vm_version": 0, "abi_version": 3, "code": "cb_Xfbg4g==", "deposit": 1, "call_data": "cb_Xfbg4g=="
    }))
    .unwrap_err();
    assert_eq!(err.path, "vm_version");
    let err = GaMetaTx::from_json(&offchain).unwrap_err();
    assert_eq!(
        (err.path.as_str(), err.kind),
        (
            "type",
            JsonErrorKind::UnexpectedType {
                expected: "GAMetaTx",
                found: "ChannelOffChainTx".into()
            }
        )
    );
}

#[test]
fn decoding_garbage_never_panics() {
    let seeds = [
        encoding::decode_as(Prefix::Transaction, UNSIGNED_CREATE).unwrap(),
        object(50, 1, &create_fields()),
    ];
    for seed in seeds {
        for cut in 0..seed.len() {
            let _ = SignedTx::from_rlp(&seed[..cut]);
            let _ = Tx::from_rlp(&seed[cut..]);
            let _ = Update::from_rlp(&seed[cut..]);
            for byte in [0x00, 0x7f, 0x80, 0xb8, 0xc0, 0xf8, 0xff] {
                let mut b = seed.clone();
                b[cut] = byte;
                let _ = SignedTx::from_rlp(&b);
                let _ = Tx::from_rlp(&b);
            }
        }
    }
}
