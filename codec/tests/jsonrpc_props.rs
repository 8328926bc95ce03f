//! Property tests of the JSON-RPC layer: no input panics, and whatever decodes re-encodes to
//! something that decodes to the same value.

use aesc_codec::jsonrpc::connect::ConnectParams;
use aesc_codec::jsonrpc::{
    decode_incoming, decode_request, decode_requests, ClientRequest, Id, Incoming, Request,
    SignTag, UpdateNew, METHOD_NAMES,
};
use aesc_codec::Uint;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

const KEYS: &[&str] = &[
    "jsonrpc",
    "method",
    "params",
    "id",
    "result",
    "error",
    "version",
    "channel_id",
    "data",
    "code",
    "message",
    "request",
    "event",
    "fsm_id",
    "signed_tx",
    "updates",
    "state",
    "info",
    "tx",
    "type",
    "amount",
    "from",
    "to",
    "meta",
    "accounts",
    "contracts",
    "round",
    "error_code",
    "error_msg",
    "action",
    "tag",
];

const STRINGS: &[&str] = &[
    "2.0",
    "1.0",
    "ok",
    "channels.info",
    "channels.update",
    "channels.sign.update",
    "channels.on_chain_tx",
    "channels.conflict",
    "channels.message",
    "channels.system.pong",
    "channels.get.poi.reply",
    "fsm_up",
    "open",
    "ping",
    "stop",
    "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C",
    "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu",
    "ct_4haEgfNxEmpG8F5cXA8q4fgECEHLif6KG92Rvz3afsBGXmHVs",
    "ba_x7IJi+Hk62ars861+fzItRDdtIeKsFKCbZ4sXQK4AiPy0Ta7",
    "tx_Xfbg4g==",
    "cb_Xfbg4g==",
    "kh_11111111111111111111111111111111273Yts",
    "",
    "ABCDEF",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0u32..4).prop_map(Value::from),
        "-?[1-9][0-9]{18,40}"
            .prop_map(|s| Value::Number(s.parse::<Number>().expect("digits form a JSON number"))),
        prop::sample::select(STRINGS).prop_map(Value::from),
        ".{0,8}".prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
            }),
        ]
    })
}

/// An envelope-shaped object, so decoding gets past the first checks often.
fn envelope() -> impl Strategy<Value = Value> {
    (json(), json(), prop::sample::select(STRINGS), any::<u8>()).prop_map(|(a, b, method, pick)| {
        let mut m = Map::new();
        m.insert("jsonrpc".into(), "2.0".into());
        m.insert("version".into(), 1.into());
        match pick % 3 {
            0 => {
                m.insert("method".into(), method.into());
                let mut params = Map::new();
                params.insert("channel_id".into(), Value::Null);
                params.insert("data".into(), a);
                m.insert("params".into(), Value::Object(params));
            }
            1 => {
                m.insert("channel_id".into(), Value::Null);
                m.insert("id".into(), 1.into());
                m.insert("result".into(), a);
            }
            _ => {
                m.insert("channel_id".into(), Value::Null);
                m.insert("id".into(), Value::Null);
                m.insert("error".into(), b);
            }
        }
        Value::Object(m)
    })
}

fn check_incoming(text: &str) {
    if let Ok(incoming) = decode_incoming(text) {
        assert_eq!(decode_incoming(&incoming.to_frame()).as_ref(), Ok(&incoming));
        if let Incoming::Notification(n) = &incoming {
            if let Ok(event) = n.event() {
                assert_eq!(event.to_notification(n.channel_id).event(), Ok(event));
            }
        }
    }
}

fn method_name() -> impl Strategy<Value = String> {
    let sign: Vec<&'static str> = SignTag::ALL
        .iter()
        .flat_map(|t| std::iter::once(t.reply_method()).chain(t.reply_aliases().iter().copied()))
        .collect();
    prop_oneof![
        prop::sample::select(METHOD_NAMES).prop_map(str::to_owned),
        prop::sample::select(sign).prop_map(str::to_owned),
        "channels\\.[a-z_.]{0,12}",
    ]
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        let _ = decode_incoming(&s);
        let _ = decode_request(&s);
        let _ = decode_requests(&s);
        let _ = ConnectParams::from_query(&s);
    }

    #[test]
    fn arbitrary_json_decodes_idempotently(v in json()) {
        check_incoming(&v.to_string());
        let _ = decode_request(&v.to_string());
    }

    #[test]
    fn envelopes_decode_idempotently(v in envelope()) {
        check_incoming(&v.to_string());
        check_incoming(&Value::Array(vec![v]).to_string());
    }

    #[test]
    fn typed_requests_round_trip(method in method_name(), params in json(), id in any::<i64>()) {
        let req = Request { id: Some(Id::from(id)), method, params: Some(params) };
        if let Ok(typed) = ClientRequest::from_request(&req) {
            let again = decode_request(&typed.to_frame(req.id.clone())).unwrap();
            prop_assert_eq!(again.id.clone(), req.id.clone());
            prop_assert_eq!(ClientRequest::from_request(&again), Ok(typed));
        }
    }

    #[test]
    fn amounts_keep_full_precision(digits in "[1-9][0-9]{0,60}") {
        let amount: Uint = digits.parse().unwrap();
        let update = UpdateNew {
            from: "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C".parse().unwrap(),
            to: "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt".parse().unwrap(),
            amount: amount.clone(),
            block_hash: None,
            meta: vec![],
        };
        let frame = ClientRequest::from(update).to_frame(None);
        let expected = format!("\"amount\":{digits}");
        prop_assert!(frame.contains(&expected));
        let back = ClientRequest::from_request(&decode_request(&frame).unwrap()).unwrap();
        prop_assert!(matches!(back, ClientRequest::UpdateNew(u) if u.amount == amount));
    }

    #[test]
    fn queries_never_panic(pairs in prop::collection::vec(("[a-z_]{1,12}", "[-a-zA-Z0-9%+/=_]{0,12}"), 0..12)) {
        let q = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
        if let Ok(p) = ConnectParams::from_query(&q) {
            prop_assert_eq!(ConnectParams::from_query(&p.to_query()), Ok(p));
        }
    }
}
