//! Criterion benchmarks of the codec on recorded vectors: decode, encode, sign, verify, state
//! hash and the whole sign-request path (decode, check, sign, encode).

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_codec::id::{AccountId, ChannelId};
use aesc_codec::object::Object;
use aesc_codec::state::OffChainState;
use aesc_codec::tx::{ChannelCloseSoloTx, Payload, SignedTx, Tx};
use aesc_codec::Uint;
use criterion::{criterion_group, criterion_main, Criterion};

/// A co-signed ChannelOffChainTx (v2) from the recorded session `seeds/001`.
const COSIGNED_OFFCHAIN: &str = "tx_+NILAfiEuECpv0vIQrLVfHcYgq7sHVcq+CDmHBPFIzKkpKbD1jQucC8GBt+bEnRXfpHby860c01F8Yr90jYgSdLIhkxZYGYEuEC3rzPNkRpXr+WVz70fnPYGjgtSPL4ViYxZexQYeoCzdJXOYuNQltY8zrH78du76JQ8UWV9nTjFAz2hyKm/M5oLuEj4RjkCoQaXzzkLfRDEIRE2SsH5H8MHPKJ0sCz4n+efrQPAAW4NLQKgqoD7Az6PPtelhWPXEhJQ9fy4cmtFdiSftOs/WKfhlMLcwEpr";

/// The co-signed ChannelCreateTx (v1) of the spec's verified vectors.
const COSIGNED_CREATE: &str = "tx_+QENCwH4hLhAFnxtn+yejpUApbsfNND+fIrAaUrAmZMTdxOTmGEwF4npoHvG5vmhJHRohpKDXf+nm1EDzKtNCarz57FdSoOuAbhAr0pHgif1xezYZbr3n/7F9jzWbUBTy6qbU2K1YiSU1Y+qnMUmcGbRYieWsNPbt3kONBG+OrvisSXsTHbUD7SoCLiD+IEyAaEBZK4OCGLe00s6e+4hWbkUhsL0iSh2Tb8TgIqJqYuVr4GGP6olImAAoQGQsy4wyp2ngByD9p0uw1DZWKZADIqFC92lFO6uDCpwoYYkYTnKgAACCgCGEAZ510gAwKBk/wgc02xPFpin8ZqQbLoxNebwyc6eA+R5uowuCfW4RgN3M95P";

const INITIATOR: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const RESPONDER: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";

fn close_solo_with_poi() -> (SignedTx, OffChainState) {
    let initiator: AccountId = INITIATOR.parse().expect("valid ak_");
    let responder: AccountId = RESPONDER.parse().expect("valid ak_");
    let state = OffChainState::initial(
        initiator,
        Uint::from(70_000_000_000_000u64),
        responder,
        Uint::from(40_000_000_000_000u64),
        Uint::from(1u64),
    )
    .expect("valid initial state");
    let poi = state.poi(&[initiator, responder]).expect("both accounts are in the state");
    let payload = SignedTx::from_api_str(COSIGNED_OFFCHAIN).expect("recorded vector decodes");
    let tx = ChannelCloseSoloTx {
        channel_id: ChannelId([7; 32]),
        from_id: initiator,
        payload: Payload::Tx(Box::new(payload)),
        poi: poi.to_rlp(),
        ttl: 0,
        fee: Uint::from(20_000_000_000_000u64),
        nonce: 4,
    };
    (SignedTx::unsigned(tx), state)
}

