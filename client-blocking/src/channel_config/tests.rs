//! The configuration: URLs, parameters, terms and errors.

use super::*;
use crate::params::MinDepthStrategy;

#[test]
fn a_url_without_a_path_gets_the_channel_endpoint() {
    for (given, used) in [
        ("ws://127.0.0.1:3014", "ws://127.0.0.1:3014/channel"),
        ("ws://127.0.0.1:3014/", "ws://127.0.0.1:3014/channel"),
        ("ws://127.0.0.1:3014/channel", "ws://127.0.0.1:3014/channel"),
        ("wss://node.example/ws", "wss://node.example/ws"),
        ("nonsense", "nonsense"),
    ] {
        assert_eq!(with_channel_path(given.to_owned()), used);
    }
}

#[test]
fn an_fsm_id_can_be_given_as_text_or_left_out() {
    let ch = ChannelId([1; 32]);
    let cfg = ChannelConfig::builder("ws://n:1", Role::Responder, NetworkId::new("x"), key(1))
        .peer(key(2).public_key())
        .port(3)
        .build()
        .unwrap();
    let url = cfg.existing_url_with_fsm_text(&ch, None);
    assert!(url.starts_with("ws://n:1/channel?existing_channel_id=ch_"), "{url}");
    assert!(!url.contains("existing_fsm_id"), "{url}");
    let url = cfg.existing_url_with_fsm_text(&ch, Some("ba_a+b"));
    assert!(url.contains("&existing_fsm_id=ba_a%2Bb&"), "{url}");
}

fn key(b: u8) -> SecretKey {
    SecretKey::from_seed(&[b; 32])
}

fn initiator() -> ChannelConfigBuilder {
    ChannelConfig::builder(
        "ws://127.0.0.1:3014/channel",
        Role::Initiator,
        NetworkId::new("ae_dev"),
        key(1),
    )
    .peer(key(2).public_key())
    .host("localhost")
    .port(3333)
}

#[test]
fn open_url_carries_every_term_and_role_specifics() {
    let cfg = initiator()
        .initiator_amount(100u64)
        .responder_amount(50u64)
        .push_amount(1u64)
        .channel_reserve(2u64)
        .lock_period(10)
        .param("minimum_depth", "1")
        .param("minimum_depth_strategy", "plain")
        .param("some_future_param", "a+b")
        .build()
        .unwrap();
    assert_eq!(cfg.connect_params().minimum_depth, Some(1));
    assert_eq!(cfg.connect_params().minimum_depth_strategy, Some(MinDepthStrategy::Plain));
    let url = cfg.open_url().unwrap();
    for part in [
        "host=localhost",
        "port=3333",
        "role=initiator",
        "initiator_amount=100",
        "responder_amount=50",
        "push_amount=1",
        "channel_reserve=2",
        "lock_period=10",
        "minimum_depth=1",
        "minimum_depth_strategy=plain",
        "some_future_param=a%2Bb",
        "protocol=json-rpc",
    ] {
        assert!(url.contains(part), "{part} missing in {url}");
    }
    assert!(url.contains(&format!("initiator_id={}", key(1).public_key())));
    assert!(url.contains(&format!("responder_id={}", key(2).public_key())));
    assert!(!url.contains("existing"));
}

#[test]
fn existing_url_reuses_the_options() {
    let cfg = initiator()
        .params(|p| p.timeouts.idle = Some(60_000))
        .param("keep_running", "false")
        .build()
        .unwrap();
    let ch = ChannelId([3; 32]);
    let fsm = FsmId([0xfb; 32]);
    let url = cfg.existing_url(&ch, &fsm);
    assert!(url.contains(&format!("existing_channel_id={ch}")));
    assert!(url.contains("existing_fsm_id=ba_%2B"), "{url}");
    assert!(url.contains("timeout_idle=60000"));
    assert!(url.contains("keep_running=false"));
    assert!(url.contains("host=localhost") && url.contains("role=initiator"));
    assert!(!url.contains("initiator_amount"));
}

#[test]
fn create_fee_and_nonce_parameters_become_terms() {
    let cfg = initiator()
        .initiator_amount(1u64)
        .responder_amount(1u64)
        .channel_reserve(0u64)
        .lock_period(1)
        .param("fee", "20000000000000")
        .param("nonce", "7")
        .build()
        .unwrap();
    let t = cfg.terms().unwrap();
    assert_eq!(t.fee, Some(20_000_000_000_000u64.into()));
    assert_eq!(t.nonce, Some(7));
}

#[test]
fn missing_and_contradicting_fields_are_named() {
    let b = || ChannelConfig::builder("ws://x/channel", Role::Initiator, "ae_dev".into(), key(1));
    assert_eq!(b().port(1).build().err(), Some(ConfigError::Missing("peer account")));
    assert_eq!(
        b().peer(key(2).public_key()).port(1).build().err(),
        Some(ConfigError::Missing("host"))
    );
    assert_eq!(
        b().peer(key(2).public_key()).port(1).host("h").initiator_amount(1u64).build().err(),
        Some(ConfigError::Missing("responder_amount"))
    );
    assert_eq!(
        b().peer(key(1).public_key()).port(1).host("h").build().err(),
        Some(ConfigError::SameParticipants)
    );
    assert_eq!(
        b().peer(key(2).public_key()).port(1).host("h").param("role", "responder").build().err(),
        Some(ConfigError::Invalid("role"))
    );
    // A typed parameter whose value does not parse is named, not passed through.
    let ok = || b().peer(key(2).public_key()).port(1).host("h");
    assert_eq!(
        ok().param("minimum_depth", "abc").build().err(),
        Some(ConfigError::Invalid("minimum_depth"))
    );
    assert_eq!(
        ok().param("timeout_idle", "-5").build().err(),
        Some(ConfigError::Invalid("timeout_idle"))
    );
    // One of the block-hash delta group alone is passed through for the node to judge.
    let cfg = ok().param("bh_delta_pick", "2").build().unwrap();
    assert!(cfg.connect_params().extra.iter().any(|(k, v)| k == "bh_delta_pick" && v == "2"));
}
