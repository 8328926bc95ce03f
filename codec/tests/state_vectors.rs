//! State vectors from the protocol digest and from recorded node traffic.

use aesc_codec::id::AccountId;
use aesc_codec::object::Object;
use aesc_codec::state::OffChainState;

const INITIATOR: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const RESPONDER: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";

fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

fn initial() -> OffChainState {
    OffChainState::initial(
        INITIATOR.parse().unwrap(),
        70_000_000_000_000u64.into(),
        RESPONDER.parse().unwrap(),
        40_000_000_000_000u64.into(),
        1u64.into(),
    )
    .unwrap()
}

#[test]
fn initial_state_accounts_and_hash_match_the_spec() {
    let state = initial();
    let i: AccountId = INITIATOR.parse().unwrap();
    let r: AccountId = RESPONDER.parse().unwrap();
    // [10, 1, 0, 69999999999999] and [10, 1, 0, 40000000000001]
    let mut expect_i = vec![0xca, 0x0a, 0x01, 0x00, 0x86];
    expect_i.extend_from_slice(&69_999_999_999_999u64.to_be_bytes()[2..]);
    let mut expect_r = vec![0xca, 0x0a, 0x01, 0x00, 0x86];
    expect_r.extend_from_slice(&40_000_000_000_001u64.to_be_bytes()[2..]);
    assert_eq!(state.account(&i).unwrap().to_rlp(), expect_i);
    assert_eq!(state.account(&r).unwrap().to_rlp(), expect_r);
    assert_eq!(
        hex(state.state_hash().as_bytes()),
        "64ff081cd36c4f1698a7f19a906cba3135e6f0c9ce9e03e479ba8c2e09f5b846"
    );
    println!("{}", state.state_hash());
}
