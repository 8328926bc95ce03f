use serde_json::json;

use super::*;
use crate::jsonrpc::{decode_incoming, Incoming};

const CH: &str = "ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP";

fn event(frame: &str) -> NodeEvent {
    let Incoming::Notification(n) = decode_incoming(frame).unwrap() else { panic!("{frame}") };
    let e = n.event().unwrap();
    // Building the node's frame back gives the same event (and, for these, the same JSON).
    let rebuilt = e.to_notification(n.channel_id);
    assert_eq!(rebuilt.event().unwrap(), e);
    assert_eq!(rebuilt.data, n.data, "{frame}");
    e
}

#[test]
fn info_events_from_recordings() {
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":null,"data":{"event":"fsm_up","fsm_id":"ba_x7IJi+Hk62ars861+fzItRDdtIeKsFKCbZ4sXQK4AiPy0Ta7"}},"version":1}"#,
    );
    let NodeEvent::Info(i) = e else { panic!() };
    assert_eq!(i.event, InfoEvent::FsmUp);
    assert!(i.fsm_id.is_some());
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":"ch_2CzbXD38sjii5eM1nMLtASBvtpKgfUGJSp3MofesFH5DWro8GJ","data":{"event":"minimum_depth_achieved","notice":"already_assumed","tx_hash":"th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur","tx_type":"channel_create_tx"}},"version":1}"#,
    );
    let NodeEvent::Info(i) = e else { panic!() };
    assert_eq!(
        (i.event, i.notice.as_deref(), i.tx_type.as_deref()),
        (InfoEvent::MinimumDepthAchieved, Some("already_assumed"), Some("channel_create_tx"))
    );
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":"ch_2kAo4oGpeKoDwzRDkuwHgAa3L1pZSfCoNWP7BasWtsFjuy4ziz","data":{"event":"min_depth_achieved","tx_hash":"a\ufffd\ufffd!\ufffd\ufffd\ufffd[\ufffd*\u0005H\ufffd.Vk{\u001c\u0496'uh\ufffdK\ufffd \u0011\ufffd\u0011","type":"channel_snapshot_solo_tx"}},"version":1}"#,
    );
    let NodeEvent::Info(i) = e else { panic!() };
    assert_eq!(i.event, InfoEvent::MinDepthAchieved);
    assert!(i.tx_hash.unwrap().contains('\u{5}'));
}

#[test]
fn unknown_events_and_methods_are_kept() {
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":null,"data":{"event":"brand_new","x":[1,2]}},"version":1}"#,
    );
    let NodeEvent::Info(i) = e else { panic!() };
    assert_eq!(i.event, InfoEvent::Unknown("brand_new".into()));
    assert_eq!(i.extra["x"], json!([1, 2]));
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.future","params":{"channel_id":null,"data":7},"version":1}"#,
    );
    assert_eq!(e, NodeEvent::Unknown { method: "channels.future".into(), data: json!(7) });
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.sign.future_tx","params":{"channel_id":null,"data":{}},"version":1}"#,
    );
    assert!(matches!(e, NodeEvent::Unknown { .. }));
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.on_chain_tx","params":{"channel_id":null,"data":{"info":"new_info","tx":"tx_Xfbg4g==","type":"t"}},"version":1}"#,
    );
    assert!(
        matches!(e, NodeEvent::OnChainTx(t) if t.info == OnChainInfo::Unknown("new_info".into()))
    );
    assert_eq!(InfoEvent::KNOWN.len(), 30);
    assert_eq!(OnChainInfo::KNOWN.len(), 13);
}

#[test]
fn sign_request_from_a_recording() {
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.sign.update","params":{"channel_id":"ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP","data":{"signed_tx":"tx_+E0LAcC4SPhGOQKhBtQ5VnXCA0PWIGCiPxC/RufWEs5Wr6Ua0j9nrGtgtt0lAqCmYmrUI8WuLhPHqyM94yQpUk/m5NeucZIHeasu3QdCyrMul14=","updates":[{"amount":1,"from":"ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C","op":"OffChainTransfer","to":"ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt"}]}},"version":1}"#,
    );
    let NodeEvent::SignRequest(s) = e else { panic!() };
    assert_eq!(s.tag, SignTag::Update);
    assert_eq!(s.tag.reply_method(), "channels.update");
    assert_eq!(s.updates[0]["op"], "OffChainTransfer");
}

