//! The byte stream under a server-side WebSocket: plain TCP or, with the `rustls` feature,
//! TLS over TCP.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

#[cfg(feature = "rustls")]
use crate::lean::Counted;
use crate::lean::WriteProgress;

/// An accepted connection's stream, plain or TLS. The server's connections are
/// `LeanStream<ServerStream>`s.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerStream {
    /// Plain TCP (`ws://`).
    Plain(TcpStream),
    /// TLS over TCP (`wss://`), the bytes the socket takes counted beneath TLS.
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::server::TlsStream<Counted<TcpStream>>>),
}

impl ServerStream {
    /// The TCP stream underneath.
    pub fn tcp(&self) -> &TcpStream {
        match self {
            ServerStream::Plain(s) => s,
            #[cfg(feature = "rustls")]
            ServerStream::Tls(s) => s.get_ref().0.get_ref(),
        }
    }

    /// The count of the bytes the socket takes, kept beneath TLS; `None` for plain TCP,
    /// whose [`LeanStream`](crate::LeanStream) counts them as they are written.
    pub(crate) fn tls_progress(&self) -> Option<WriteProgress> {
        match self {
            ServerStream::Plain(_) => None,
            #[cfg(feature = "rustls")]
            ServerStream::Tls(s) => Some(s.get_ref().0.progress()),
        }
    }
}

/// A TLS connection's end says so to the peer: a `close_notify`, which a TLS peer reads as
/// a clean end of the stream (without it, rustls and tokio-tungstenite report an unexpected
/// end, and Java logs a possible truncation attack). Best effort, without waiting: written
/// only if the socket takes it now (24 bytes; a full send buffer is a peer that reads
/// nothing anyway), after whatever the session still held.
impl Drop for ServerStream {
    fn drop(&mut self) {
        #[cfg(feature = "rustls")]
        if let ServerStream::Tls(tls) = self {
            let (tcp, session) = tls.get_mut();
            session.send_close_notify();
            let mut socket = NonBlocking(tcp.get_ref());
            while session.wants_write() {
                match session.write_tls(&mut socket) {
                    Ok(n) if n > 0 => {}
                    _ => break,
                }
            }
        }
    }
}

/// The socket as a `std::io::Write` that never waits: `WouldBlock` when it is full.
#[cfg(feature = "rustls")]
struct NonBlocking<'a>(&'a TcpStream);

#[cfg(feature = "rustls")]
impl io::Write for NonBlocking<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            ServerStream::Plain($s) => {
                let $s = Pin::new($s);
                $e
            }
            #[cfg(feature = "rustls")]
            ServerStream::Tls($s) => {
                let $s = Pin::new(&mut **$s);
                $e
            }
        }
    };
}

impl AsyncRead for ServerStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        each!(self, s => s.poll_read(cx, buf))
    }
}

impl AsyncWrite for ServerStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        each!(self, s => s.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        each!(self, s => s.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            ServerStream::Plain(s) => s.is_write_vectored(),
            #[cfg(feature = "rustls")]
            ServerStream::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => s.poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        each!(self, s => s.poll_shutdown(cx))
    }
}
