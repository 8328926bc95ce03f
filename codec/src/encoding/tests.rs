//! Table-driven tests of prefixed API strings: the prefix table against the protocol digest,
//! round trips under each size rule, and every rejection path with its exact error.

use proptest::prelude::*;

use super::*;

/// The prefix table of the protocol digest (§1), typed in independently of `prefix.rs`.
const SPEC_TABLE: &[(&str, Encoding, Option<usize>)] = &[
    ("ak", Encoding::Base58, Some(32)),
    ("sk", Encoding::Base58, Some(32)),
    ("ba", Encoding::Base64, None),
    ("bf", Encoding::Base58, Some(32)),
    ("bs", Encoding::Base58, Some(32)),
    ("bx", Encoding::Base58, Some(32)),
    ("cb", Encoding::Base64, None),
    ("ch", Encoding::Base58, Some(32)),
    ("ck", Encoding::Base64, None),
    ("cm", Encoding::Base58, Some(32)),
    ("cs", Encoding::Base64, None),
    ("ct", Encoding::Base58, Some(32)),
    ("cv", Encoding::Base64, None),
    ("kh", Encoding::Base58, Some(32)),
    ("mh", Encoding::Base58, Some(32)),
    ("nm", Encoding::Base58, None),
    ("ok", Encoding::Base58, Some(32)),
    ("oq", Encoding::Base58, Some(32)),
    ("or", Encoding::Base64, None),
    ("ov", Encoding::Base64, None),
    ("pi", Encoding::Base64, None),
    ("pp", Encoding::Base58, Some(32)),
    ("sg", Encoding::Base58, Some(64)),
    ("ss", Encoding::Base64, None),
    ("st", Encoding::Base64, Some(32)),
    ("th", Encoding::Base58, Some(32)),
    ("tx", Encoding::Base64, None),
];

const B58_ALPHABET: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

