//! End-to-end operations of two clients against the node double.

mod common;

use std::time::Duration;

use aesc_client::aesc_codec::jsonrpc::TxOptions;
use aesc_client::Phase;
use common::*;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn open_transfer_and_close() {
    within(LIMIT, || {
        let node = node();
        let p = open(&node);
        let v = p.initiator.view();
        assert_eq!(v.phase, Phase::Open);
        assert_eq!(v.round, 1);
        assert_eq!(v.balance(&p.i()).unwrap().to_u64(), Some(INITIATOR_AMOUNT - PUSH));
        let r = p.initiator.transfer(&p.r(), 10u64).unwrap();
        assert_eq!(r, 2);
        let r = p.responder.transfer(&p.i(), 3u64).unwrap();
        assert_eq!(r, 3);
        let v = p.responder.view();
        assert_eq!(v.balance(&p.r()).unwrap().to_u64(), Some(RESPONDER_AMOUNT + PUSH + 7));
        let close = p.initiator.shutdown(TxOptions::default()).unwrap();
        println!("{close:?}");
        assert_eq!(p.initiator.view().phase, Phase::Closed);
    });
}
