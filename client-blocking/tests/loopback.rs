//! The connection layer against a scripted tungstenite server on 127.0.0.1:0.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aesc_client::aesc_codec::jsonrpc::NodeEvent;
use aesc_client::{Client, ConnectionConfig, Error, Event, RecvError, Timeout};
use serde_json::{json, Value};
use support::{notification, reply, within, Action, Server};

const LIMIT: Duration = Duration::from_secs(20);

fn cfg() -> ConnectionConfig {
    ConnectionConfig::default().call_timeout(Duration::from_secs(5))
}

#[test]
fn call_is_matched_to_its_response() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |req| {
            assert_eq!(req["jsonrpc"], "2.0");
            assert_eq!(req["method"], "channels.get.balances");
            vec![reply(req, json!([{"account": "ak_x", "balance": 1}]))]
        });
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let r = client.call("channels.get.balances", &json!({"accounts": []})).unwrap();
        assert_eq!(r[0]["balance"], 1);
        client.close();
        server.done.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(server.stats.closes.load(Ordering::SeqCst), 1, "close handshake was sent");
    });
}

#[test]
fn out_of_order_responses_reach_the_right_callers() {
    within(LIMIT, || {
        let mut held: Vec<Value> = Vec::new();
        let server = Server::spawn(vec![], move |req| {
            held.push(req.clone());
            if held.len() < 8 {
                return vec![];
            }
            // Answer all eight in reverse order, each with its own id as result.
            held.drain(..).rev().map(|r| reply(&r, r["params"]["n"].clone())).collect()
        });
        let client = Arc::new(Client::connect(&server.url, &cfg()).unwrap());
        let handles: Vec<_> = (0..8u64)
            .map(|n| {
                let c = client.clone();
                std::thread::spawn(move || c.call("channels.system", &json!({"n": n})).unwrap())
            })
            .collect();
        let mut got: Vec<u64> = handles
            .into_iter()
            .zip(0u64..)
            .map(|(h, n)| {
                let v = h.join().unwrap();
                assert_eq!(v.as_u64(), Some(n));
                n
            })
            .collect();
        got.sort_unstable();
        assert_eq!(got, (0..8).collect::<Vec<_>>());
    });
}

#[test]
fn rpc_error_is_typed() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |req| {
            vec![Action::Send(
                json!({"jsonrpc": "2.0", "version": 1, "channel_id": null, "id": req["id"], "error": {
                "code": 3, "message": "Rejected", "data": [{"code": 1001,
                "message": "Insufficient balance"}], "request": req}}),
            )]
        });
        let client = Client::connect(&server.url, &cfg()).unwrap();
        match client.call("channels.update.new", &json!({})) {
            Err(Error::Rpc(e)) => {
                assert_eq!(e.code.code(), 3);
                assert_eq!(e.data.first().map(|d| d.code.code()), Some(1001));
            }
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn malformed_answer_fails_its_call_at_once() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |req| {
            vec![Action::Raw(format!(r#"{{"jsonrpc":"2.0","id":{},"result":"ok"}}"#, req["id"]))]
        });
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let start = Instant::now();
        let r = client.call("channels.system", &json!({"action": "ping"}));
        assert!(matches!(r, Err(Error::BadFrame(_))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(1));
    });
}

#[test]
fn notifications_become_events_in_order() {
    within(LIMIT, || {
        let server = Server::spawn(
            vec![
                notification(
                    "channels.info",
                    json!({"event": "fsm_up",
                    "fsm_id": "ba_rtoxY+V3CWoumyfJEzDqKaEZppDJjyNlBvhGvh9vx197szDU"}),
                ),
                notification(
                    "channels.conflict",
                    json!({"error_code": 2,
                    "error_msg": "conflict", "round": 1,
                    "channel_id": "ch_2jqr9vjPiaNk2H4iE3pV9FCayL1BbyT4nDk4WHd6HTE16ZswWu"}),
                ),
                Action::Raw("not json".into()),
            ],
            |_| vec![],
        );
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let ev = client.events();
        match ev.recv_timeout(Duration::from_secs(5)).unwrap() {
            Event::Node(NodeEvent::Info(info)) => {
                assert_eq!(info.event.as_str(), "fsm_up");
                assert!(info.fsm_id.is_some());
            }
            other => panic!("{other:?}"),
        }
        match ev.recv_timeout(Duration::from_secs(5)).unwrap() {
            Event::Node(NodeEvent::Conflict(c)) => assert_eq!((c.error_code, c.round), (2, 1)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            ev.recv_timeout(Duration::from_secs(5)).unwrap(),
            Event::Malformed { .. }
        ));
        assert_eq!(ev.recv_timeout(Duration::from_millis(50)).err(), Some(RecvError::Timeout));
    });
}

#[test]
fn unanswered_call_times_out_and_connection_stays_usable() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |req| {
            if req["method"] == "silent" {
                vec![]
            } else {
                vec![reply(req, json!("pong"))]
            }
        });
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let start = Instant::now();
        let r = client.call_with_timeout("silent", &json!({}), Duration::from_millis(150));
        assert!(matches!(r, Err(Error::Timeout(Timeout::Call))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(client.call("ping", &json!({})).unwrap(), "pong");
    });
}