fn body(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

#[test]
fn table_matches_the_protocol_digest() {
    assert_eq!(Prefix::ALL.len(), SPEC_TABLE.len());
    for (text, enc, size) in SPEC_TABLE {
        let p = Prefix::from_text(text).unwrap_or_else(|| panic!("{text} missing"));
        assert_eq!(p.as_str(), *text);
        assert_eq!(p.to_string(), *text);
        assert_eq!(p.encoding(), *enc, "{text}");
        assert_eq!(p.size(), *size, "{text}");
    }
    assert_eq!(Prefix::from_text("zz"), None);
    assert_eq!(Prefix::from_text("AK"), None);
}

#[test]
fn every_prefix_round_trips_under_its_size_rule() {
    for &p in Prefix::ALL {
        let lens: Vec<usize> = match p.size() {
            Some(n) => vec![n],
            None => vec![0, 1, 2, 3, 32, 33, 255, 1000],
        };
        for len in lens {
            for seed in [0u8, 1, 0xff] {
                let b = body(len, seed);
                let s = encode(p, &b);
                assert!(s.starts_with(&format!("{}_", p.as_str())), "{s}");
                let text = s.get(3..).unwrap();
                match p.encoding() {
                    Encoding::Base58 => assert!(text.chars().all(|c| B58_ALPHABET.contains(c))),
                    Encoding::Base64 => assert_eq!(text.len() % 4, 0, "{s}"),
                }
                assert_eq!(decode(&s), Ok((p, b.clone())), "{s}");
                assert_eq!(decode_as(p, &s), Ok(b.clone()));
                assert_eq!(split_prefix(&s), Ok((p, text)));
            }
        }
        if let Some(n) = p.size() {
            for wrong in [0, n - 1, n + 1] {
                let s = encode(p, &body(wrong, 7));
                let found = s.len() - 3;
                // A body one byte too long may also be too long a text: refused unread.
                let expected = match p.max_text_len() {
                    Some(max) if found > max => ParseError::TooLong { prefix: p, max, found },
                    _ => ParseError::WrongSize { prefix: p, expected: n, found: wrong },
                };
                assert_eq!(decode(&s), Err(expected), "{s}");
            }
        }
    }
}

#[test]
fn spec_vectors() {
    assert_eq!(encode(Prefix::Bytearray, b""), "ba_Xfbg4g==");
    assert_eq!(decode("ba_Xfbg4g=="), Ok((Prefix::Bytearray, vec![])));
    let zeros = "kh_11111111111111111111111111111111273Yts";
    assert_eq!(encode(Prefix::KeyBlockHash, &[0; 32]), zeros);
    assert_eq!(decode_to_array::<32>(Prefix::KeyBlockHash, zeros), Ok([0; 32]));
    let mh = "mh_11111111111111111111111111111111273Yts";
    assert_eq!(encode(Prefix::MicroBlockHash, &[0; 32]), mh);
    assert_eq!(
        decode_as(Prefix::KeyBlockHash, mh),
        Err(ParseError::WrongPrefix {
            expected: &[Prefix::KeyBlockHash],
            found: Prefix::MicroBlockHash
        })
    );
    let initiator = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
    let pk = decode_to_array::<32>(Prefix::AccountPubkey, initiator).unwrap();
    assert_eq!(hex::encode(pk), "64ae0e0862ded34b3a7bee2159b91486c2f48928764dbf13808a89a98b95af81");
    let responder = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";
    let pk = decode_to_array::<32>(Prefix::AccountPubkey, responder).unwrap();
    assert_eq!(hex::encode(pk), "90b32e30ca9da7801c83f69d2ec350d958a6400c8a850bdda514eeae0c2a70a1");
    // A state hash is base64 although it is a fixed-size hash.
    let st = encode(Prefix::State, &[0xab; 32]);
    assert_eq!(st.len(), 3 + 48, "{st}");
    assert!(st.contains('q'), "{st}");
    assert_eq!(decode(&st), Ok((Prefix::State, vec![0xab; 32])));
}

#[test]
fn leading_zero_bytes_are_leading_ones_in_base58() {
    let mut b = vec![0, 0, 0];
    b.extend_from_slice(&body(29, 9));
    let s = encode(Prefix::AccountPubkey, &b);
    assert!(s.starts_with("ak_111"), "{s}");
    assert!(!s.starts_with("ak_1111"), "{s}");
    assert_eq!(decode_as(Prefix::AccountPubkey, &s), Ok(b));
}

#[test]
fn checksum_is_double_sha256() {
    // SHA-256(SHA-256("")) = 5df6e0e2…
    assert_eq!(checksum(b""), [0x5d, 0xf6, 0xe0, 0xe2]);
}

/// One row per rejection: input, the error of [`decode`].
fn rejections() -> Vec<(String, ParseError)> {
    let ak = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
    let ba = encode(Prefix::Bytearray, b"hello");
    let mut bad_sum_58 = ak.to_owned();
    bad_sum_58.replace_range(10..11, "X"); // 'b' → 'X'
    let expected58 = {
        let raw = bs58::decode(&bad_sum_58[3..]).into_vec().unwrap();
        let (payload, sum) = raw.split_at(raw.len() - 4);
        (checksum(payload), <[u8; 4]>::try_from(sum).unwrap())
    };
    let bad_sum_64 = {
        let mut data = b"hello".to_vec();
        data.extend_from_slice(&[0, 0, 0, 0]);
        format!("ba_{}", base64::engine::general_purpose::STANDARD.encode(&data))
    };
    vec![
        ("".into(), ParseError::MissingSeparator),
        ("akmLjWgLbapr5CiVD2Q".into(), ParseError::MissingSeparator),
        ("zz_abc".into(), ParseError::UnknownPrefix("zz".into())),
        ("AK_abc".into(), ParseError::UnknownPrefix("AK".into())),
        ("a_k_abc".into(), ParseError::UnknownPrefix("a".into())),
        ("_abc".into(), ParseError::UnknownPrefix("".into())),
        ("akk_abc".into(), ParseError::UnknownPrefix("akk".into())),
        // base58 alphabet: no 0, O, I, l, no '_' or '+'.
        ("ak_10abc".into(), ParseError::InvalidBase58Character { character: '0', index: 1 }),
        ("ak_O".into(), ParseError::InvalidBase58Character { character: 'O', index: 0 }),
        ("ak_abIc".into(), ParseError::InvalidBase58Character { character: 'I', index: 2 }),
        ("ak_abcl".into(), ParseError::InvalidBase58Character { character: 'l', index: 3 }),
        ("ak_ab_c".into(), ParseError::InvalidBase58Character { character: '_', index: 2 }),
        ("ak_ab+c".into(), ParseError::InvalidBase58Character { character: '+', index: 2 }),
        ("ak_abé".into(), ParseError::InvalidBase58Character { character: 'é', index: 2 }),
        // base64: standard alphabet only, no whitespace, no URL-safe characters.
        ("ba_Xf-g4g==".into(), ParseError::InvalidBase64Character { byte: b'-', index: 2 }),
        ("ba_Xf_g4g==".into(), ParseError::InvalidBase64Character { byte: b'_', index: 2 }),
        ("ba_Xfbg 4g=".into(), ParseError::InvalidBase64Character { byte: b' ', index: 4 }),
        // Non-zero bits after the last full byte.
        ("ba_Xfbg4h==".into(), ParseError::InvalidBase64Character { byte: b'h', index: 5 }),
        // Padding: missing, short, excess, misplaced.
        ("ba_Xfbg4g".into(), ParseError::BadPadding),
        ("ba_Xfbg4g=".into(), ParseError::BadPadding),
        ("ba_Xfbg4g===".into(), ParseError::BadPadding),
        ("ba_Xfbg4g==Xfbg".into(), ParseError::BadPadding),
        ("ba_=Xfbg4g=".into(), ParseError::BadPadding),
        ("ba_X".into(), ParseError::BadPadding),
        // Fewer than four bytes decoded.
        ("ak_".into(), ParseError::TooShortForChecksum { len: 0 }),
        ("ba_".into(), ParseError::TooShortForChecksum { len: 0 }),
        ("ak_2".into(), ParseError::TooShortForChecksum { len: 1 }),
        ("ak_111".into(), ParseError::TooShortForChecksum { len: 3 }),
        ("ba_AAA=".into(), ParseError::TooShortForChecksum { len: 2 }),
        ("tx_AAAA".into(), ParseError::TooShortForChecksum { len: 3 }),
        // Checksum mismatch.
        (bad_sum_58, ParseError::BadChecksum { expected: expected58.0, found: expected58.1 }),
        (bad_sum_64, ParseError::BadChecksum { expected: checksum(b"hello"), found: [0, 0, 0, 0] }),
        ("ba_AAAAAA==".into(), ParseError::BadChecksum { expected: checksum(&[]), found: [0; 4] }),
        // Fixed sizes.
        (
            encode(Prefix::Signature, &[1; 32]),
            ParseError::WrongSize { prefix: Prefix::Signature, expected: 64, found: 32 },
        ),
        (
            encode(Prefix::State, &[1; 31]),
            ParseError::WrongSize { prefix: Prefix::State, expected: 32, found: 31 },
        ),
        (
            encode(Prefix::Channel, &[]),
            ParseError::WrongSize { prefix: Prefix::Channel, expected: 32, found: 0 },
        ),
        // Longer than any string of the type: refused before decoding.
        (
            format!("ak_{}", "z".repeat(51)),
            ParseError::TooLong { prefix: Prefix::AccountPubkey, max: 50, found: 51 },
        ),
        (
            format!("st_{}", "A".repeat(52)),
            ParseError::TooLong { prefix: Prefix::State, max: 48, found: 52 },
        ),
        // A valid string for control.
        (ba, ParseError::MissingSeparator),
    ]
}

#[test]
fn every_rejection_has_its_exact_error() {
    let rows = rejections();
    let (control, _) = rows.last().unwrap();
    assert_eq!(decode(control), Ok((Prefix::Bytearray, b"hello".to_vec())));
    for (input, err) in &rows[..rows.len() - 1] {
        assert_eq!(decode(input).as_ref(), Err(err), "{input:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn every_parse_error_variant_is_reached() {
    let mut seen = [false; 10];
    for (input, _) in rejections() {
        let Err(e) = decode(&input) else { continue };
        let i = match e {
            ParseError::MissingSeparator => 0,
            ParseError::UnknownPrefix(_) => 1,
            ParseError::WrongPrefix { .. } => 2,
            ParseError::InvalidBase58Character { .. } => 3,
            ParseError::InvalidBase64Character { .. } => 4,
            ParseError::BadPadding => 5,
            ParseError::TooShortForChecksum { .. } => 6,
            ParseError::BadChecksum { .. } => 7,
            ParseError::WrongSize { .. } => 8,
            ParseError::TooLong { .. } => 9,
        };
        seen[i] = true;
    }
    // WrongPrefix only comes from the typed decoders.
    let ch = encode(Prefix::Channel, &[3; 32]);
    let e = decode_as(Prefix::AccountPubkey, &ch).unwrap_err();
    assert_eq!(
        e,
        ParseError::WrongPrefix { expected: &[Prefix::AccountPubkey], found: Prefix::Channel }
    );
    assert_eq!(e.to_string(), "wrong prefix ch_, expected ak_");
    seen[2] = true;
    assert_eq!(seen, [true; 10]);
}

#[test]
fn length_bounds_are_those_of_the_largest_valid_string() {
    for &p in Prefix::ALL {
        let Some(max) = p.max_text_len() else {
            assert_eq!((p.encoding(), p.size()), (Encoding::Base64, None), "{p}");
            continue;
        };
        let size = p.size().unwrap_or(MAX_UNSIZED_BASE58_BODY);
        // The largest value of the size gives the longest text; the bound is exact for it.
        let longest = encode(p, &vec![0xff; size]);
        let text_len = longest.len() - 3;
        assert!(text_len <= max, "{longest}");
        if p.size().is_some() {
            assert!(text_len + 1 >= max, "{p}: bound {max} for {text_len} characters");
        }
        assert_eq!(decode(&longest).map(|(_, b)| b.len()), Ok(size));
        // All zero bytes: one '1' per byte, well inside the bound.
        assert_eq!(decode(&encode(p, &vec![0; size])).map(|(_, b)| b.len()), Ok(size));
    }
    assert_eq!(Prefix::AccountPubkey.max_text_len(), Some(50));
    assert_eq!(Prefix::Signature.max_text_len(), Some(93));
    assert_eq!(Prefix::State.max_text_len(), Some(48));
    assert_eq!(Prefix::Transaction.max_text_len(), None);
    // One character over the bound is refused whatever it holds.
    let nm = format!("nm_{}", "1".repeat(Prefix::Name.max_text_len().unwrap() + 1));
    assert!(matches!(decode(&nm), Err(ParseError::TooLong { prefix: Prefix::Name, .. })));
}

#[test]
fn a_megabyte_base58_string_is_refused_before_decoding() {
    // Decoding this much base58 would take minutes; the length check answers at once.
    let huge = format!("ak_{}", "z".repeat(1 << 20));
    let e = decode(&huge).unwrap_err();
    assert_eq!(e, ParseError::TooLong { prefix: Prefix::AccountPubkey, max: 50, found: 1 << 20 });
    assert_eq!(e.to_string(), "ak_ body of 1048576 characters is too long, at most 50 allowed");
    assert_eq!(decode_as(Prefix::AccountPubkey, &huge), Err(e.clone()));
    assert_eq!(decode_to_array::<32>(Prefix::AccountPubkey, &huge), Err(e));
    let sg = format!("sg_{}", "2".repeat(10 << 20));
    assert!(matches!(decode(&sg), Err(ParseError::TooLong { prefix: Prefix::Signature, .. })));
}

#[test]
fn typed_decoders() {
    let ids = &[Prefix::AccountPubkey, Prefix::Channel];
    let ak = encode(Prefix::AccountPubkey, &[5; 32]);
    assert_eq!(decode_one_of(ids, &ak), Ok((Prefix::AccountPubkey, vec![5; 32])));
    let e = decode_one_of(ids, "tx_+IgL").unwrap_err();
    assert_eq!(e, ParseError::WrongPrefix { expected: ids, found: Prefix::Transaction });
    assert_eq!(e.to_string(), "wrong prefix tx_, expected ak_ or ch_");
    // The prefix is checked before the body.
    assert_eq!(
        decode_as(Prefix::Channel, "ak_0"),
        Err(ParseError::WrongPrefix { expected: &[Prefix::Channel], found: Prefix::AccountPubkey })
    );
    // Variable-size prefixes get their size from the caller.
    let ba = encode(Prefix::Bytearray, &[9; 31]);
    assert_eq!(
        decode_to_array::<32>(Prefix::Bytearray, &ba),
        Err(ParseError::WrongSize { prefix: Prefix::Bytearray, expected: 32, found: 31 })
    );
    assert_eq!(decode_to_array::<31>(Prefix::Bytearray, &ba), Ok([9; 31]));
    assert_eq!(split_prefix("nope"), Err(ParseError::MissingSeparator));
}

#[test]
fn recorded_strings_decode_and_re_encode() {
    let recorded = [
        "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==",
        "ba_x7IJi+Hk62ars861+fzItRDdtIeKsFKCbZ4sXQK4AiPy0Ta7",
        "ch_S8axer1izndZW5nt5Qi7e8gZsjDFi13S64RZkWSFzHYmUi3PJ",
        "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu",
        "th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur",
    ];
    for s in recorded {
        let (p, b) = decode(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(encode(p, &b), s);
    }
    // Recorded fsm ids that are not 32 bytes still decode as byte arrays.
    assert_eq!(decode_as(Prefix::Bytearray, "ba_0l8E77UMjdvRtTsx").map(|b| b.len()), Ok(8));
}

proptest! {
    #[test]
    fn arbitrary_bodies_round_trip(idx in 0..SPEC_TABLE.len(), b in proptest::collection::vec(any::<u8>(), 0..80)) {
        let p = Prefix::ALL[idx];
        let b = match p.size() { Some(n) => { let mut v = b; v.resize(n, 0x42); v }, None => b };
        let s = encode(p, &b);
        prop_assert_eq!(decode(&s), Ok((p, b)));
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,60}") {
        let _ = decode(&s);
    }

    #[test]
    fn single_character_changes_are_rejected(idx in 0..SPEC_TABLE.len(), b in proptest::collection::vec(any::<u8>(), 32..33), pos in 3usize..40, c in "[1-9A-Za-z+/]") {
        let p = Prefix::ALL[idx];
        let b = match p.size() { Some(n) => { let mut v = b; v.resize(n, 1); v }, None => b };
        let s = encode(p, &b);
        prop_assume!(pos < s.len() && s.is_char_boundary(pos));
        let mut t = s.clone();
        t.replace_range(pos..pos + 1, &c);
        prop_assume!(t != s);
        prop_assert!(decode(&t).is_err(), "{} accepted", t);
    }
}