#[test]
fn other_notifications() {
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.conflict","params":{"channel_id":"ch_e9WS8RaZmcCFhk2vZyHM53z6FHrBvniXvrMjfRZkrUNDjVHKg","data":{"channel_id":"ch_e9WS8RaZmcCFhk2vZyHM53z6FHrBvniXvrMjfRZkrUNDjVHKg","error_code":2,"error_msg":"conflict","round":3}},"version":1}"#,
    );
    assert!(matches!(e, NodeEvent::Conflict(Conflict { error_code: 2, round: 3, .. })));
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.message","params":{"channel_id":"ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP","data":{"message":{"channel_id":"ch_2cTyeMJEDKtSQioBZH4f1oGwS8F16CZ22hLiZnNeujKJKUzfoP","from":"ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C","info":"Hello","to":"ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt"}}},"version":1}"#,
    );
    assert!(matches!(e, NodeEvent::Message(m) if m.info == "Hello"));
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.system.pong","params":{"channel_id":null,"data":{"action":"system","tag":"pong"}},"version":1}"#,
    );
    assert_eq!(e, NodeEvent::Pong);
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.calls_pruned.reply","params":{"channel_id":null,"data":{"action":"calls_pruned"}},"version":1}"#,
    );
    assert_eq!(e, NodeEvent::CallsPruned);
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.get.contract_call.reply","params":{"channel_id":"ch_sBfdTQygN3Z7QCVh3gVzbpdWuLCS11cUQyuMNj2i3bDQbWmfs","data":{"caller_id":"ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C","caller_nonce":3,"contract_id":"ct_2Gtzj89e5eGzi1fMxRpRYSRA5zRuz844ZuYECfVYTqguQeTpze","gas_price":1,"gas_used":380,"height":3,"log":[],"return_type":"ok","return_value":"cb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABX4y1tk"}},"version":1}"#,
    );
    let NodeEvent::MethodReply(r) = e else { panic!() };
    assert_eq!(r.method, "channels.get.contract_call");
    assert_eq!(r.contract_call().unwrap().gas_used, 380);
    assert_eq!(r.output::<crate::jsonrpc::GetContractCall>().unwrap().height, 3);
    assert!(r.output::<crate::jsonrpc::GetBalances>().is_err());
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.error","params":{"channel_id":null,"data":{"message":"bad_signature"}},"version":1}"#,
    );
    assert_eq!(e, NodeEvent::Error { message: "bad_signature".into() });
    let e = event(
        r#"{"jsonrpc":"2.0","method":"channels.debug","params":{"channel_id":null,"data":{"message":"x"}},"version":1}"#,
    );
    assert!(matches!(e, NodeEvent::Debug { .. }));
}

#[test]
fn node_side_builders() {
    let tx: crate::jsonrpc::EncodedTx = "tx_Xfbg4g==".parse().unwrap();
    let n = NodeEvent::Update { state: tx }.to_notification(Some(CH.parse().unwrap()));
    assert_eq!(
        n.to_frame(),
        format!(
            r#"{{"jsonrpc":"2.0","method":"channels.update","params":{{"channel_id":"{CH}","data":{{"state":"tx_Xfbg4g=="}}}},"version":1}}"#
        )
    );
    let fsm = "ba_x7IJi+Hk62ars861+fzItRDdtIeKsFKCbZ4sXQK4AiPy0Ta7".parse().unwrap();
    let n = NodeEvent::Info(Info::fsm_up(fsm)).to_notification(None);
    assert_eq!(
        n.data,
        json!({"event": "fsm_up", "fsm_id": "ba_x7IJi+Hk62ars861+fzItRDdtIeKsFKCbZ4sXQK4AiPy0Ta7"})
    );
}

#[test]
fn malformed_known_notifications_are_errors() {
    let check = |method: &str, data: serde_json::Value| {
        let n = crate::jsonrpc::Notification::new(method, None, data);
        n.event().expect_err(method)
    };
    assert!(matches!(check("channels.info", json!(1)), EventError::NotAnObject { .. }));
    assert!(matches!(
        check("channels.info", json!({})),
        EventError::MissingField { field: "event", .. }
    ));
    assert!(matches!(
        check("channels.info", json!({"event": "fsm_up", "fsm_id": "ba_Xfbg4g=="})),
        EventError::InvalidField { field: "fsm_id", .. }
    ));
    assert!(matches!(
        check("channels.update", json!({"state": "st_x"})),
        EventError::InvalidField { field: "state", .. }
    ));
    assert!(matches!(
        check("channels.sign.update", json!({"signed_tx": "tx_Xfbg4g=="})),
        EventError::MissingField { field: "updates", .. }
    ));
    assert!(matches!(
        check(
            "channels.conflict",
            json!({"channel_id": CH, "error_code": "2", "error_msg": "", "round": 1})
        ),
        EventError::InvalidField { field: "error_code", .. }
    ));
    assert!(matches!(
        check("channels.message", json!({})),
        EventError::MissingField { field: "message", .. }
    ));
    assert!(matches!(
        check("channels.on_chain_tx", json!({"info": 5})),
        EventError::InvalidField { field: "info", .. }
    ));
    assert!(!check("channels.error", json!({})).to_string().is_empty());
}
