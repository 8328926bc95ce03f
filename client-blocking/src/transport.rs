//! Opening the socket: TCP with a connect deadline, then TLS (for `wss://`) and the WebSocket
//! handshake under one handshake deadline.
//!
//! `tungstenite::connect` would call `TcpStream::connect` without a deadline, so the steps are
//! done here by hand.

use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tungstenite::client::IntoClientRequest;
use tungstenite::handshake::HandshakeError;
use tungstenite::http::Uri;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Connector, WebSocket};

use crate::config::ConnectionConfig;
use crate::error::{Error, Timeout, UrlError};

/// The socket type the I/O thread drives.
pub(crate) type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

/// A parsed node URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) tls: bool,
    pub(crate) host: String,
    pub(crate) port: u16,
}

/// Checks a `ws://` or `wss://` URL and extracts what the TCP connection needs.
pub(crate) fn parse_url(url: &str) -> Result<Target, Error> {
    let bad = |reason| Error::Url { url: url.to_owned(), reason };
    let uri: Uri = url.parse().map_err(|_| bad(UrlError::Syntax))?;
    let tls = match uri.scheme_str() {
        Some("ws") => false,
        Some("wss") => true,
        _ => return Err(bad(UrlError::Scheme)),
    };
    let host = uri.host().filter(|h| !h.is_empty()).ok_or(bad(UrlError::NoHost))?;
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
    Ok(Target { tls, host, port })
}

/// Connects and performs the handshakes. The returned socket is in non-blocking mode.
pub(crate) fn open(url: &str, cfg: &ConnectionConfig) -> Result<Socket, Error> {
    let target = parse_url(url)?;
    let stream = connect_tcp(&target, cfg.connect_timeout)?;
    let deadline = crate::config::after(Instant::now(), cfg.handshake_timeout);
    let handshake_err =
        |e: tungstenite::Error| Error::Handshake { host: target.host.clone(), source: Box::new(e) };
    set_timeouts(&stream, remaining(deadline)?).map_err(|e| handshake_err(e.into()))?;
    let request = url.into_client_request().map_err(handshake_err)?;
    let connector = if target.tls {
        Connector::Rustls(match &cfg.tls {
            Some(tls) => tls.clone(),
            None => default_tls()?,
        })
    } else {
        Connector::Plain
    };
    let ws_config = WebSocketConfig::default()
        .read_buffer_size(cfg.read_buffer_size.max(1024))
        .write_buffer_size(0)
        .max_message_size(Some(cfg.max_message_size))
        .max_frame_size(Some(cfg.max_message_size));
    let mut attempt =
        tungstenite::client_tls_with_config(request, stream, Some(ws_config), Some(connector));
    let ws = loop {
        match attempt {
            Ok((ws, _response)) => break ws,
            Err(HandshakeError::Failure(e)) => {
                return Err(if is_no_data(&e) {
                    Error::Timeout(Timeout::Handshake)
                } else {
                    handshake_err(e)
                });
            }
            Err(HandshakeError::Interrupted(mid)) => {
                let left = remaining(deadline)?;
                if let Some(tcp) = tcp_of_stream(mid.get_ref().get_ref()) {
                    set_timeouts(tcp, left).map_err(|e| handshake_err(e.into()))?;
                }
                attempt = mid.handshake();
            }
        }
    };
    let no_tcp = || Error::WebSocket(Box::new(io::Error::other("unsupported stream").into()));
    let tcp = tcp_of(&ws).ok_or_else(no_tcp)?;
    tcp.set_read_timeout(None).map_err(|e| Error::WebSocket(Box::new(e.into())))?;
    tcp.set_write_timeout(None).map_err(|e| Error::WebSocket(Box::new(e.into())))?;
    tcp.set_nonblocking(true).map_err(|e| Error::WebSocket(Box::new(e.into())))?;
    Ok(ws)
}

/// The TCP stream under the (possibly TLS) WebSocket; `None` only for TLS backends this crate
/// does not enable.
pub(crate) fn tcp_of(ws: &Socket) -> Option<&TcpStream> {
    tcp_of_stream(ws.get_ref())
}

fn tcp_of_stream(s: &MaybeTlsStream<TcpStream>) -> Option<&TcpStream> {
    match s {
        MaybeTlsStream::Rustls(s) => Some(s.get_ref()),
        MaybeTlsStream::Plain(s) => Some(s),
        _ => None,
    }
}

