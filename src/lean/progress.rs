//! [`WriteProgress`]: how many bytes the byte stream under a WebSocket stream has taken;
//! [`Counted`]: a byte stream that counts them, for under TLS.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A count of the bytes a connection's byte stream (the socket) has taken from its writer,
/// shared between the stream that counts and the supervisor that reads it.
///
/// It lets the supervisor tell a peer that drains its socket slowly from one that does not
/// drain it at all: a ping queued behind our own large message cannot leave until the
/// message has, and over a slow link that takes longer than any ping timeout. Given a
/// `WriteProgress` ([`ConnectionInfo::with_write_progress`]), the supervisor misses such a
/// ping only once the socket stops taking bytes: none between the flush's stall and the
/// ping's deadline, or between two deadlines; without one, when the ping is not out by its
/// deadline. [`LeanStream::write_progress`] gives one that the stream keeps up to date (the
/// runtime's plain-TCP server uses it), [`Counted`] one kept beneath a TLS stream (the
/// runtime's TLS server and its client); a transport of your own can count with
/// [`add`](Self::add).
///
/// [`ConnectionInfo::with_write_progress`]: crate::supervisor::ConnectionInfo::with_write_progress
/// [`LeanStream::write_progress`]: crate::LeanStream::write_progress
#[derive(Debug, Clone, Default)]
pub struct WriteProgress(Arc<AtomicU64>);

impl WriteProgress {
    /// A count at zero.
    pub fn new() -> Self {
        WriteProgress::default()
    }

    /// Counts `n` more bytes taken by the byte stream.
    pub fn add(&self, n: usize) {
        self.0.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The bytes taken so far.
    pub fn bytes(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// Counts what a write reports taken, if it took any.
    pub(super) fn taken(&self, written: &Poll<io::Result<usize>>) {
        if let Poll::Ready(Ok(n)) = written {
            self.add(*n);
        }
    }
}

/// A byte stream that counts the bytes it takes into a [`WriteProgress`]: for a layer with
/// a write buffer of its own between a WebSocket stream and the socket. Over TLS, what the
/// TLS stream takes is not what the socket took (rustls buffers up to 64 KiB), so the count
/// [`LeanStream::write_progress`] keeps at the stream it wraps would move while the socket
/// takes nothing; `TlsStream<Counted<TcpStream>>` counts at the socket. The runtime's server
/// and client do this.
///
/// [`LeanStream::write_progress`]: crate::LeanStream::write_progress
#[derive(Debug)]
pub struct Counted<S> {
    inner: S,
    progress: WriteProgress,
    /// The error of the TLS session above, held back while the plaintext it decrypted before
    /// is read (`runtime::stream`).
    #[cfg(feature = "rustls")]
    failure: Option<io::Error>,
}

impl<S> Counted<S> {
    /// `inner`, counted from zero.
    pub fn new(inner: S) -> Self {
        Counted {
            inner,
            progress: WriteProgress::new(),
            #[cfg(feature = "rustls")]
            failure: None,
        }
    }

    /// Holds back `error` of the TLS session above (see `failure`).
    #[cfg(feature = "rustls")]
    pub(crate) fn hold_failure(&mut self, error: io::Error) {
        self.failure = Some(error);
    }

    /// The error held back, if any, which is then no longer held.
    #[cfg(feature = "rustls")]
    pub(crate) fn take_failure(&mut self) -> Option<io::Error> {
        self.failure.take()
    }

    /// Whether an error is held back.
    #[cfg(feature = "rustls")]
    pub(crate) fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// The count of the bytes `inner` has taken; every call returns the same count.
    pub fn progress(&self) -> WriteProgress {
        self.progress.clone()
    }

    /// The stream counted.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The stream counted; what is written to it directly is not counted.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.progress.taken(&written);
        written
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.progress.taken(&written);
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
