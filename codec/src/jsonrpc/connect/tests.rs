use super::*;

const AK_I: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const AK_R: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";

/// Recorded URLs (seeds, live, corpus reestablish and slogan cases).
const RECORDED: &[&str] = &[
    "channel_reserve=2&host=localhost&initiator_amount=70000000000000&initiator_id=ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C&keep_running=false&lock_period=10&port=13179&protocol=json-rpc&push_amount=1&responder_amount=40000000000000&responder_id=ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt&role=initiator",
    "channel_reserve=2&host=127.0.0.1&initiator_amount=70000000000000&initiator_id=ak_qJFvBznNakNngYCxQCFzsUdWLTot1HbctCGbop2XDFvphnGeu&keep_running=false&lock_period=10&minimum_depth=4&minimum_depth_strategy=plain&port=3342&protocol=json-rpc&push_amount=1&responder_amount=40000000000000&responder_id=ak_K56NVwc9cihWWPb24eoC4zp2rv1UjD1fztdPj1EeqM1FUqeDq&role=initiator",
    "existing_channel_id=ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP&existing_fsm_id=ba_5aWi%2FkLQgPTsMmQEmEh2x8H57c58Bu3UDaZCjE561r5fN2Av&port=13180&protocol=json-rpc&role=responder",
    "channel_reserve=2&initiator_amount=70000000000000&initiator_id=ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C&keep_running=false&lock_period=10&port=13179&protocol=json-rpc&push_amount=1&responder_amount=40000000000000&responder_id=ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt&role=responder&slogan=aehttp_sc_SUITE%3Asc_ws_leave_reestablish%2F3734",
];

#[test]
fn recorded_urls_round_trip_byte_for_byte() {
    for q in RECORDED {
        let p = ConnectParams::from_query(q).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(p.to_query(), *q);
    }
    let p =
        ConnectParams::from_query(&format!("ws://localhost:3014/channel?{}", RECORDED[2])).unwrap();
    assert!(matches!(p.session, Session::Existing { .. }));
    assert_eq!(p.role, Role::Responder);
    let p = ConnectParams::from_query(RECORDED[3]).unwrap();
    assert_eq!(p.slogan.as_deref(), Some("aehttp_sc_SUITE:sc_ws_leave_reestablish/3734"));
    assert_eq!(p.keep_running, Some(false));
}

#[test]
fn builder_encodes_base64_and_all_options() {
    let fsm: crate::id::FsmId =
        "ba_5aWi/kLQgPTsMmQEmEh2x8H57c58Bu3UDaZCjE561r5fN2Av".parse().unwrap();
    let ch = "ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP".parse().unwrap();
    let mut p = ConnectParams::existing(Role::Initiator, Some("a b".into()), 3014, ch, fsm);
    p.extra.push(("offchain_tx".into(), "tx_+a/b=".into()));
    p.timeouts.idle = Some(1000);
    p.reports.debug = Some(true);
    p.block_hash_delta = Some(BlockHashDelta { not_newer_than: 0, not_older_than: 10, pick: 0 });
    p.fee = Some(Uint::from(123456789876543u64));
    p.minimum_depth_strategy = Some(MinDepthStrategy::Txfee);
    let q = p.to_query();
    assert!(q.contains("existing_fsm_id=ba_5aWi%2FkLQ"), "{q}");
    assert!(q.contains("offchain_tx=tx_%2Ba%2Fb%3D"));
    assert!(q.contains("host=a%20b"));
    assert!(!q.contains('+'));
    assert_eq!(ConnectParams::from_query(&q).unwrap(), p);
    assert!(p
        .to_url("ws://127.0.0.1:3014/channel")
        .starts_with("ws://127.0.0.1:3014/channel?bh_delta"));
    let open = OpenParams {
        initiator_id: InitiatorId::Any,
        responder_id: AK_R.parse().unwrap(),
        initiator_amount: Uint::from(1u64),
        responder_amount: Uint::from(2u64),
        push_amount: Uint::zero(),
        channel_reserve: Uint::zero(),
        lock_period: 3,
    };
    let p = ConnectParams::open(Role::Responder, None, 1, open);
    assert!(p.to_query().contains("initiator_id=any"));
    assert_eq!(ConnectParams::from_query(&p.to_query()).unwrap(), p);
}

