//! The in-memory byte stream both servers read from and write to, and the polling helper.

use std::cell::RefCell;
use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The peer's end of an in-memory byte stream.
#[derive(Debug, Default)]
struct Pipe {
    /// Written by the peer, not yet read by the server.
    unread: Vec<u8>,
    /// What a read finds once `unread` is empty.
    end: End,
    /// Written by the server.
    written: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The read would block.
    #[default]
    Open,
    Eof,
    Reset,
}

/// The server's end of a [`Pipe`], for tungstenite (`io::Read`) and for a `LeanStream`
/// (`AsyncRead`): a read takes what the peer wrote, then blocks (or ends, or fails).
#[derive(Debug, Clone, Default)]
pub struct Wire(Rc<RefCell<Pipe>>);

impl Wire {
    pub fn push(&self, bytes: &[u8]) {
        self.0.borrow_mut().unread.extend_from_slice(bytes);
    }

    pub fn unread(&self) -> usize {
        self.0.borrow().unread.len()
    }

    /// What a read finds once the unread bytes are read.
    pub fn set_end(&self, end: End) {
        self.0.borrow_mut().end = end;
    }

    pub fn written(&self) -> Vec<u8> {
        self.0.borrow().written.clone()
    }

    pub fn clear_written(&self) {
        self.0.borrow_mut().written.clear();
    }
}

impl io::Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut pipe = self.0.borrow_mut();
        if pipe.unread.is_empty() {
            return match pipe.end {
                End::Open => Err(io::ErrorKind::WouldBlock.into()),
                End::Eof => Ok(0),
                End::Reset => Err(io::ErrorKind::ConnectionReset.into()),
            };
        }
        let n = buf.len().min(pipe.unread.len());
        buf[..n].copy_from_slice(&pipe.unread[..n]);
        pipe.unread.drain(..n);
        Ok(n)
    }
}

impl io::Write for Wire {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().written.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsyncRead for Wire {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match io::Read::read(self.get_mut(), buf.initialize_unfilled()) {
            Ok(n) => {
                buf.advance(n);
                Poll::Ready(Ok(()))
            }
            Err(err) if err.kind() == io::ErrorKind::WouldBlock => Poll::Pending,
            Err(err) => Poll::Ready(Err(err)),
        }
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(io::Write::write(self.get_mut(), buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// `f`'s output: all it waits for is in memory already, so a few polls must do.
pub fn ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let cx = &mut Context::from_waker(Waker::noop());
    for _ in 0..8 {
        if let Poll::Ready(out) = f.as_mut().poll(cx) {
            return out;
        }
    }
    panic!("not ready after 8 polls with every byte in memory");
}
