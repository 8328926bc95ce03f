use serde_json::json;

use super::*;
use crate::jsonrpc::{decode_request, DataCode, ErrorCode, OkReply, SystemReply};

const AK_I: &str = "ak_mLjWgLbapr5CiVD2Q248aS2TQj9itXnoPv5tteXvZaJ8tdD2C";
const AK_R: &str = "ak_26jAbCjYM16ppbhFG6PCQhv6HkwRAri7QNJfoEtb1R8amLscpt";
const CT: &str = "ct_4haEgfNxEmpG8F5cXA8q4fgECEHLif6KG92Rvz3afsBGXmHVs";
const TX: &str = "tx_+IgLAcC4g/iBMgGhAWSuDghi3tNLOnvuIVm5FIbC9Ikodk2/E4CKiamLla+Bhj+qJSJgAKEBkLMuMMqdp4Acg/adLsNQ2VimQAyKhQvdpRTurgwqcKGGJGE5yoAAAgoAhhAGeddIAMCgZP8IHNNsTxaYp/GakGy6MTXm8MnOngPkebqMLgn1uEYDMmE4pg==";

fn parse(method: &str, params: serde_json::Value) -> Result<ClientRequest, ParamsError> {
    let frame = json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string();
    ClientRequest::from_request(&decode_request(&frame).unwrap())
}

fn data_codes(e: &ParamsError) -> Vec<DataCode> {
    e.to_error_object().unwrap().data_codes().collect()
}

fn round_trip(r: &ClientRequest) {
    let again =
        ClientRequest::from_request(&decode_request(&r.to_frame(Some(Id::from(9u64)))).unwrap());
    assert_eq!(again.as_ref(), Ok(r));
}

#[test]
fn update_new_from_recordings() {
    let r = parse(
        "channels.update.new",
        json!({"amount": 1, "from": AK_I, "to": AK_R, "meta": ["meta 1"]}),
    )
    .unwrap();
    let ClientRequest::UpdateNew(u) = &r else { panic!() };
    assert_eq!(u.amount, 1u64.into());
    assert_eq!(u.meta, ["meta 1"]);
    round_trip(&r);
    let e =
        parse("channels.update.new", json!({"amount": "1", "from": AK_I, "to": AK_R})).unwrap_err();
    assert_eq!(e, ParamsError::NotANumber { field: "amount" });
    assert_eq!(data_codes(&e), [DataCode::NotANumber]);
    let e =
        parse("channels.update.new", json!({"amount": -1, "from": AK_I, "to": AK_R})).unwrap_err();
    assert_eq!(data_codes(&e), [DataCode::NegativeAmount]);
    let e = parse("channels.update.new", json!({"amount": 1, "from": "ABCDEF", "to": AK_R}))
        .unwrap_err();
    assert_eq!(data_codes(&e), [DataCode::BrokenAccountPubkey]);
    let e =
        parse("channels.update.new", json!({"amount": 1, "from": AK_I, "to": AK_R, "meta": 17}))
            .unwrap_err();
    assert_eq!(data_codes(&e), [DataCode::InvalidMetaObject]);
    let e = parse("channels.update.new", json!({"from": AK_I, "to": AK_R})).unwrap_err();
    assert_eq!(e, ParamsError::MissingField { field: "amount" });
    assert_eq!(e.to_error_object().unwrap().code, ErrorCode::MethodNotFound);
}

