//! The connect parameters of the channel WebSocket URL (spec §6.2), from the codec.
//!
//! [`ConnectParams`] types every parameter and writes the query with the node's exact
//! percent-encoding (base64 `+ / =` in FSM ids and transactions included). A
//! [`crate::ChannelConfig`] keeps one as the template of its connections and fills in the
//! session ([`Session::Open`] or [`Session::Existing`]) for each.

pub use aesc_codec::jsonrpc::connect::{
    BlockHashDelta, ConnectParams, InitiatorId, MinDepthStrategy, OpenParams, Reports, Role,
    Session, Timeouts,
};

#[cfg(test)]
mod tests {
    use super::*;
    use aesc_codec::id::{AccountId, ChannelId, FsmId};

    #[test]
    fn fsm_id_is_percent_encoded_as_in_the_recording() {
        // From live/001: existing_fsm_id=ba_%2Bv83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg
        let fsm: FsmId = "ba_+v83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg".parse().unwrap();
        let ch: ChannelId = "ch_yzcUVMdUNprXBoGwMCAMXJ1Tjf3yJmmNxndghRR8tBPK7Q3f9".parse().unwrap();
        let p = ConnectParams::existing(Role::Responder, None, 3342, ch, fsm);
        assert_eq!(
            p.to_query(),
            "existing_channel_id=ch_yzcUVMdUNprXBoGwMCAMXJ1Tjf3yJmmNxndghRR8tBPK7Q3f9\
             &existing_fsm_id=ba_%2Bv83xOjeTFGKapMBtIgHZsavQrVviD5xFPoDRAyT6OxmVDyg\
             &port=3342&protocol=json-rpc&role=responder"
        );
    }

    #[test]
    fn open_query_matches_the_recorded_initiator_url() {
        let i: AccountId = "ak_qJFvBznNakNngYCxQCFzsUdWLTot1HbctCGbop2XDFvphnGeu".parse().unwrap();
        let r: AccountId = "ak_K56NVwc9cihWWPb24eoC4zp2rv1UjD1fztdPj1EeqM1FUqeDq".parse().unwrap();
        let mut p = ConnectParams::open(
            Role::Initiator,
            Some("127.0.0.1".into()),
            3341,
            OpenParams {
                initiator_id: InitiatorId::Account(i),
                responder_id: r,
                initiator_amount: 70_000_000_000_000u64.into(),
                responder_amount: 40_000_000_000_000u64.into(),
                push_amount: 1u64.into(),
                channel_reserve: 2u64.into(),
                lock_period: 10,
            },
        );
        p.keep_running = Some(false);
        p.minimum_depth = Some(4);
        p.minimum_depth_strategy = Some(MinDepthStrategy::Plain);
        assert_eq!(
            p.to_url("ws://127.0.0.1:3014/channel"),
            "ws://127.0.0.1:3014/channel?channel_reserve=2&host=127.0.0.1\
             &initiator_amount=70000000000000\
             &initiator_id=ak_qJFvBznNakNngYCxQCFzsUdWLTot1HbctCGbop2XDFvphnGeu\
             &keep_running=false&lock_period=10&minimum_depth=4&minimum_depth_strategy=plain\
             &port=3341&protocol=json-rpc&push_amount=1&responder_amount=40000000000000\
             &responder_id=ak_K56NVwc9cihWWPb24eoC4zp2rv1UjD1fztdPj1EeqM1FUqeDq&role=initiator"
        );
    }
}
