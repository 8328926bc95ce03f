//! Strict RLP: every rejection with its exact position, canonical encoder vectors, and
//! encode → decode round trips.

use proptest::prelude::*;

use super::*;
use crate::id::{Id, IdTag};
use crate::object::{self, Object};

/// An owned RLP tree, for building inputs and comparing results.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tree {
    Bytes(Vec<u8>),
    List(Vec<Tree>),
}

impl Tree {
    fn encode_into(&self, enc: &mut Encoder) {
        match self {
            Tree::Bytes(b) => {
                enc.bytes(b);
            }
            Tree::List(items) => {
                enc.list(|l| items.iter().for_each(|t| t.encode_into(l)));
            }
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut enc = Encoder::new();
        self.encode_into(&mut enc);
        enc.finish()
    }

    fn of(item: &Item<'_>) -> Tree {
        match &item.kind {
            ItemKind::Bytes(b) => Tree::Bytes(b.to_vec()),
            ItemKind::List(items) => Tree::List(items.iter().map(Tree::of).collect()),
        }
    }
}

fn err(position: usize, kind: DecodeErrorKind) -> DecodeError {
    DecodeError { position, kind }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

use DecodeErrorKind as K;

/// Inputs `decode_exact` must reject, with the exact error.
fn malformed() -> Vec<(&'static str, Vec<u8>, DecodeError)> {
    let s55 = vec![b'x'; 55];
    let s56 = vec![b'x'; 56];
    vec![
        ("empty input", vec![], err(0, K::InputTooShort { needed: 1, available: 0 })),
        (
            "truncated string",
            vec![0x83, b'd', b'o'],
            err(0, K::InputTooShort { needed: 4, available: 3 }),
        ),
        (
            "truncated list",
            vec![0xc3, 0x01, 0x02],
            err(0, K::InputTooShort { needed: 4, available: 3 }),
        ),
        (
            "child overruns its list",
            vec![0xc2, 0x83, b'a', b'b', b'c'],
            err(1, K::InputTooShort { needed: 4, available: 2 }),
        ),
        ("truncated long length", vec![0xb8], err(0, K::InputTooShort { needed: 2, available: 1 })),
        (
            "truncated long length of length 2",
            vec![0xf9, 0x01],
            err(0, K::InputTooShort { needed: 3, available: 2 }),
        ),
        (
            "truncated long payload",
            cat(&[&[0xb8, 56], &s55]),
            err(0, K::InputTooShort { needed: 58, available: 57 }),
        ),
        ("trailing byte", vec![0x01, 0x02], err(1, K::TrailingBytes { count: 1 })),
        ("trailing items", vec![0xc0, 0xc0, 0xc0], err(1, K::TrailingBytes { count: 2 })),
        ("trailing after string", vec![0x82, 1, 2, 0], err(3, K::TrailingBytes { count: 1 })),
        ("81 05", vec![0x81, 0x05], err(0, K::NonCanonicalSingleByte)),
        ("81 00", vec![0x81, 0x00], err(0, K::NonCanonicalSingleByte)),
        ("81 7f in a list", vec![0xc3, 0x01, 0x81, 0x7f], err(2, K::NonCanonicalSingleByte)),
        ("long form for 55 bytes", cat(&[&[0xb8, 55], &s55]), err(0, K::NonCanonicalLength)),
        ("long form for 1 byte", vec![0xb8, 0x01, 0x80], err(0, K::NonCanonicalLength)),
        ("long form for an empty list", vec![0xf8, 0x00], err(0, K::LeadingZeroInLength)),
        ("long form for a short list", vec![0xf8, 0x01, 0x01], err(0, K::NonCanonicalLength)),
        ("long form in a list", vec![0xc4, 0x01, 0xb8, 0x01, 0xff], err(2, K::NonCanonicalLength)),
        ("leading zero in length", cat(&[&[0xb9, 0x00, 56], &s56]), err(0, K::LeadingZeroInLength)),
        (
            "leading zero in list length",
            cat(&[&[0xf9, 0x00, 56], &s56]),
            err(0, K::LeadingZeroInLength),
        ),
        (
            "length past the address space",
            vec![0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            err(0, K::LengthOverflow),
        ),
        (
            "huge list length",
            vec![0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            err(0, K::InputTooShort { needed: 0x7fff_ffff_ffff_ffff + 9, available: 9 }),
        ),
    ]
}

#[test]
fn malformed_inputs_are_rejected_at_their_position() {
    for (what, input, expected) in malformed() {
        assert_eq!(decode_exact(&input), Err(expected), "{what}: {input:02x?}");
        assert!(!expected.to_string().is_empty());
    }
}

/// `n` lists nested in each other, and the offset of the innermost one.
fn nested(n: usize) -> (Vec<u8>, usize) {
    let mut tree = Tree::List(vec![]);
    for _ in 1..n {
        tree = Tree::List(vec![tree]);
    }
    let bytes = tree.encode();
    // Header sizes, from the innermost list outwards: one byte while the payload is at most
    // 55 bytes, then one plus the bytes of the length.
    let header = |payload: usize| match payload {
        0..=55 => 1,
        56..=255 => 2,
        _ => 3,
    };
    let mut size = 1;
    let mut innermost = 0;
    for _ in 1..n {
        innermost += header(size);
        size += header(size);
    }
    assert_eq!(bytes.get(innermost), Some(&0xc0));
    (bytes, innermost)
}

#[test]
fn nesting_limit() {
    let (ok, _) = nested(MAX_DEPTH);
    assert!(decode_exact(&ok).is_ok());
    let (deep, innermost) = nested(MAX_DEPTH + 1);
    assert_eq!(decode_exact(&deep), Err(err(innermost, K::TooDeep { limit: MAX_DEPTH })));
    // Hostile depth fails the same way instead of exhausting the stack.
    let (hostile, _) = nested(1000);
    let e = decode_exact(&hostile).unwrap_err();
    assert_eq!(e.kind, K::TooDeep { limit: MAX_DEPTH });
}

#[test]
fn accessor_errors_carry_the_item_offset() {
    // [<<>>, [], <<0,1>>, <<1:72>>, <<2>>, <<"abc">>]
    let bytes = [
        0xd4, 0x80, 0xc0, 0x82, 0x00, 0x01, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x83, b'a',
        b'b', b'c',
    ];
    let top = decode_exact(&bytes).unwrap();
    let items = top.as_list().unwrap();
    assert_eq!(items.iter().map(|i| i.offset).collect::<Vec<_>>(), [1, 2, 3, 6, 16, 17]);
    assert_eq!(items[5].raw, &bytes[17..]);
    assert_eq!(top.as_bytes(), Err(err(0, K::UnexpectedList)));
    assert_eq!(items[1].as_bytes(), Err(err(2, K::UnexpectedList)));
    assert_eq!(items[1].as_uint_bytes(), Err(err(2, K::UnexpectedList)));
    assert_eq!(items[0].as_list().map(<[_]>::len), Err(err(1, K::UnexpectedBytes)));
    assert_eq!(items[0].as_fixed_list::<0>().map(|_| ()), Err(err(1, K::UnexpectedBytes)));
    // Integers: empty and leading zero are not canonical.
    assert_eq!(items[0].as_uint_bytes(), Err(err(1, K::NonCanonicalInteger)));
    assert_eq!(items[2].as_u64(), Err(err(3, K::NonCanonicalInteger)));
    assert_eq!(items[3].as_u64(), Err(err(6, K::IntegerTooLarge { max_bytes: 8, found: 9 })));
    assert_eq!(items[3].as_uint_bytes().map(<[u8]>::len), Ok(9));
    assert_eq!(items[4].as_u64(), Ok(2));
    // Fixed sizes.
    assert_eq!(items[5].as_array::<3>(), Ok(*b"abc"));
    assert_eq!(items[5].as_array::<32>(), Err(err(17, K::WrongLength { expected: 32, found: 3 })));
    assert_eq!(items[1].as_array::<0>(), Err(err(2, K::UnexpectedList)));
    assert_eq!(top.as_fixed_list::<6>().map(|l| l.len()), Ok(6));
    assert_eq!(
        top.as_fixed_list::<5>().map(|_| ()),
        Err(err(0, K::ListLength { expected: 5, found: 6 }))
    );
    // Booleans are exactly <<0>> or <<1>>.
    assert_eq!(items[4].as_bool(), Err(err(16, K::InvalidBool)));
    assert_eq!(items[0].as_bool(), Err(err(1, K::InvalidBool)));
    assert_eq!(items[1].as_bool(), Err(err(2, K::UnexpectedList)));
    assert_eq!(decode_exact(&[0x00]).unwrap().as_bool(), Ok(false));
    assert_eq!(decode_exact(&[0x01]).unwrap().as_bool(), Ok(true));
}

#[test]
fn integer_edges() {
    let zero = decode_exact(&[0x00]).unwrap();
    assert_eq!(zero.as_u64(), Ok(0));
    let max = decode_exact(&[0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap();
    assert_eq!(max.as_u64(), Ok(u64::MAX));
    let big = decode_exact(&[0x81, 0x80]).unwrap();
    assert_eq!(big.as_u64(), Ok(0x80));
    assert_eq!(crate::Uint::decode_rlp(&big).map(|u| u.to_u64()), Ok(Some(0x80)));
}

#[test]
fn id_field_errors() {
    let mut raw = [7u8; 33];
    raw[0] = 1;
    let account = Tree::Bytes(raw.to_vec()).encode();
    let item = decode_exact(&account).unwrap();
    let id = Id::decode_rlp(&item).unwrap();
    assert_eq!((id.tag, id.value), (IdTag::Account, [7; 32]));
    let mut enc = Encoder::new();
    id.encode_rlp(&mut enc);
    assert_eq!(enc.finish(), account);
    assert_eq!(Id::decode_rlp_tagged(&item, IdTag::Account), Ok([7; 32]));
    // Inside a list so the offset is not zero.
    let list = Tree::List(vec![Tree::Bytes(vec![]), Tree::Bytes(raw.to_vec())]).encode();
    let top = decode_exact(&list).unwrap();
    let item = &top.as_list().unwrap()[1];
    assert_eq!(item.offset, 2);
    assert_eq!(
        Id::decode_rlp_tagged(item, IdTag::Channel),
        Err(err(2, K::UnexpectedIdTag { expected: 6, found: 1 }))
    );
    for tag in [0u8, 7, 0xff] {
        raw[0] = tag;
        let bad = Tree::List(vec![Tree::Bytes(vec![]), Tree::Bytes(raw.to_vec())]).encode();
        let top = decode_exact(&bad).unwrap();
        assert_eq!(
            Id::decode_rlp(&top.as_list().unwrap()[1]),
            Err(err(2, K::InvalidIdTag { tag }))
        );
    }
    let short = Tree::List(vec![Tree::Bytes(vec![]), Tree::Bytes(vec![1; 32])]).encode();
    let top = decode_exact(&short).unwrap();
    assert_eq!(
        Id::decode_rlp(&top.as_list().unwrap()[1]),
        Err(err(2, K::WrongLength { expected: 33, found: 32 }))
    );
    assert_eq!(Id::decode_rlp(&top), Err(err(0, K::UnexpectedList)));
}

/// A two-field object for the envelope checks.
#[derive(Debug, PartialEq)]
struct Pair(u64, bool);

impl Object for Pair {
    const TAG: u32 = 200;

    fn version(&self) -> u32 {
        1
    }

    fn encode_fields(&self, enc: &mut Encoder) {
        enc.uint_u64(self.0).bool(self.1);
    }

    fn decode_fields(version: u32, fields: &[Item<'_>], at: usize) -> Result<Self, DecodeError> {
        if version != 1 {
            return Err(object::unsupported(Self::TAG, version, at));
        }
        let [a, b] = object::fields::<2>(fields, at)?;
        Ok(Pair(a.as_u64()?, b.as_bool()?))
    }
}

#[test]
fn object_envelope_errors() {
    let pair = Pair(1024, true);
    let bytes = pair.to_rlp();
    assert_eq!(bytes, [0xc7, 0x81, 200, 0x01, 0x82, 0x04, 0x00, 0x01]);
    assert_eq!(Pair::from_rlp(&bytes), Ok(Pair(1024, true)));
    assert_eq!(object::peek_tag(&bytes), Ok((200, 1)));
    let with = |tag: u64, vsn: u64, fields: &[Tree]| {
        let mut enc = Encoder::new();
        enc.list(|l| {
            l.uint_u64(tag).uint_u64(vsn);
            fields.iter().for_each(|f| f.encode_into(l));
        });
        enc.finish()
    };
    let one = Tree::Bytes(vec![1]);
    assert_eq!(
        Pair::from_rlp(&with(201, 1, &[one.clone(), one.clone()])),
        Err(err(0, K::UnexpectedTag { expected: 200, found: 201 }))
    );
    assert_eq!(
        Pair::from_rlp(&with(200, 2, &[one.clone(), one.clone()])),
        Err(err(0, K::UnsupportedVersion { tag: 200, version: 2 }))
    );
    assert_eq!(
        Pair::from_rlp(&with(200, 1, std::slice::from_ref(&one))),
        Err(err(0, K::ListLength { expected: 4, found: 3 }))
    );
    assert_eq!(
        Pair::from_rlp(&with(200, 1, &[one.clone(), Tree::Bytes(vec![2])])),
        Err(err(5, K::InvalidBool))
    );
    assert_eq!(Pair::from_rlp(&[0xc0]), Err(err(0, K::ListLength { expected: 2, found: 0 })));
    assert_eq!(Pair::from_rlp(&[0xc1, 0x01]), Err(err(0, K::ListLength { expected: 2, found: 1 })));
    assert_eq!(Pair::from_rlp(&[0x80]), Err(err(0, K::UnexpectedBytes)));
    assert_eq!(Pair::from_rlp(&[0xc3, 0x81, 200, 0x80]), Err(err(3, K::NonCanonicalInteger)));
    assert!(matches!(
        object::peek_tag(&with(1 << 32, 1, &[])),
        Err(DecodeError { position: 1, kind: K::IntegerTooLarge { max_bytes: 4, .. } })
    ));
}

#[test]
fn canonical_encoder_vectors() {
    let lorem = b"Lorem ipsum dolor sit amet, consectetur adipisicing elit";
    assert_eq!(lorem.len(), 56);
    let cases: Vec<(Tree, Vec<u8>)> = vec![
        (Tree::Bytes(b"dog".to_vec()), vec![0x83, b'd', b'o', b'g']),
        (
            Tree::List(vec![Tree::Bytes(b"cat".to_vec()), Tree::Bytes(b"dog".to_vec())]),
            cat(&[&[0xc8, 0x83], b"cat", &[0x83], b"dog"]),
        ),
        (Tree::Bytes(vec![]), vec![0x80]),
        (Tree::List(vec![]), vec![0xc0]),
        (Tree::Bytes(vec![0x00]), vec![0x00]),
        (Tree::Bytes(vec![0x0f]), vec![0x0f]),
        (Tree::Bytes(vec![0x7f]), vec![0x7f]),
        (Tree::Bytes(vec![0x80]), vec![0x81, 0x80]),
        (Tree::Bytes(vec![0x04, 0x00]), vec![0x82, 0x04, 0x00]),
        (
            // The set-theoretical representation of three.
            Tree::List(vec![
                Tree::List(vec![]),
                Tree::List(vec![Tree::List(vec![])]),
                Tree::List(vec![Tree::List(vec![]), Tree::List(vec![Tree::List(vec![])])]),
            ]),
            vec![0xc7, 0xc0, 0xc1, 0xc0, 0xc3, 0xc0, 0xc1, 0xc0],
        ),
        (Tree::Bytes(lorem.to_vec()), cat(&[&[0xb8, 0x38], lorem])),
        (Tree::Bytes(vec![b'y'; 55]), cat(&[&[0xb7], &[b'y'; 55]])),
        (Tree::Bytes(vec![b'z'; 256]), cat(&[&[0xb9, 0x01, 0x00], &[b'z'; 256]])),
        (
            Tree::List(vec![Tree::Bytes(b"cat".to_vec()), Tree::Bytes(lorem.to_vec())]),
            cat(&[&[0xf8, 0x3e, 0x83], b"cat", &[0xb8, 0x38], lorem]),
        ),
        (Tree::List(vec![Tree::Bytes(vec![1]); 55]), cat(&[&[0xf7], &[1; 55]])),
        (Tree::List(vec![Tree::Bytes(vec![1]); 56]), cat(&[&[0xf8, 56], &[1; 56]])),
    ];
    for (tree, bytes) in cases {
        assert_eq!(tree.encode(), bytes, "{tree:?}");
        let item = decode_exact(&bytes).unwrap();
        assert_eq!(Tree::of(&item), tree);
        assert_eq!(item.raw, &bytes[..]);
    }
}

#[test]
fn integer_encoder_vectors() {
    let cases: [(u64, &[u8]); 7] = [
        (0, &[0x00]),
        (1, &[0x01]),
        (0x7f, &[0x7f]),
        (0x80, &[0x81, 0x80]),
        (1024, &[0x82, 0x04, 0x00]),
        (70_000_000_000_000, &[0x86, 0x3f, 0xaa, 0x25, 0x22, 0x60, 0x00]),
        (u64::MAX, &[0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ];
    for (v, bytes) in cases {
        let mut enc = Encoder::new();
        enc.uint_u64(v);
        assert_eq!(enc.finish(), bytes, "{v}");
        assert_eq!(decode_exact(bytes).unwrap().as_u64(), Ok(v));
    }
    let mut enc = Encoder::new();
    enc.uint_bytes(&[0, 0, 5]).uint_bytes(&[]).uint_bytes(&[0, 0]).bool(true).bool(false);
    enc.raw(&[0xc0]);
    assert_eq!(enc.finish(), [0x05, 0x00, 0x00, 0x01, 0x00, 0xc0]);
}

#[test]
fn recorded_create_tx_parses() {
    // The unsigned create tx of the protocol digest (§9), RLP of the SignedTx.
    let s = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";
    let bytes = crate::encoding::decode_as(crate::encoding::Prefix::Transaction, s).unwrap();
    let top = decode_exact(&bytes).unwrap();
    let [tag, vsn, sigs, inner] = top.as_fixed_list::<4>().unwrap();
    assert_eq!((tag.as_u64(), vsn.as_u64()), (Ok(11), Ok(1)));
    assert_eq!(sigs.as_list().map(<[_]>::len), Ok(0));
    let inner_bytes = inner.as_bytes().unwrap();
    let create = decode_exact(inner_bytes).unwrap();
    let fields = create.as_fixed_list::<13>().unwrap();
    assert_eq!(fields[0].as_u64(), Ok(50));
    assert_eq!(Id::decode_rlp_tagged(&fields[2], IdTag::Account).map(|v| v[0]), Ok(0x64));
    assert_eq!(fields[3].as_u64(), Ok(70_000_000_000_000));
    assert_eq!(fields[8].raw, [0x00], "ttl 0 is the byte 0x00");
    assert_eq!(fields[12].as_u64(), Ok(3));
    assert_eq!(Tree::of(&top).encode(), bytes);
    // Offsets inside the inner tx are relative to the inner bytes.
    assert_eq!(fields[2].offset, 4);
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..3).prop_map(Tree::Bytes),
        proptest::collection::vec(any::<u8>(), 50..70).prop_map(Tree::Bytes),
    ];
    leaf.prop_recursive(6, 200, 12, |inner| {
        proptest::collection::vec(inner, 0..12).prop_map(Tree::List)
    })
}

fn check_offsets(item: &Item<'_>, whole: &[u8]) {
    assert_eq!(&whole[item.offset..item.offset + item.raw.len()], item.raw);
    if let ItemKind::List(items) = &item.kind {
        items.iter().for_each(|i| check_offsets(i, whole));
    }
}

proptest! {
    #[test]
    fn encode_decode_round_trip(t in tree()) {
        let bytes = t.encode();
        let item = decode_exact(&bytes).unwrap();
        prop_assert_eq!(Tree::of(&item), t);
        prop_assert_eq!(item.raw, &bytes[..]);
        check_offsets(&item, &bytes);
    }

    #[test]
    fn accepted_input_is_the_canonical_encoding(input in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(item) = decode_exact(&input) {
            prop_assert_eq!(Tree::of(&item).encode(), input);
        }
    }

    #[test]
    fn mutated_encodings_are_rejected_or_canonical(t in tree(), at in any::<prop::sample::Index>(), b in any::<u8>()) {
        let mut bytes = t.encode();
        let i = at.index(bytes.len());
        bytes[i] = b;
        if let Ok(item) = decode_exact(&bytes) {
            prop_assert_eq!(Tree::of(&item).encode(), bytes);
        }
    }

    #[test]
    fn truncation_is_always_detected(t in tree(), cut in any::<prop::sample::Index>()) {
        let bytes = t.encode();
        let keep = cut.index(bytes.len());
        let err = decode_exact(&bytes[..keep]).unwrap_err();
        prop_assert!(matches!(err.kind, K::InputTooShort { .. }), "{:?}", err);
        prop_assert_eq!(err.position, 0);
    }

    #[test]
    fn uint_round_trip(v in any::<u64>()) {
        let mut enc = Encoder::new();
        enc.uint_u64(v);
        let bytes = enc.finish();
        prop_assert_eq!(decode_exact(&bytes).unwrap().as_u64(), Ok(v));
    }
}