fn decode(c: &mut Criterion) {
    let (close_solo, _) = close_solo_with_poi();
    let close_solo = close_solo.to_api_string();
    let mut g = c.benchmark_group("decode");
    g.bench_function("cosigned_offchain_tx", |b| {
        b.iter(|| SignedTx::from_api_str(black_box(COSIGNED_OFFCHAIN)).expect("decodes"))
    });
    g.bench_function("cosigned_create_tx", |b| {
        b.iter(|| SignedTx::from_api_str(black_box(COSIGNED_CREATE)).expect("decodes"))
    });
    g.bench_function("close_solo_with_poi", |b| {
        b.iter(|| SignedTx::from_api_str(black_box(&close_solo)).expect("decodes"))
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let offchain = SignedTx::from_api_str(COSIGNED_OFFCHAIN).expect("decodes");
    let create = SignedTx::from_api_str(COSIGNED_CREATE).expect("decodes");
    let (close_solo, _) = close_solo_with_poi();
    let mut g = c.benchmark_group("encode");
    g.bench_function("cosigned_offchain_tx", |b| b.iter(|| black_box(&offchain).to_api_string()));
    g.bench_function("cosigned_create_tx", |b| b.iter(|| black_box(&create).to_api_string()));
    g.bench_function("close_solo_with_poi", |b| b.iter(|| black_box(&close_solo).to_api_string()));
    g.finish();
}

fn sign_and_verify(c: &mut Criterion) {
    let network = NetworkId::new("local_iris_testnet");
    let key = SecretKey::from_seed(&[42; 32]);
    let offchain = SignedTx::from_api_str(COSIGNED_OFFCHAIN).expect("decodes");
    let inner = offchain.inner_tx_bytes();
    let create = SignedTx::from_api_str(COSIGNED_CREATE).expect("decodes");
    let participants: [AccountId; 2] =
        [INITIATOR.parse().expect("valid"), RESPONDER.parse().expect("valid")];
    let mut g = c.benchmark_group("crypto");
    g.bench_function("ed25519_sign_offchain_tx_bytes", |b| {
        b.iter(|| key.sign_tx_bytes(&network, black_box(&inner), SignatureForm::Raw))
    });
    g.bench_function("verify_cosigned_create_tx", |b| {
        b.iter(|| black_box(&create).verify(&network, &participants))
    });
    g.finish();
}

fn state_hash(c: &mut Criterion) {
    let (close_solo, state) = close_solo_with_poi();
    let Tx::ChannelCloseSolo(tx) = &close_solo.tx else { unreachable!("built above") };
    let poi = aesc_codec::state::TreesPoi::from_rlp(&tx.poi).expect("decodes");
    let mut g = c.benchmark_group("state_hash");
    g.bench_function("offchain_state_two_accounts", |b| b.iter(|| black_box(&state).state_hash()));
    g.bench_function("poi_root_hash", |b| b.iter(|| black_box(&poi).root_hash()));
    g.finish();
}

/// The path of a `channels.sign.update` request: decode the `tx_` string, check channel id,
/// round and state hash against what was asked for, sign the canonical inner bytes, encode the
/// reply. Compared with the bare Ed25519 signature of the same bytes above.
fn sign_request_path(c: &mut Criterion) {
    let network = NetworkId::new("local_iris_testnet");
    let key = SecretKey::from_seed(&[42; 32]);
    let template = SignedTx::from_api_str(COSIGNED_OFFCHAIN).expect("decodes");
    let Tx::ChannelOffChain(expected) = &template.tx else { unreachable!("an off-chain tx") };
    let expected = expected.clone();
    let request = SignedTx::unsigned(template.tx.clone()).to_api_string();
    c.bench_function("sign_request/decode_check_sign_encode", |b| {
        b.iter(|| {
            let mut tx = SignedTx::from_api_str(black_box(&request)).expect("decodes");
            let Tx::ChannelOffChain(off) = &tx.tx else { panic!("not an off-chain tx") };
            assert!(
                off.channel_id == expected.channel_id
                    && off.round == expected.round
                    && off.state_hash == expected.state_hash
            );
            tx.sign(&key, &network, SignatureForm::Raw);
            tx.to_api_string()
        })
    });
}

criterion_group!(benches, decode, encode, sign_and_verify, state_hash, sign_request_path);
criterion_main!(benches);
