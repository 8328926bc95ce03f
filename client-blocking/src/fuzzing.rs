//! An entry point for fuzzing the client's frame handling: node frames run through the real
//! I/O loop and channel session, over an in-memory socket instead of a network one.
//!
//! Not part of the stable API.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// What one run of [`drive_frames`] did.
#[derive(Debug, Clone, Copy)]
pub struct FrameRun {
    /// Events the client emitted.
    pub events: usize,
    /// Frames the client read (the in-memory socket hands out one frame per read).
    pub frames: usize,
    /// The longest time the client took between reading a frame and asking for the next: the
    /// work one frame caused.
    pub longest_frame: Duration,
}

/// Feeds `input` to a channel party that has just connected to open a channel: each line is
/// one text frame from the node. Never panics on any input (a panic is a bug the fuzzer
/// reports); the work is bounded by the input.
pub fn drive_frames(input: &[u8], role: Role) -> FrameRun {
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
    let timing = Arc::new(Mutex::new(Timing::default()));
    let socket = Replay::new(input, Arc::clone(&timing));
    let ws_cfg = WebSocketConfig::default().max_message_size(Some(cfg.max_message_size));
    let ws = WebSocket::from_raw_socket(socket, WsRole::Client, Some(ws_cfg));
    let (_commands_tx, commands) = crossbeam_channel::bounded(1);
    let driver = Driver::new(ws, commands, session, events.clone(), Arc::new(Shared::new()), cfg);
    drop(driver.run(&mut NoWait));
    let timing = timing.lock().map(|t| *t).unwrap_or_default();
    FrameRun { events: stream.len(), frames: timing.frames, longest_frame: timing.longest }
}

/// When the client read, as the socket saw it.
#[derive(Debug, Default, Clone, Copy)]
struct Timing {
    frames: usize,
    longest: Duration,
}

/// Server frames (unmasked text frames) from lines of input, then the end of the stream. A read
/// never crosses the end of a frame, so the time between two reads is one frame's work.
struct Replay {
    bytes: Vec<u8>,
    /// Where each frame ends in `bytes`, in order.
    ends: Vec<usize>,
    at: usize,
    last_read: Instant,
    timing: Arc<Mutex<Timing>>,
}

impl Replay {
    fn new(input: &[u8], timing: Arc<Mutex<Timing>>) -> Self {
        let mut ends = Vec::new();
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
            ends.push(bytes.len());
        }
        ends.reverse();
        Replay { bytes, ends, at: 0, last_read: Instant::now(), timing }
    }
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let now = Instant::now();
        if let Ok(mut t) = self.timing.lock() {
            t.longest = t.longest.max(now.duration_since(self.last_read));
        }
        self.last_read = now;
        while self.ends.last().is_some_and(|end| *end <= self.at) {
            self.ends.pop();
            if let Ok(mut t) = self.timing.lock() {
                t.frames += 1;
            }
        }
        let frame_end = self.ends.last().copied().unwrap_or(self.bytes.len());
        let rest = self.bytes.get(self.at..frame_end).unwrap_or_default();
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
            let run = drive_frames(input.as_bytes(), role);
            assert!(run.events >= 2, "{run:?}");
            assert_eq!(run.frames, 4, "{run:?}");
            assert!(run.longest_frame < Duration::from_secs(5), "{run:?}");
            let nothing = drive_frames(b"", role);
            assert_eq!(nothing.events, 1, "only the end of the connection");
            assert_eq!(nothing.frames, 0);
        }
    }
}