#[test]
fn contract_methods() {
    let call = json!({"abi_version": 3, "amount": 0, "call_data": "cb_KxG4F37sGxTqY8Ne",
                      "contract_id": CT, "block_hash": "kh_11111111111111111111111111111111273Yts"});
    let call = {
        let mut c = call;
        c["call_data"] = json!(crate::jsonrpc::ContractBytes::from_bytes(b"call").to_string());
        c
    };
    let r = parse("channels.update.call_contract", call.clone()).unwrap();
    round_trip(&r);
    let d = parse("channels.dry_run.call_contract", call.clone()).unwrap();
    assert!(
        matches!(&d, ClientRequest::DryRunCallContract(DryRunCallContract(c)) if c.block_hash.is_some())
    );
    round_trip(&d);
    let mut broken = call.clone();
    broken["contract_id"] = json!("ABCDEFG");
    assert_eq!(
        data_codes(&parse("channels.update.call_contract", broken).unwrap_err()),
        [DataCode::BrokenContractPubkey]
    );
    let mut broken = call.clone();
    broken["call_data"] = json!("ABCDEFG");
    assert_eq!(
        data_codes(&parse("channels.dry_run.call_contract", broken).unwrap_err()),
        [DataCode::BrokenContractBytearray]
    );
    let mut broken = call;
    broken["abi_version"] = json!("1");
    assert_eq!(
        data_codes(&parse("channels.update.call_contract", broken).unwrap_err()),
        [DataCode::NotANumber]
    );

    let code = crate::jsonrpc::ContractBytes::from_bytes(b"code").to_string();
    let nc =
        json!({"abi_version": 3, "call_data": code, "code": code, "deposit": 10, "vm_version": 7});
    round_trip(&parse("channels.update.new_contract", nc.clone()).unwrap());
    let mut broken = nc;
    broken["vm_version"] = json!("1");
    assert_eq!(
        parse("channels.update.new_contract", broken),
        Err(ParamsError::NotANumber { field: "vm_version" })
    );

    let r = parse(
        "channels.get.contract_call",
        json!({"caller_id": AK_I, "contract_id": CT, "round": 3}),
    )
    .unwrap();
    round_trip(&r);
    let e = parse(
        "channels.get.contract_call",
        json!({"caller_id": "ABCEDFG", "contract_id": CT, "round": 3}),
    );
    assert_eq!(data_codes(&e.unwrap_err()), [DataCode::BrokenAccountPubkey]);
    let e = parse(
        "channels.get.contract_call",
        json!({"caller_id": AK_I, "contract_id": CT, "round": "2"}),
    );
    assert_eq!(data_codes(&e.unwrap_err()), [DataCode::NotANumber]);
    round_trip(&parse("channels.get.contract", json!({"pubkey": CT})).unwrap());
}

#[test]
fn get_poi_reports_every_broken_list() {
    let e =
        parse("channels.get.poi", json!({"accounts": ["ak_3NTNtGF"], "contracts": ["ct_3NTNtGF"]}))
            .unwrap_err();
    assert_eq!(data_codes(&e), [DataCode::BrokenAccountPubkey, DataCode::BrokenContractPubkey]);
    let e = parse("channels.get.poi", json!({"accounts": [], "contracts": ["ct_3NTNtGF"]}))
        .unwrap_err();
    assert_eq!(data_codes(&e), [DataCode::BrokenContractPubkey]);
    let r = parse("channels.get.poi", json!({"accounts": [AK_I, AK_R]})).unwrap();
    assert!(
        matches!(&r, ClientRequest::GetPoi(p) if p.accounts.len() == 2 && p.contracts.is_empty())
    );
    round_trip(&r);
    round_trip(&parse("channels.get.poi", json!({"accounts": [AK_I], "contracts": [CT]})).unwrap());
}

#[test]
fn simple_requests_round_trip() {
    for (method, params) in [
        ("channels.get.balances", json!({"accounts": [AK_I, AK_R]})),
        ("channels.get.offchain_state", json!({})),
        ("channels.clean_contract_calls", json!({})),
        ("channels.history.fetch", json!({"n": 3, "type": ["rcv"], "tag": ["info", "update"]})),
        ("channels.message", json!({"info": "hi", "to": AK_R})),
        ("channels.message", json!({"info": "hi", "to": AK_R, "from": AK_I})),
        (
            "channels.deposit",
            json!({"amount": 2, "fee": 30000, "gas_price": 1000000000, "nonce": 4}),
        ),
        ("channels.withdraw", json!({"amount": 2, "meta": ["m"]})),
        ("channels.shutdown", json!({})),
        ("channels.close_solo", json!({"fee": 1})),
        ("channels.slash", json!({"gas_price": 1})),
        ("channels.settle", json!({"nonce": 1})),
        ("channels.snapshot_solo", json!({})),
        (
            "channels.force_progress",
            json!({"abi_version": 3, "amount": 1, "call_data": "cb_Xfbg4g==", "contract_id": CT, "gas_price": 1000000, "nonce": 5}),
        ),
        (
            "channels.assume_minimum_depth",
            json!({"tx_hash": "th_2ERU4LEe8Bn8x1iuw9vSh7iHys9t8zwt3Nq2oz5GQj9pAu9pur"}),
        ),
        ("channels.leave", json!({})),
        ("channels.system", json!({"action": "ping"})),
        ("channels.system", json!({"action": "stop"})),
    ] {
        let r = parse(method, params).unwrap_or_else(|e| panic!("{method}: {e}"));
        assert_eq!(r.method(), method);
        round_trip(&r);
    }
}