fn connect_tcp(target: &Target, timeout: Duration) -> Result<TcpStream, Error> {
    let addr_text = format!("{}:{}", target.host, target.port);
    let connect_err = |source| Error::Connect { addr: addr_text.clone(), source };
    let addrs = resolve(&target.host, target.port, timeout).map_err(|e| match e {
        Some(e) => connect_err(e),
        None => Error::Timeout(Timeout::Connect),
    })?;
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address resolved");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                s.set_nodelay(true).map_err(connect_err)?;
                return Ok(s);
            }
            Err(e) if e.kind() == io::ErrorKind::TimedOut => last = e,
            Err(e) => last = e,
        }
    }
    if last.kind() == io::ErrorKind::TimedOut {
        return Err(Error::Timeout(Timeout::Connect));
    }
    Err(connect_err(last))
}

/// The addresses of `host`; a name lookup that takes longer than `timeout` gives `Err(None)`
/// (the system resolver has no deadline of its own, so it runs on a helper thread that is left
/// to finish on its own).
fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Vec<SocketAddr>, Option<io::Error>> {
    let literal = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = literal.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let (tx, rx) = crossbeam_channel::bounded(1);
    let name = host.to_owned();
    std::thread::Builder::new()
        .name("aesc-resolve".into())
        .spawn(move || {
            let _ = tx.send((name.as_str(), port).to_socket_addrs().map(Iterator::collect));
        })
        .map_err(Some)?;
    match rx.recv_timeout(timeout) {
        // A failed lookup is reported as one, whatever kind the system resolver gave it.
        Ok(r) => r.map_err(|e| Some(io::Error::new(io::ErrorKind::NotFound, e))),
        Err(_) => Err(None),
    }
}

fn set_timeouts(s: &TcpStream, d: Duration) -> io::Result<()> {
    let d = d.max(Duration::from_millis(1));
    s.set_read_timeout(Some(d))?;
    s.set_write_timeout(Some(d))
}

fn remaining(deadline: Instant) -> Result<Duration, Error> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(Error::Timeout(Timeout::Handshake));
    }
    Ok(left)
}

/// Whether an error only means "no data yet" (platforms report a read timeout as either kind).
pub(crate) fn is_no_data(e: &tungstenite::Error) -> bool {
    matches!(e, tungstenite::Error::Io(io) if is_no_data_io(io))
}

pub(crate) fn is_no_data_io(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

fn default_tls() -> Result<Arc<rustls::ClientConfig>, Error> {
    static DEFAULT: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if let Some(c) = DEFAULT.get() {
        return Ok(c.clone());
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // The provider the application installed for the process, if any; otherwise aws-lc-rs,
    // whose defaults include the post-quantum key exchange X25519MLKEM768.
    let provider = match rustls::crypto::CryptoProvider::get_default() {
        Some(installed) => installed.clone(),
        None => Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(Error::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(DEFAULT.get_or_init(|| Arc::new(config)).clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = parse_url("ws://127.0.0.1:3014/channel").unwrap();
        assert_eq!(t, Target { tls: false, host: "127.0.0.1".into(), port: 3014 });
        let t = parse_url("wss://node.example/channel").unwrap();
        assert_eq!((t.tls, t.port), (true, 443));
        let t = parse_url("ws://[::1]:9/channel").unwrap();
        assert_eq!(t.host, "::1");
        assert!(matches!(
            parse_url("http://x/channel"),
            Err(Error::Url { reason: UrlError::Scheme, .. })
        ));
        assert!(matches!(parse_url("ws//x"), Err(Error::Url { .. })));
    }

    #[test]
    fn addresses_resolve_within_the_deadline() {
        let d = Duration::from_secs(5);
        assert_eq!(resolve("127.0.0.1", 7, d).unwrap(), vec!["127.0.0.1:7".parse().unwrap()]);
        assert_eq!(resolve("[::1]", 7, d).unwrap(), vec!["[::1]:7".parse().unwrap()]);
        assert!(resolve("localhost", 7, d).unwrap().iter().all(|a| a.ip().is_loopback()));
        // A name the resolver rejects is a connect error, not a panic.
        assert!(matches!(resolve("bad host name", 7, d), Err(Some(_))));
    }

    #[test]
    fn default_tls_builds_with_ring() {
        assert!(default_tls().is_ok());
    }

    #[test]
    fn refused_port_is_a_connect_error() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let r = open(&format!("ws://127.0.0.1:{port}/channel"), &ConnectionConfig::default());
        assert!(matches!(r, Err(Error::Connect { .. })), "{r:?}");
    }

    #[test]
    fn silent_server_hits_the_handshake_deadline() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let cfg = ConnectionConfig::default().handshake_timeout(Duration::from_millis(200));
        let start = Instant::now();
        let r = open(&format!("ws://127.0.0.1:{port}/channel"), &cfg);
        assert!(matches!(r, Err(Error::Timeout(Timeout::Handshake))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(2));
        drop(l);
    }
}
