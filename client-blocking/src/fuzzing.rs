//! An entry point for fuzzing the client's frame handling: node frames run through the real
//! I/O loop and channel session, over an in-memory socket instead of a network one.
//!
//! Not part of the stable API.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aesc_codec::crypto::{NetworkId, SecretKey};
use aesc_codec::Uint;
use tungstenite::protocol::{Role as WsRole, WebSocket, WebSocketConfig};

use crate::channel_config::OpenTerms;
use crate::config::{ConnectionConfig, Deadlines};
use crate::driver::{Driver, Shared, Wait};
use crate::events::EventSink;
use crate::params::Role;
use crate::policy::DefaultPolicy;
use crate::session::{OpKind, Session, SessionSetup};
use crate::view::ChannelView;

/// Feeds `input` to a channel party that has just connected to open a channel: each line is
/// one text frame from the node. Returns how many events the client emitted. Never panics on
/// any input (a panic is a bug the fuzzer reports); the work is bounded by the input.
pub fn drive_frames(input: &[u8], role: Role) -> usize {
    let key = SecretKey::from_seed(&[1; 32]);
    let peer = SecretKey::from_seed(&[2; 32]).public_key();
    let mut view = ChannelView::new(role, key.public_key(), peer);
    view.channel_reserve = Uint::from(2u64);
    let cfg = ConnectionConfig {
        ping_interval: None,
        max_message_size: 1 << 20,
        ..ConnectionConfig::default()
    };
    let (events, stream) = EventSink::new(cfg.event_capacity, cfg.event_bytes);
    let shared_view = Arc::new(Mutex::new(view.clone()));
    let mut session = Session::new(SessionSetup {
        signer: Arc::new(key.clone()),
        network: NetworkId::new("ae_dev"),
        policy: Arc::new(DefaultPolicy),
        fee_cap: Uint::from(crate::DEFAULT_FEE_CAP),
        deadlines: Deadlines::all(Duration::from_secs(3600)),
        view,
        shared: shared_view,
        store: None,
        pending: None,
        events: events.clone(),
        fsm_keepalive: None,
    });
    let (done, _done_rx) = crossbeam_channel::bounded(1);
    let (up, _up_rx) = crossbeam_channel::bounded(1);
    let terms = OpenTerms {
        initiator_amount: Uint::from(70_000_000_000_000u64),
        responder_amount: Uint::from(40_000_000_000_000u64),
        push_amount: Uint::from(1u64),
        channel_reserve: Uint::from(2u64),
        lock_period: 10,
        fee: None,
        nonce: None,
    };
    session.arm(OpKind::Open(terms), done, up);
    let socket = Replay::new(input);
    let ws_cfg = WebSocketConfig::default().max_message_size(Some(cfg.max_message_size));
    let ws = WebSocket::from_raw_socket(socket, WsRole::Client, Some(ws_cfg));
    let (_commands_tx, commands) = crossbeam_channel::bounded(1);
    let driver = Driver::new(ws, commands, session, events.clone(), Arc::new(Shared::new()), cfg);
    drop(driver.run(&mut NoWait));
    stream.len()
}

/// Server frames (unmasked text frames) from lines of input, then the end of the stream.
struct Replay {
    bytes: Vec<u8>,
    at: usize,
}

impl Replay {
    fn new(input: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(input.len() + 64);
        for line in input.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            bytes.push(0x81);
            match line.len() {
                n if n < 126 => bytes.push(n as u8),
                n if n <= usize::from(u16::MAX) => {
                    bytes.push(126);
                    bytes.extend_from_slice(&(n as u16).to_be_bytes());
                }
                n => {
                    bytes.push(127);
                    bytes.extend_from_slice(&(n as u64).to_be_bytes());
                }
            }
            bytes.extend_from_slice(line);
        }
        Replay { bytes, at: 0 }
    }
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = self.bytes.get(self.at..).unwrap_or_default();
        let n = rest.len().min(buf.len());
        if let (Some(dst), Some(src)) = (buf.get_mut(..n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.at += n;
        Ok(n)
    }
}

impl Write for Replay {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The in-memory socket is always ready.
struct NoWait;

impl Wait for NoWait {
    fn wait(&mut self, _timeout: Duration) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_frames_and_garbage_run_to_the_end() {
        let fsm_up = r#"{"jsonrpc":"2.0","method":"channels.info","params":{"channel_id":null,"data":{"event":"fsm_up","fsm_id":"ba_XxoJdf2IW4NDC8snhEGCITRC9E8svEBSv1USAlCj2PVp5dPC"}},"version":1}"#;
        let input = format!("{fsm_up}\nnot json\n{{\"id\":7,\"result\":1}}\n\u{0}\n");
        for role in [Role::Initiator, Role::Responder] {
            assert!(drive_frames(input.as_bytes(), role) >= 2);
            assert_eq!(drive_frames(b"", role), 1, "only the end of the connection");
        }
    }
}
