use serde_json::json;

use super::*;
use crate::jsonrpc::{DataCode, ErrorCode};

const CH: &str = "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu";

#[test]
fn result_frame_from_a_recording() {
    let text = r#"{"channel_id": null, "id": -576460752303423311, "jsonrpc": "2.0",
                   "result": "ok", "version": 1}"#;
    let Incoming::Response(r) = decode_incoming(text).unwrap() else { panic!("not a response") };
    assert_eq!(r.id.as_i64(), Some(-576460752303423311));
    assert_eq!(r.channel_id, None);
    assert_eq!(r.result(), Some(&json!("ok")));
    assert_eq!(r, Response::ok(Id::from(-576460752303423311i64), None));
    let again = decode_incoming(&r.to_frame()).unwrap();
    assert_eq!(again, Incoming::Response(r));
}

#[test]
fn connection_error_has_the_node_shape() {
    let r = Response::connection_error(ErrorObject::rejected(DataCode::MissingFsmId));
    assert_eq!(
        r.to_frame(),
        r#"{"channel_id":null,"error":{"code":3,"data":[{"code":2000,"message":"Missing field: existing_fsm_id"}],"message":"Rejected","request":{}},"id":null,"jsonrpc":"2.0","version":1}"#
    );
}

#[test]
fn error_for_echoes_the_request() {
    let req =
        decode_request(r#"{"jsonrpc":"2.0","method":"channels.deposit","params":{"amount":"2"}}"#)
            .unwrap();
    let r = Response::error_for(
        &req,
        Some(CH.parse().unwrap()),
        ErrorObject::rejected(DataCode::NotANumber),
    );
    let e = r.error_object().unwrap();
    assert_eq!(r.id, Id::Null);
    assert_eq!(e.request_method(), Some("channels.deposit"));
    assert_eq!(decode_incoming(&r.to_frame()).unwrap(), Incoming::Response(r));
}

#[test]
fn notification_round_trips() {
    let text = r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":null,
        "data":{"event":"fsm_up","fsm_id":"ba_x7IJi+Hk62ars861+fzItRDdtIeKsFKCbZ4sXQK4AiPy0Ta7"}},
        "version":1}"#;
    let Incoming::Notification(n) = decode_incoming(text).unwrap() else { panic!() };
    assert_eq!(n.method, "channels.info");
    assert_eq!(n.data["event"], "fsm_up");
    assert_eq!(decode_incoming(&n.to_frame()).unwrap(), Incoming::Notification(n));
}

#[test]
fn large_numbers_keep_full_precision() {
    let text = r#"{"channel_id":null,"id":1,"jsonrpc":"2.0","version":1,
        "result":[{"account":"ak_x","balance":123456789012345678901234567890123}]}"#;
    let Incoming::Response(r) = decode_incoming(text).unwrap() else { panic!() };
    assert!(r.to_frame().contains("123456789012345678901234567890123"));
}

#[test]
fn batch_of_responses() {
    let one = Response::ok(Id::from(1u64), None).to_value();
    let two = Response::error(Id::from(2u64), None, ErrorObject::new(ErrorCode::MethodNotFound));
    let text = serde_json::Value::Array(vec![one, two.to_value()]).to_string();
    let Incoming::Batch(rs) = decode_incoming(&text).unwrap() else { panic!() };
    assert_eq!(rs.len(), 2);
    assert_eq!(rs[1], two);
    assert_eq!(
        decode_incoming(&Incoming::Batch(rs.clone()).to_frame()).unwrap(),
        Incoming::Batch(rs)
    );
}

