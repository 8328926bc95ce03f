//! What the poll watches for a connection.

use std::io;
use std::net::TcpStream;

/// What the poll watches for a connection: its socket's descriptor itself, without a
/// duplicate.
#[cfg(unix)]
pub(crate) struct Source(std::os::fd::RawFd);

#[cfg(unix)]
impl Source {
    pub(crate) fn of(tcp: &TcpStream) -> io::Result<Source> {
        Ok(Source(std::os::fd::AsRawFd::as_raw_fd(tcp)))
    }

    pub(super) fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
    ) -> io::Result<()> {
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        registry.register(&mut mio::unix::SourceFd(&self.0), token, interest)
    }

    pub(super) fn deregister(&mut self, registry: &mio::Registry) {
        // The descriptor is closed right after, which removes it from the poll anyway.
        let _ = registry.deregister(&mut mio::unix::SourceFd(&self.0));
    }
}

/// What the poll watches for a connection: a duplicate of its socket.
#[cfg(not(unix))]
pub(crate) struct Source(mio::net::TcpStream);

#[cfg(not(unix))]
impl Source {
    pub(crate) fn of(tcp: &TcpStream) -> io::Result<Source> {
        Ok(Source(mio::net::TcpStream::from_std(tcp.try_clone()?)))
    }

    pub(super) fn register(
        &mut self,
        registry: &mio::Registry,
        token: mio::Token,
    ) -> io::Result<()> {
        let interest = mio::Interest::READABLE | mio::Interest::WRITABLE;
        registry.register(&mut self.0, token, interest)
    }

    pub(super) fn deregister(&mut self, registry: &mio::Registry) {
        let _ = registry.deregister(&mut self.0);
    }
}
