//! The byte stream under tungstenite, watched: where every frame handed to tungstenite ends,
//! so that [`LeanStream`](super::LeanStream) knows when tungstenite holds no unread byte. It
//! also holds the ping a sleeping stream wrote itself, until all of it is out: every write
//! goes through here, so nothing, tungstenite's writes included, can cut into it.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::control::Outgoing;
use super::WriteProgress;

/// `S`, with a [`Boundary`] that sees every byte read through it, and our own ping's rest,
/// written before anything else.
#[derive(Debug)]
pub(super) struct Tap<S> {
    pub(super) inner: S,
    pub(super) boundary: Boundary,
    pub(super) out: Outgoing,
    /// Counts the bytes `inner` takes from tungstenite, once someone asked for the count.
    /// A sleeping stream's own pings are not counted: a ping waits behind data only while
    /// tungstenite writes, so those are the bytes that tell, and a sleeping connection's ping
    /// cycle does not touch the count.
    pub(super) progress: Option<WriteProgress>,
    /// No automatic pong is waiting: a flush completed since tungstenite last queued one
    /// (tungstenite flushes only once all it buffered, the pong included, is written).
    pub(super) flushed: bool,
}

impl<S> Tap<S> {
    pub(super) fn new(inner: S) -> Self {
        Tap {
            inner,
            boundary: Boundary::default(),
            out: Outgoing::default(),
            progress: None,
            flushed: true,
        }
    }

    fn taken(&self, written: &Poll<io::Result<usize>>) {
        if let Some(progress) = &self.progress {
            progress.taken(written);
        }
    }
}

impl<S: AsyncWrite + Unpin> Tap<S> {
    /// Writes what is left of our own ping. A ping that cannot be written is dropped with
    /// the error: the connection is broken, and the next read finds out how.
    pub(super) fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.out.remaining().is_empty() {
            let err = match Pin::new(&mut self.inner).poll_write(cx, self.out.remaining()) {
                Poll::Ready(Ok(0)) => io::ErrorKind::WriteZero.into(),
                Poll::Ready(Ok(n)) => {
                    self.out.advance(n);
                    continue;
                }
                Poll::Ready(Err(err)) => err,
                Poll::Pending => return Poll::Pending,
            };
            self.out = Outgoing::default();
            return Poll::Ready(Err(err));
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = read {
            this.boundary.observe(&buf.filled()[before..]);
        }
        read
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_drain(cx))?;
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.taken(&written);
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_drain(cx))?;
        let flushed = std::task::ready!(Pin::new(&mut this.inner).poll_flush(cx));
        if flushed.is_ok() {
            this.flushed = true;
        }
        Poll::Ready(flushed)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        std::task::ready!(this.poll_drain(cx))?;
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.taken(&written);
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Follows the byte stream frame by frame (RFC 6455 §5.2), counting the frames that end a
/// message (each one becomes exactly one message out of tungstenite's `read`).
///
/// It starts in the opening handshake and trusts the stream only if the handshake's bytes
/// ended exactly at the end of the HTTP head: bytes read past it (frames a server sent with
/// its 101; a server's handshake refuses them from a client) were kept by tungstenite where
/// nothing here can see them, and such a stream is never put to sleep.
#[derive(Debug, Default)]
pub(super) struct Boundary {
    mode: Mode,
    /// The header of the frame being read, until it is whole.
    header: [u8; 14],
    header_len: u8,
    /// Payload bytes of the current frame still to come.
    remaining: u64,
    /// A data message is open: its first frame came without FIN.
    fragmented: bool,
    /// Frames that end a message, handed to tungstenite and not yet out of it as messages.
    unread: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Reading the HTTP head; `line_empty` while the current line has had nothing but `\r`.
    Head {
        line_empty: bool,
    },
    /// The head ended with the last byte read so far.
    HeadEnded,
    Frames,
    /// Not followed: the stream is never put to sleep.
    Blind,
}

impl Default for Mode {
    fn default() -> Self {
        Mode::Head { line_empty: true }
    }
}

impl Boundary {
    /// The opening handshake was read by someone else, and ended where the stream is now.
    pub(super) fn head_read_elsewhere(&mut self) {
        self.mode = Mode::HeadEnded;
    }

    /// The opening handshake is over: from here on the bytes are frames.
    pub(super) fn handshake_done(&mut self) {
        self.mode = match self.mode {
            Mode::HeadEnded => Mode::Frames,
            _ => Mode::Blind,
        };
    }

    /// Tungstenite handed out one message.
    pub(super) fn message_read(&mut self) {
        match self.unread.checked_sub(1) {
            Some(unread) => self.unread = unread,
            None => self.mode = Mode::Blind,
        }
    }

    /// Tungstenite has read every byte it was given, and no message is half read.
    pub(super) fn is_idle(&self) -> bool {
        self.mode == Mode::Frames
            && self.header_len == 0
            && self.remaining == 0
            && !self.fragmented
            && self.unread == 0
    }