#[test]
fn node_specific_failures() {
    assert_eq!(
        parse("channels.deposit", json!({"amount": "2"})),
        Err(ParamsError::NotANumber { field: "amount" })
    );
    let e = parse("channels.message", json!({"info": 5, "to": AK_R})).unwrap_err();
    assert_eq!(e.to_error_object().unwrap().code, ErrorCode::InvalidRequest);
    let long = "x".repeat(MAX_MESSAGE_INFO + 1);
    assert_eq!(
        parse("channels.message", json!({"info": long, "to": AK_R})),
        Err(ParamsError::InvalidMessageInfo)
    );
    let e = parse("channels.assume_minimum_depth", json!({"tx_hash": "th_broken"})).unwrap_err();
    assert_eq!(e, ParamsError::Dropped { field: "tx_hash" });
    assert!(e.to_error_object().is_none());
    let e = parse("channels.system", json!({"action": "reboot"})).unwrap_err();
    assert_eq!(e.to_error_object().unwrap().code, ErrorCode::MethodNotFound);
    let e = parse("channels.history.fetch", json!({"type": ["bogus"]})).unwrap_err();
    assert!(matches!(e, ParamsError::UnsupportedValue { field: "type", .. }));
    let e = parse(
        "channels.update.new",
        json!({"amount": 1, "from": AK_I, "to": AK_R, "block_hash": "kh_x"}),
    )
    .unwrap_err();
    assert_eq!(e.to_error_object().unwrap().code, ErrorCode::InternalError);
    let e = parse("channels.no_such_thing", json!({})).unwrap_err();
    assert_eq!(e, ParamsError::UnknownMethod { method: "channels.no_such_thing".into() });
    assert_eq!(e.to_error_object().unwrap().code, ErrorCode::MethodNotFound);
    let no_params = decode_request(r#"{"jsonrpc":"2.0","method":"channels.leave"}"#).unwrap();
    assert_eq!(
        ClientRequest::from_request(&no_params),
        Err(ParamsError::NotAnObject { found: None })
    );
}

#[test]
fn sign_replies_and_aborts() {
    let r = parse("channels.slash_sign", json!({"signed_tx": TX})).unwrap();
    assert!(matches!(&r, ClientRequest::SignReply(s) if s.tag == SignTag::SlashTx));
    assert_eq!(r.method(), "channels.slash_tx");
    round_trip(&r);
    let a = parse("channels.update_ack", json!({"error": 42})).unwrap();
    assert_eq!(a, ClientRequest::SignAbort(SignAbort { tag: SignTag::UpdateAck, error: 42 }));
    round_trip(&a);
    let e = parse("channels.update", json!({"signed_tx": "tx_broken"})).unwrap_err();
    assert_eq!(data_codes(&e), [DataCode::BrokenTransaction]);
    assert_eq!(
        parse("channels.update", json!({})),
        Err(ParamsError::MissingField { field: "signed_tx" })
    );
    assert_eq!(parse("channels.update", json!({"error": 0})), Err(ParamsError::InvalidAbortCode));
    assert!(matches!(
        parse("channels.snapshot_solo_tx", json!({"signed_tx": TX})),
        Err(ParamsError::UnknownMethod { .. })
    ));
}

#[test]
fn outputs() {
    assert_eq!(UpdateNew::parse_output(&json!("ok")).unwrap(), OkReply);
    assert_eq!(System::parse_output(&json!("ok")).unwrap(), SystemReply::Ok);
    assert!(GetBalances::parse_output(&json!([{"account": AK_I, "balance": 5}])).is_ok());
    assert!(GetBalances::parse_output(&json!("ok")).is_err());
    assert!(GetPoi::parse_output(&json!({"poi": "pi_Xfbg4g=="})).is_ok());
    let call = json!({"caller_id": AK_I, "caller_nonce": 4, "contract_id": CT, "gas_price": 1,
        "gas_used": 100, "height": 4, "log": [{"address": CT, "topics": ["115792089237316195423570985008687907853269984665640564039457584007913129639935".parse::<serde_json::Number>().unwrap()], "data": "cb_Xfbg4g=="}],
        "return_type": "ok", "return_value": "cb_Xfbg4g=="});
    let c = GetContractCall::parse_output(&call).unwrap();
    assert_eq!(
        c.log[0].topics[0].to_string(),
        "115792089237316195423570985008687907853269984665640564039457584007913129639935"
    );
    assert!(HistoryFetch::parse_output(
        &json!([{"type": "rcv", "tag": "info", "time": "2024-01-01T00:00:00Z", "info": {}}])
    )
    .is_ok());
}

#[test]
fn every_method_name_is_dispatched() {
    assert_eq!(METHOD_NAMES.len(), 23);
    for name in METHOD_NAMES {
        let e = parse(name, json!(5));
        assert_eq!(
            e,
            Err(ParamsError::NotAnObject { found: Some(crate::jsonrpc::JsonKind::Number) }),
            "{name}"
        );
    }
}