#[test]
fn dropped_socket_fails_waiting_calls_with_the_cause() {
    within(LIMIT, || {
        let server =
            Server::spawn(vec![], |_| vec![Action::Sleep(Duration::from_millis(50)), Action::Drop]);
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let start = Instant::now();
        let r = client.call("channels.get.balances", &json!({}));
        assert!(matches!(r, Err(Error::Disconnected(_))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(2), "failed promptly, not at the deadline");
        // Every later call fails the same way, immediately.
        let r = client.call("channels.get.balances", &json!({}));
        assert!(matches!(r, Err(Error::Disconnected(_))), "{r:?}");
        // The last event says why.
        let last = client.events().iter_timeout(Duration::from_secs(2)).last();
        assert!(matches!(last, Some(Event::Disconnected { .. })), "{last:?}");
        assert_eq!(
            client.events().recv_timeout(Duration::from_millis(10)).err(),
            Some(RecvError::Closed)
        );
        assert!(!client.is_connected());
    });
}

#[test]
fn node_close_frame_is_reported() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |_| vec![Action::Close(1000, "bye")]);
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let r = client.call("x", &json!({}));
        match r {
            Err(Error::Disconnected(cause)) => match &*cause {
                Error::ClosedByNode { code, reason } => {
                    assert_eq!(*code, 1000);
                    assert_eq!(reason, "bye");
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn keepalive_pings_an_idle_socket() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |_| vec![]);
        let cfg = cfg().ping_interval(Some(Duration::from_millis(40)));
        let client = Client::connect(&server.url, &cfg).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(client.is_connected());
        let pings = server.stats.pings.load(Ordering::SeqCst);
        assert!(pings >= 3, "only {pings} pings");
    });
}

#[test]
fn silent_peer_trips_the_keepalive_deadline() {
    within(LIMIT, || {
        let server = Server::spawn(vec![Action::Stall(Duration::from_secs(3))], |_| vec![]);
        let cfg = cfg()
            .ping_interval(Some(Duration::from_millis(50)))
            .keepalive_timeout(Duration::from_millis(200));
        let client = Client::connect(&server.url, &cfg).unwrap();
        let start = Instant::now();
        let last = client.events().iter_timeout(Duration::from_secs(2)).last();
        match last {
            Some(Event::Disconnected { cause }) => {
                assert_eq!(cause.timeout(), Some(Timeout::Keepalive));
            }
            other => panic!("{other:?}"),
        }
        assert!(start.elapsed() < Duration::from_secs(1));
    });
}

#[test]
fn disconnect_fails_calls_waiting_on_other_threads() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |_| vec![]);
        let client = Client::connect(&server.url, &cfg()).unwrap();
        let waiting: Vec<_> = (0..3)
            .map(|_| {
                let c = client.clone();
                std::thread::spawn(move || {
                    let start = Instant::now();
                    (c.call("silent", &json!({})), start.elapsed())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        client.disconnect();
        for w in waiting {
            let (r, took) = w.join().unwrap();
            match r {
                Err(Error::Disconnected(cause)) => assert!(matches!(*cause, Error::Closed)),
                other => panic!("{other:?}"),
            }
            assert!(took < Duration::from_secs(2), "failed at once, not at the call deadline");
        }
        assert!(matches!(client.call("x", &json!({})), Err(Error::Disconnected(_))));
        client.close();
        server.done.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(server.stats.closes.load(Ordering::SeqCst), 1, "close handshake was sent");
    });
}

#[test]
fn a_call_made_while_the_connection_closes_fails_at_once() {
    within(LIMIT, || {
        // The peer never answers the close handshake: the close lasts its whole timeout.
        let server = Server::spawn(vec![Action::Stall(Duration::from_secs(5))], |_| vec![]);
        let client =
            Client::connect(&server.url, &cfg().close_timeout(Duration::from_secs(3))).unwrap();
        client.disconnect();
        std::thread::sleep(Duration::from_millis(100));
        let start = Instant::now();
        let r = client.call("x", &json!({}));
        assert!(matches!(r, Err(Error::Disconnected(_))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(1), "took {:?}", start.elapsed());
    });
}

#[test]
fn close_against_a_stalled_peer_is_bounded() {
    within(LIMIT, || {
        let server = Server::spawn(vec![Action::Stall(Duration::from_secs(5))], |_| vec![]);
        let client =
            Client::connect(&server.url, &cfg().close_timeout(Duration::from_millis(300))).unwrap();
        let start = Instant::now();
        client.close();
        assert!(start.elapsed() < Duration::from_secs(2), "took {:?}", start.elapsed());
    });
}

#[test]
fn dropping_the_client_closes_cleanly() {
    within(LIMIT, || {
        let server = Server::spawn(vec![], |_| vec![]);
        let client = Client::connect(&server.url, &cfg()).unwrap();
        drop(client);
        server.done.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(server.stats.closes.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn rejection_without_id_is_an_event() {
    within(LIMIT, || {
        let server = Server::spawn(
            vec![Action::Send(
                json!({"jsonrpc": "2.0", "version": 1, "id": null, "channel_id": null,
                "error": {"code": 3, "message": "Rejected", "request": {},
                "data": [{"code": 1016, "message": "Invalid fsm id"}]}}),
            )],
            |_| vec![],
        );
        let client = Client::connect(&server.url, &cfg()).unwrap();
        match client.events().recv_timeout(Duration::from_secs(5)).unwrap() {
            Event::RpcError(e) => assert_eq!(e.data.first().map(|d| d.code.code()), Some(1016)),
            other => panic!("{other:?}"),
        }
    });
}
