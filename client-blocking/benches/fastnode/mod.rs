//! A scripted node for one initiator that answers at once: it opens the channel and
//! co-signs transfers with the responder's key. It measures the client without the node
//! double's socket polling.

use std::net::TcpListener;
use std::thread;

use aesc_client::aesc_codec::crypto::{NetworkId, SecretKey, SignatureForm};
use aesc_client::aesc_codec::id::FsmId;
use aesc_client::aesc_codec::jsonrpc::EncodedTx;
use aesc_client::aesc_codec::object::Object;
use aesc_client::aesc_codec::state::OffChainState;
use aesc_client::aesc_codec::tx::{
    ChannelCreateTx, ChannelOffChainTx, Delegates, SignedTx, Tx, Update,
};
use aesc_client::aesc_codec::Uint;
use serde_json::{json, Value};
use tungstenite::Message;

/// Starts the node; returns its URL.
pub fn spawn(
    network: NetworkId,
    initiator: SecretKey,
    responder: SecretKey,
    amount: Uint,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/channel", listener.local_addr().unwrap());
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream.set_nodelay(true).unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        let (i, r) = (initiator.public_key(), responder.public_key());
        let create = ChannelCreateTx {
            initiator_id: i,
            initiator_amount: amount.clone(),
            responder_id: r,
            responder_amount: amount.clone(),
            channel_reserve: 1u64.into(),
            lock_period: 10,
            ttl: 0,
            fee: 20_000_000_000_000u64.into(),
            delegates: Delegates::none(),
            state_hash: OffChainState::initial(i, amount.clone(), r, amount, Uint::zero())
                .unwrap()
                .state_hash(),
            nonce: 1,
        };
        let channel = create.channel_id();
        let mut state = OffChainState::initial(
            i,
            create.initiator_amount.clone(),
            r,
            create.responder_amount.clone(),
            Uint::zero(),
        )
        .unwrap();
        let mut round = 1u64;
        let note = |method: &str, data: Value| {
            json!({"jsonrpc": "2.0", "version": 1, "method": method,
                   "params": {"channel_id": channel.to_string(), "data": data}})
            .to_string()
        };
        let ok = |id: &Value| {
            json!({"jsonrpc": "2.0", "version": 1, "channel_id": channel.to_string(),
                   "id": id, "result": "ok"})
            .to_string()
        };
        let tx_text = |tx: &SignedTx| EncodedTx::from_bytes(&tx.to_rlp()).as_str().to_owned();
        let cosign = |text: &str| {
            let mut tx = SignedTx::from_api_str(text).unwrap();
            tx.sign(&responder, &network, SignatureForm::Raw);
            tx_text(&tx)
        };
        let send = |ws: &mut tungstenite::WebSocket<std::net::TcpStream>, s: String| {
            ws.send(Message::text(s)).unwrap();
        };
        send(
            &mut ws,
            note(
                "channels.info",
                json!({"event": "fsm_up",
            "fsm_id": FsmId([7; 32]).to_string()}),
            ),
        );
        let unsigned = SignedTx::unsigned(Tx::ChannelCreate(create.clone()));
        send(
            &mut ws,
            note(
                "channels.sign.initiator_sign",
                json!({"signed_tx": tx_text(&unsigned), "updates": []}),
            ),
        );
        while let Ok(msg) = ws.read() {
            let Message::Text(t) = msg else { continue };
            let req: Value = serde_json::from_str(t.as_str()).unwrap();
            let id = req["id"].clone();
            match req["method"].as_str().unwrap_or_default() {
                "channels.initiator_sign" => {
                    send(&mut ws, ok(&id));
                    let state_tx = cosign(req["params"]["signed_tx"].as_str().unwrap());
                    send(&mut ws, note("channels.info", json!({"event": "open"})));
                    send(&mut ws, note("channels.update", json!({"state": state_tx})));
                }
                "channels.update.new" => {
                    send(&mut ws, ok(&id));
                    let p = &req["params"];
                    let update = Update::Transfer {
                        from: p["from"].as_str().unwrap().parse().unwrap(),
                        to: p["to"].as_str().unwrap().parse().unwrap(),
                        amount: Uint::from_json(&p["amount"]).unwrap(),
                    };
                    if let Update::Transfer { from, to, amount } = &update {
                        state.transfer(from, to, amount, &1u64.into()).unwrap();
                    }
                    round += 1;
                    let tx = SignedTx::unsigned(Tx::ChannelOffChain(ChannelOffChainTx {
                        channel_id: channel,
                        round,
                        updates: None,
                        state_hash: state.state_hash(),
                    }));
                    send(
                        &mut ws,
                        note(
                            "channels.sign.update",
                            json!({"signed_tx": tx_text(&tx), "updates": [update.to_json()]}),
                        ),
                    );
                }
                "channels.update" => {
                    send(&mut ws, ok(&id));
                    let state_tx = cosign(req["params"]["signed_tx"].as_str().unwrap());
                    send(&mut ws, note("channels.update", json!({"state": state_tx})));
                }
                "channels.system" => {
                    send(
                        &mut ws,
                        json!({"jsonrpc": "2.0", "version": 1, "id": id,
                        "channel_id": channel.to_string(),
                        "result": {"action": "system", "tag": "pong"}})
                        .to_string(),
                    );
                }
                _ => {}
            }
        }
    });
    url
}