#[test]
fn plus_decodes_as_space() {
    let q = RECORDED[2].replace("%2F", "+");
    assert_eq!(ConnectParams::from_query(&q), Err(ConnectError::InvalidFsmId));
}

#[test]
fn errors_name_the_field_and_map_to_the_node() {
    let base = RECORDED[0];
    let without = |name: &str| {
        base.split('&')
            .filter(|kv| !kv.starts_with(&format!("{name}=")))
            .collect::<Vec<_>>()
            .join("&")
    };
    let with = |name: &str, value: &str| {
        base.split('&')
            .map(|kv| {
                if kv.starts_with(&format!("{name}=")) {
                    format!("{name}={value}")
                } else {
                    kv.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    let err = |q: &str| ConnectParams::from_query(q).unwrap_err();
    for name in [
        "protocol",
        "role",
        "port",
        "host",
        "initiator_id",
        "responder_id",
        "initiator_amount",
        "lock_period",
    ] {
        let e = err(&without(name));
        assert!(matches!(e, ConnectError::Missing { name: n } if n == name), "{name}: {e:?}");
        assert!(e.to_error_object().is_none());
    }
    for name in
        ["initiator_amount", "responder_amount", "push_amount", "channel_reserve", "lock_period"]
    {
        let e = err(&with(name, "-1"));
        assert_eq!(
            e,
            ConnectError::ValueTooLow {
                name: match name {
                    "initiator_amount" => "initiator_amount",
                    "responder_amount" => "responder_amount",
                    "push_amount" => "push_amount",
                    "channel_reserve" => "channel_reserve",
                    _ => "lock_period",
                }
            }
        );
        assert_eq!(
            e.to_error_object().unwrap().data_codes().collect::<Vec<_>>(),
            [DataCode::ValueTooLow]
        );
    }
    assert!(matches!(err(&with("role", "observer")), ConnectError::Invalid { name: "role", .. }));
    assert!(matches!(err(&with("port", "70000")), ConnectError::Invalid { name: "port", .. }));
    assert!(matches!(
        err(&with("initiator_id", "ABCDEF")),
        ConnectError::Invalid { name: "initiator_id", .. }
    ));
    assert!(matches!(
        err(&with("keep_running", "yes")),
        ConnectError::Invalid { name: "keep_running", .. }
    ));
    assert!(matches!(
        err(&with("protocol", "bert")),
        ConnectError::Invalid { name: "protocol", .. }
    ));
    assert!(matches!(
        err(&format!("{base}&minimum_depth_strategy=x")),
        ConnectError::Invalid { .. }
    ));
    assert!(matches!(
        err(&format!("{base}&bh_delta_pick=1")),
        ConnectError::Missing { name: "bh_delta_not_newer_than" }
    ));
    assert!(matches!(err(&format!("{base}&port=1")), ConnectError::Duplicate { .. }));
    assert!(matches!(err(&format!("{base}&slogan=%G1")), ConnectError::BadEncoding { .. }));
    assert!(matches!(err(&format!("{base}&slogan=%FF")), ConnectError::BadEncoding { .. }));
    assert!(matches!(err(&format!("{base}&slogan=%")), ConnectError::BadEncoding { .. }));

    let reest = "existing_channel_id=ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP&port=13180&protocol=json-rpc&role=responder";
    let e = err(reest);
    assert_eq!(e, ConnectError::MissingFsmId);
    assert_eq!(e.to_string(), "Missing field: existing_fsm_id");
    assert_eq!(
        e.to_error_object().unwrap().data_codes().collect::<Vec<_>>(),
        [DataCode::MissingFsmId]
    );
    for bad in ["Invalid", "ba_WOenMHaoJdYNkWpK"] {
        let e = err(&format!("{reest}&existing_fsm_id={bad}"));
        assert_eq!(
            e.to_error_object().unwrap().data_codes().collect::<Vec<_>>(),
            [DataCode::InvalidFsmId]
        );
    }
    let _ = AK_I;
}

#[test]
fn never_panics_on_garbage() {
    for q in [
        "",
        "?",
        "&&&",
        "=",
        "a",
        "%",
        "%%%",
        "role=%C3%28",
        "protocol=json-rpc&role=initiator&port=1&host=%",
    ] {
        assert!(ConnectParams::from_query(q).is_err(), "{q}");
    }
}
