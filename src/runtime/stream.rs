//! The byte streams under the runtime's WebSockets: plain TCP or, with the `rustls` feature,
//! TLS over TCP, for the server ([`ServerStream`]) and the client.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::lean::{Counted, WriteProgress};

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

/// A client connection's stream, plain or TLS, the bytes the socket takes counted beneath
/// TLS: as tokio-tungstenite's `MaybeTlsStream`, with the `close_notify` as it ends.
#[derive(Debug)]
pub(crate) enum ClientIo {
    Plain(Counted<TcpStream>),
    #[cfg(feature = "rustls")]
    Tls(Box<tokio_rustls::client::TlsStream<Counted<TcpStream>>>),
}

/// A TLS connection's end says so to the peer: a `close_notify`, which a TLS peer reads as
/// a clean end of the stream (without it, rustls and tokio-tungstenite report an unexpected
/// end, and Java logs a possible truncation attack). Best effort, without waiting: written
/// only if the socket takes it now (24 bytes; a full send buffer is a peer that reads
/// nothing anyway), after whatever the session still held.
#[cfg(feature = "rustls")]
fn close_notify<D>(session: &mut rustls::ConnectionCommon<D>, tcp: &TcpStream) {
    session.send_close_notify();
    let mut socket = NonBlocking(tcp);
    while session.wants_write() {
        match session.write_tls(&mut socket) {
            Ok(n) if n > 0 => {}
            _ => break,
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

impl Drop for ServerStream {
    fn drop(&mut self) {
        #[cfg(feature = "rustls")]
        if let ServerStream::Tls(tls) = self {
            let (tcp, session) = tls.get_mut();
            close_notify(session, tcp.get_ref());
        }
    }
}

impl Drop for ClientIo {
    fn drop(&mut self) {
        #[cfg(feature = "rustls")]
        if let ClientIo::Tls(tls) = self {
            let (tcp, session) = tls.get_mut();
            close_notify(session, tcp.get_ref());
        }
    }
}

/// After the TLS session failed (a broken record, a fatal alert): the plaintext it had
/// decrypted from the records before, then the failure. tokio-rustls reports the failure at
/// once, and the peer's messages that came in the same read as the broken record were lost,
/// where over plain TCP the messages before a broken frame are delivered.
#[cfg(feature = "rustls")]
fn read_before_failure<D>(
    tcp: &mut Counted<TcpStream>,
    session: &mut rustls::ConnectionCommon<D>,
    buf: &mut ReadBuf<'_>,
) -> io::Result<()> {
    use std::io::Read;
    match session.reader().read(buf.initialize_unfilled()) {
        Ok(read) if read > 0 => {
            buf.advance(read);
            Ok(())
        }
        _ => Err(tcp
            .take_failure()
            .unwrap_or_else(|| io::Error::other("the TLS session failed"))),
    }
}

/// `$e` with `$s`, the stream of `$self`'s variant, pinned: a match, not a trait object, so
/// that each read and write of a connection is a direct call.
macro_rules! each {
    ($stream:ident, $self:ident, $s:ident => $e:expr) => {
        match $self.get_mut() {
            $stream::Plain($s) => {
                let $s = Pin::new($s);
                $e
            }
            #[cfg(feature = "rustls")]
            $stream::Tls($s) => {
                let $s = Pin::new(&mut **$s);
                $e
            }
        }
    };
}

/// `AsyncRead` and `AsyncWrite` for an enum of a `Plain` stream and a boxed `Tls` one, each
/// call passed to the variant's stream.
macro_rules! byte_stream {
    ($stream:ident) => {
        impl AsyncRead for $stream {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                match self.get_mut() {
                    $stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
                    #[cfg(feature = "rustls")]
                    $stream::Tls(tls) => {
                        if !tls.get_ref().0.failed() {
                            match Pin::new(&mut **tls).poll_read(cx, buf) {
                                Poll::Ready(Err(error)) => tls.get_mut().0.hold_failure(error),
                                read => return read,
                            }
                        }
                        let (tcp, session) = tls.get_mut();
                        Poll::Ready(read_before_failure(tcp, session, buf))
                    }
                }
            }
        }

        impl AsyncWrite for $stream {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                each!($stream, self, s => s.poll_write(cx, buf))
            }

            fn poll_write_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &[io::IoSlice<'_>],
            ) -> Poll<io::Result<usize>> {
                each!($stream, self, s => s.poll_write_vectored(cx, bufs))
            }

            fn is_write_vectored(&self) -> bool {
                match self {
                    $stream::Plain(s) => s.is_write_vectored(),
                    #[cfg(feature = "rustls")]
                    $stream::Tls(s) => s.is_write_vectored(),
                }
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                each!($stream, self, s => s.poll_flush(cx))
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                each!($stream, self, s => s.poll_shutdown(cx))
            }
        }
    };
}

byte_stream!(ServerStream);
byte_stream!(ClientIo);