#[test]
fn requests_with_and_without_id() {
    let r = decode_request(r#"{"id":7,"jsonrpc":"2.0","method":"channels.leave","params":{}}"#)
        .unwrap();
    assert_eq!(r.id, Some(Id::from(7u64)));
    assert_eq!(r.params, Some(json!({})));
    assert_eq!(decode_request(&r.to_frame()).unwrap(), r);
    let r = decode_request(r#"{"jsonrpc":"2.0","method":"channels.leave"}"#).unwrap();
    assert_eq!((r.id, r.params), (None, None));
    let batch =
        decode_requests(r#"[{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b"}]"#)
            .unwrap();
    assert_eq!(batch.len(), 2);
    assert_eq!(decode_requests(r#"{"jsonrpc":"2.0","method":"a"}"#).unwrap().len(), 1);
}

/// Every [`FrameError`] variant, reached from text.
#[test]
fn every_frame_error_is_reachable() {
    use FrameError as E;
    type Check = fn(&FrameError) -> bool;
    let incoming: &[(&str, Check)] = &[
        ("{", |e| matches!(e, E::NotJson { line: 1, .. })),
        ("", |e| matches!(e, E::NotJson { .. })),
        ("\"x\"", |e| matches!(e, E::NotAnObject { found: JsonKind::String })),
        ("[]", |e| matches!(e, E::EmptyBatch)),
        ("[1]", |e| matches!(e, E::InBatch { index: 0, .. })),
        (r#"{"id":1,"result":1,"version":1,"channel_id":null}"#, |e| {
            matches!(e, E::MissingJsonrpc)
        }),
        (r#"{"jsonrpc":"1.0","id":1,"result":1}"#, |e| matches!(e, E::WrongJsonrpc { .. })),
        (r#"{"jsonrpc":"2.0","id":1,"result":1,"version":2,"channel_id":null}"#, |e| {
            matches!(e, E::UnsupportedVersion { .. })
        }),
        (r#"{"jsonrpc":"2.0","result":1,"version":1,"channel_id":null}"#, |e| {
            *e == E::MissingField { field: "id" }
        }),
        (r#"{"jsonrpc":"2.0","id":1,"result":1,"version":1}"#, |e| {
            *e == E::MissingField { field: "channel_id" }
        }),
        (r#"{"jsonrpc":"2.0","id":1,"result":1,"version":1,"channel_id":"ch_x"}"#, |e| {
            matches!(e, E::InvalidField { field: "channel_id", .. })
        }),
        (r#"{"jsonrpc":"2.0","id":true,"result":1,"version":1,"channel_id":null}"#, |e| {
            matches!(e, E::InvalidId { found: JsonKind::Bool })
        }),
        (
            r#"{"jsonrpc":"2.0","id":1,"result":1,"error":{"code":1,"message":""},"version":1,"channel_id":null}"#,
            |e| matches!(e, E::BothResultAndError),
        ),
        (r#"{"jsonrpc":"2.0","id":1,"version":1,"channel_id":null}"#, |e| {
            matches!(e, E::NeitherResultNorError)
        }),
        (r#"{"jsonrpc":"2.0","method":"m","result":1,"version":1}"#, |e| {
            matches!(e, E::MethodWithPayload)
        }),
        (r#"{"jsonrpc":"2.0","method":"m","version":1}"#, |e| {
            *e == E::MissingField { field: "params" }
        }),
        (r#"{"jsonrpc":"2.0","method":"m","params":{"channel_id":null},"version":1}"#, |e| {
            *e == E::MissingField { field: "params.data" }
        }),
        (r#"{"jsonrpc":"2.0","method":"m","params":{"data":1},"version":1}"#, |e| {
            *e == E::MissingField { field: "params.channel_id" }
        }),
        (r#"{"jsonrpc":"2.0","method":"m","params":[],"version":1}"#, |e| {
            matches!(e, E::InvalidField { field: "params", .. })
        }),
        (r#"{"jsonrpc":"2.0","method":"m","params":{"channel_id":null,"data":1}}"#, |e| {
            *e == E::MissingField { field: "version" }
        }),
    ];
    for (text, check) in incoming {
        let err = decode_incoming(text).expect_err(text);
        assert!(check(&err), "{text}: {err:?}");
        assert!(!err.to_string().is_empty());
    }
    assert!(matches!(decode_request("[]"), Err(E::NotAnObject { found: JsonKind::Array })));
    assert_eq!(decode_request(r#"{"jsonrpc":"2.0"}"#), Err(E::MissingField { field: "method" }));
    assert!(matches!(
        decode_request(r#"{"jsonrpc":"2.0","method":5}"#),
        Err(E::InvalidField { field: "method", .. })
    ));
    assert!(matches!(
        decode_request(r#"{"jsonrpc":"2.0","method":"m","id":{}}"#),
        Err(E::InvalidId { found: JsonKind::Object })
    ));
    assert_eq!(decode_requests("[]"), Err(E::EmptyBatch));
    assert!(matches!(decode_requests(r#"[{"method":"m"}]"#), Err(E::InBatch { index: 0, .. })));
}

#[test]
fn garbage_never_panics() {
    for text in ["null", "1", "true", "[[]]", "[{}]", "{\"method\":null}", "\u{0}", "{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":{\"channel_id\":5,\"data\":1},\"version\":1}"] {
        assert!(decode_incoming(text).is_err(), "{text}");
        let _ = decode_request(text);
    }
}
