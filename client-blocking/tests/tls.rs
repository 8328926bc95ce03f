//! `wss://`: TLS with rustls (aws-lc-rs provider) under the same handshake deadline, against a
//! local server with a self-signed certificate.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use aesc_client::{Client, ConnectionConfig, Error};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{json, Value};
use tungstenite::Message;

/// The server's certificate (for `localhost` and 127.0.0.1), its key, and the CA that
/// signed it (its key was discarded).
const CERT: &[u8] = include_bytes!("data/localhost.crt");
const KEY: &[u8] = include_bytes!("data/localhost.key");
const CA: &[u8] = include_bytes!("data/ca.crt");

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// A TLS WebSocket server answering every request with `"pong"`.
fn server() -> u16 {
    let cert = CertificateDer::from_pem_slice(CERT).unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let config = config.clone();
            thread::spawn(move || {
                let conn = rustls::ServerConnection::new(config).unwrap();
                let tls = rustls::StreamOwned::new(conn, stream);
                let Ok(mut ws) = tungstenite::accept(tls) else { return };
                while let Ok(msg) = ws.read() {
                    if let Message::Text(t) = msg {
                        let req: Value = serde_json::from_str(t.as_str()).unwrap();
                        let reply = json!({"jsonrpc": "2.0", "version": 1, "channel_id": null,
                            "id": req["id"], "result": "pong"});
                        if ws.send(Message::text(reply.to_string())).is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    port
}

fn trusting_the_test_certificate() -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(CA).unwrap()).unwrap();
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

#[test]
fn calls_over_wss() {
    let port = server();
    let cfg = ConnectionConfig::default().tls(trusting_the_test_certificate());
    let client = Client::connect(&format!("wss://localhost:{port}/channel"), &cfg).unwrap();
    for _ in 0..3 {
        assert_eq!(client.call("channels.system", &json!({"action": "ping"})).unwrap(), "pong");
    }
    client.close();
}

#[test]
fn an_untrusted_certificate_fails_the_handshake() {
    let port = server();
    let start = Instant::now();
    // The default trust store (webpki roots) does not know the self-signed certificate.
    let r =
        Client::connect(&format!("wss://localhost:{port}/channel"), &ConnectionConfig::default());
    assert!(matches!(r, Err(Error::Handshake { .. })), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_silent_tls_server_hits_the_handshake_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let cfg = ConnectionConfig::default()
        .tls(trusting_the_test_certificate())
        .handshake_timeout(Duration::from_millis(300));
    let start = Instant::now();
    let r = Client::connect(&format!("wss://localhost:{port}/channel"), &cfg);
    assert_eq!(r.err().and_then(|e| e.timeout()), Some(aesc_client::Timeout::Handshake));
    assert!(start.elapsed() < Duration::from_secs(3));
    drop(listener);
}