    pub(super) fn observe(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.mode {
                Mode::Head { line_empty } => {
                    self.mode = head_byte(line_empty, bytes[0]);
                    bytes = &bytes[1..];
                }
                // Bytes past the head during the handshake: see the type's comment.
                Mode::HeadEnded | Mode::Blind => {
                    self.mode = Mode::Blind;
                    return;
                }
                Mode::Frames if self.header_len == 0 && self.remaining > 0 => {
                    let n = bytes
                        .len()
                        .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    self.remaining -= n as u64;
                    bytes = &bytes[n..];
                    if self.remaining == 0 {
                        self.frame_done();
                    }
                }
                Mode::Frames => {
                    self.header[usize::from(self.header_len)] = bytes[0];
                    self.header_len += 1;
                    bytes = &bytes[1..];
                    self.header_byte();
                }
            }
        }
    }

    fn header_byte(&mut self) {
        let h = &self.header;
        if self.header_len < 2 {
            return;
        }
        let masked = h[1] & 0x80 != 0;
        let (extended, len7) = match h[1] & 0x7f {
            126 => (2, None),
            127 => (8, None),
            len => (0, Some(u64::from(len))),
        };
        let whole = 2 + extended + if masked { 4 } else { 0 };
        if usize::from(self.header_len) < whole {
            return;
        }
        self.remaining = len7.unwrap_or_else(|| {
            h[2..2 + extended]
                .iter()
                .fold(0u64, |len, &b| (len << 8) | u64::from(b))
        });
        self.header_len = 0;
        if self.remaining == 0 {
            self.frame_done();
        }
    }

    fn frame_done(&mut self) {
        let fin = self.header[0] & 0x80 != 0;
        let opcode = self.header[0] & 0x0f;
        if opcode & 0x08 != 0 {
            self.unread += 1; // a control frame is a message of its own
        } else if fin {
            self.fragmented = false;
            self.unread += 1;
        } else {
            self.fragmented = true;
        }
    }
}

/// The head ends at its first empty line, `\r\n` or a bare `\n` (as lenient as `httparse`,
/// so that this never ends it later than tungstenite does).
fn head_byte(line_empty: bool, byte: u8) -> Mode {
    match byte {
        b'\n' if line_empty => Mode::HeadEnded,
        b'\n' => Mode::Head { line_empty: true },
        b'\r' => Mode::Head { line_empty },
        _ => Mode::Head { line_empty: false },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after_head(bytes: &[u8]) -> Boundary {
        let mut b = Boundary::default();
        b.observe(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        b.handshake_done();
        b.observe(bytes);
        b
    }

    #[test]
    fn a_whole_masked_pong_is_one_unread_message() {
        let mut b = after_head(&[0x8a, 0x84, 1, 2, 3, 4, 9, 9, 9, 9]);
        assert!(!b.is_idle());
        b.message_read();
        assert!(b.is_idle());
    }

    #[test]
    fn a_frame_split_anywhere_is_followed() {
        let mut frame = vec![0x82, 126, 0x01, 0x00];
        frame.extend(std::iter::repeat_n(7, 256));
        for split in 1..frame.len() {
            let mut b = after_head(&frame[..split]);
            assert!(!b.is_idle(), "split at {split}");
            b.observe(&frame[split..]);
            b.message_read();
            assert!(b.is_idle(), "split at {split}");
        }
    }

    #[test]
    fn a_fragmented_message_is_open_until_its_last_frame() {
        // Text without FIN, a ping in between, then the final continuation.
        let mut b = after_head(&[0x01, 1, b'a', 0x89, 0]);
        b.message_read(); // the ping
        assert!(!b.is_idle());
        b.observe(&[0x80, 1, b'b']);
        b.message_read();
        assert!(b.is_idle());
    }

    #[test]
    fn a_64_bit_length_is_read() {
        let mut b = after_head(&[0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
        b.observe(&vec![0; 65_535]);
        assert_eq!(b.unread, 0);
        b.observe(&[0]);
        assert_eq!(b.unread, 1);
    }

    #[test]
    fn bytes_past_the_head_during_the_handshake_blind_it() {
        let mut b = Boundary::default();
        b.observe(b"GET / HTTP/1.1\r\n\r\n\x81\x00");
        b.handshake_done();
        assert_eq!(b.mode, Mode::Blind);
        b.observe(&[0x8a, 0]);
        b.message_read();
        assert!(!b.is_idle());
    }

    #[test]
    fn a_head_with_bare_newlines_ends_where_httparse_ends_it() {
        let mut b = Boundary::default();
        b.observe(b"HTTP/1.1 101 OK\nUpgrade: websocket\n\n");
        b.handshake_done();
        assert!(b.is_idle());
    }

    #[test]
    fn a_handshake_that_never_ended_its_head_is_blind() {
        let mut b = Boundary::default();
        b.observe(b"GET / HTTP/1.1\r\nHost: x\r\n");
        b.handshake_done();
        assert!(!b.is_idle());
    }

    #[test]
    fn more_messages_read_than_framed_blinds_it() {
        let mut b = after_head(&[]);
        b.message_read();
        assert!(!b.is_idle());
    }
}
