//! The stream itself: asleep or awake, and the moves between (see the [module](super)).

use std::future::Future;
use std::io;
use std::mem::{self, MaybeUninit};
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use futures_util::stream::FusedStream;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::WebSocketStream;

use super::control::{self, Outgoing};
use super::tap::Tap;
use super::WriteProgress;

/// A WebSocket stream over `S` that releases tungstenite's buffers while idle: a
/// `Stream` (fused) of messages and a `Sink` for them, like
/// `tokio_tungstenite::WebSocketStream`, which it wraps (see the [module](super) for when it
/// sleeps).
///
/// Supervised by hand, it gives the supervisor its [write progress](Self::write_progress),
/// as the runtime's server does over plain TCP (over TLS, count beneath TLS with
/// [`Counted`](crate::lean::Counted)):
///
/// ```no_run
/// # async fn run(tcp: tokio::net::TcpStream) -> Result<(), ws_health::Error> {
/// use ws_health::supervisor::ConnectionInfo;
///
/// let mut ws = ws_health::LeanStream::accept(tcp).await?;
/// let info = ConnectionInfo::new().with_write_progress(ws.write_progress());
/// let (mut conn, driver) = ws_health::Supervisor::new().attach_with(ws, info);
/// tokio::spawn(driver);
/// while let Some(message) = conn.recv().await {
///     conn.send(message).await?;
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LeanStream<S> {
    state: State<S>,
    role: Role,
    /// Sleeping is allowed (`socket.sleep_when_idle`).
    sleeps: bool,
    /// The last ping interval saw no data message, nor has the current one so far.
    quiet: bool,
    data_since_ping: bool,
    /// The application's messages went to tungstenite and have not been flushed.
    unflushed: bool,
    /// A close frame went either way, or the stream failed: it stays awake to its end.
    ending: bool,
    /// A read failed while asleep: the stream has ended, as tokio-tungstenite's does.
    ended: bool,
    /// The last ping's payload: a pong that echoes it is handed out without a copy.
    last_ping: Bytes,
}

#[derive(Debug)]
enum State<S> {
    /// Boxed, so that a sleeping connection holds none of tungstenite's state either.
    Awake(Box<WebSocketStream<Tap<S>>>),
    Asleep {
        io: Tap<S>,
        config: WebSocketConfig,
        /// A split stream's writer parked on our half-written ping: woken when tungstenite
        /// wakes, whose writes (a pong) take the byte stream's one write slot from it.
        writer: Option<Waker>,
    },
    /// Only while a method moves the stream between the two.
    Moving,
}

/// Bytes read at once while asleep: a pong frame with the longest payload is 131.
const ASLEEP_READ: usize = 256;

impl<S: AsyncRead + AsyncWrite + Unpin> LeanStream<S> {
    /// Wraps a stream whose opening handshake is done (the constructors are in `open.rs`).
    pub(super) fn new(mut ws: WebSocketStream<Tap<S>>, role: Role) -> Self {
        ws.get_mut().boundary.handshake_done();
        let mut lean = LeanStream {
            state: State::Awake(Box::new(ws)),
            role,
            sleeps: true,
            quiet: true,
            data_since_ping: false,
            unflushed: false,
            ending: false,
            ended: false,
            last_ping: Bytes::new(),
        };
        lean.try_sleep();
        lean
    }

    /// Allows or forbids sleeping (allowed by default). Forbidden, a sleeping stream wakes at
    /// once and from then on behaves as the `WebSocketStream` it wraps.
    pub fn set_sleep_when_idle(&mut self, sleeps: bool) {
        self.sleeps = sleeps;
        if sleeps {
            self.try_sleep();
        } else if self.is_asleep() {
            self.wake(Vec::new(), Waker::noop());
        }
    }

    /// A count of the bytes the byte stream under this stream takes from tungstenite from now on (a
    /// sleeping stream's own small pings aside), kept up to date by the stream. Give it to the
    /// supervisor with
    /// [`ConnectionInfo::with_write_progress`](crate::supervisor::ConnectionInfo::with_write_progress),
    /// so that a ping waiting behind a large message on a slow link is not taken for a dead peer.
    /// Every call returns the same count. Over TLS it counts what the TLS stream takes, rustls's
    /// own buffer included: count beneath TLS with [`Counted`](crate::lean::Counted) instead.
    pub fn write_progress(&mut self) -> WriteProgress {
        let tap = match &mut self.state {
            State::Awake(ws) => ws.get_mut(),
            State::Asleep { io, .. } => io,
            State::Moving => return WriteProgress::new(), // never seen outside a method
        };
        tap.progress.get_or_insert_with(WriteProgress::new).clone()
    }

    /// Whether tungstenite's stream is asleep now, its buffers released.
    pub fn is_asleep(&self) -> bool {
        matches!(self.state, State::Asleep { .. })
    }

    fn try_sleep(&mut self) {
        let State::Awake(ws) = &self.state else {
            return;
        };
        if !self.sleeps
            || self.ending
            || self.unflushed
            || !ws.get_ref().flushed // an automatic pong may not have left
            // A split writer may be parked on our ping's rest in tungstenite's waker proxies,
            // which the next tungstenite's would take the byte stream's slots from.
            || !ws.get_ref().out.remaining().is_empty()
            || self.data_since_ping
            || !self.quiet
            || !ws.get_ref().boundary.is_idle()
        {
            return;
        }
        let config = *ws.get_config();
        self.state = match mem::replace(&mut self.state, State::Moving) {
            State::Awake(ws) => State::Asleep {
                io: ws.into_inner(),
                config,
                writer: None,
            },
            other => other,
        };
    }

    /// Rebuilds tungstenite's stream, handing it the bytes read while asleep.
    fn wake(&mut self, part: Vec<u8>, waker: &Waker) {
        self.state = match mem::replace(&mut self.state, State::Moving) {
            State::Asleep {
                mut io,
                config,
                writer,
            } => {
                // It polls again through tungstenite, whose proxies wake every task.
                if let Some(writer) = writer {
                    writer.wake();
                }
                io.boundary.observe(&part);
                let ws = WebSocketStream::from_partially_read(io, part, self.role, Some(config));
                // Ready at its first poll: it only wraps the stream.
                match pin!(ws).poll(&mut Context::from_waker(waker)) {
                    Poll::Ready(ws) => State::Awake(Box::new(ws)),
                    Poll::Pending => State::Moving,
                }
            }
            other => other,
        };
    }

    fn awake(&mut self) -> Result<&mut WebSocketStream<Tap<S>>, Error> {
        match &mut self.state {
            State::Awake(ws) => Ok(ws),
            _ => Err(Error::Io(io::Error::other(
                "ws-health: the stream was lost while waking",
            ))),
        }
    }

    /// Reads while asleep: a pong that comes alone is handed out here; anything else wakes
    /// tungstenite's stream with what was read. Reading never waits for our own ping: the
    /// `Tap` writes its rest before anything else.
    fn poll_asleep(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        let State::Asleep { io, config, .. } = &mut self.state else {
            return self.poll_awake(cx);
        };
        let max_frame = config.max_frame_size.unwrap_or(usize::MAX);
        let mut buf = [MaybeUninit::uninit(); ASLEEP_READ];
        let mut read = ReadBuf::uninit(&mut buf);
        match Pin::new(&mut io.inner).poll_read(cx, &mut read) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(err)) => {
                self.ending = true;
                self.ended = true;
                return Poll::Ready(Some(Err(Error::Io(err))));
            }
            Poll::Ready(Ok(())) => {}
        }
        let mut payload = [0; 125];
        let pong = control::pong(read.filled(), self.role, &mut payload);
        // A pong over the frame limit is tungstenite's to refuse.
        if let Some(pong) = pong.filter(|p| p.len() <= max_frame) {
            let pong = if pong == &self.last_ping[..] {
                self.last_ping.clone()
            } else {
                Bytes::copy_from_slice(pong)
            };
            return Poll::Ready(Some(Ok(Message::Pong(pong))));
        }
        // The end of the stream too: tungstenite reads it again and ends as it always does.
        self.wake(read.filled().to_vec(), cx.waker());
        self.poll_awake(cx)
    }

    fn poll_awake(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        let ws = match self.awake() {
            Ok(ws) => ws,
            Err(err) => {
                // One error, then the end, as tokio-tungstenite ends after a failed read.
                self.ending = true;
                self.ended = true;
                return Poll::Ready(Some(Err(err)));
            }
        };
        match ws.poll_next_unpin(cx) {
            Poll::Ready(Some(Ok(message))) => {
                ws.get_mut().boundary.message_read();
                match message {
                    Message::Text(_) | Message::Binary(_) => self.data_since_ping = true,
                    // tungstenite queued a pong: it has left once a flush completes, which a
                    // read does when it can, so a reader that never flushes sleeps again.
                    Message::Ping(_) => ws.get_mut().flushed = false,
                    Message::Close(_) => self.ending = true,
                    Message::Pong(_) | Message::Frame(_) => {}
                }
                Poll::Ready(Some(Ok(message)))
            }
            Poll::Pending => {
                self.try_sleep();
                Poll::Pending
            }
            ended => {
                self.ending = true;
                ended
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for LeanStream<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match this.state {
            _ if this.ended => Poll::Ready(None),
            State::Asleep { .. } => this.poll_asleep(cx),
            _ => this.poll_awake(cx),
        }
    }
}

/// Terminated once the stream has given its end, as `tokio_tungstenite::WebSocketStream`.
impl<S: AsyncRead + AsyncWrite + Unpin> FusedStream for LeanStream<S> {
    fn is_terminated(&self) -> bool {
        match &self.state {
            _ if self.ended => true,
            State::Awake(ws) => ws.is_terminated(),
            _ => false,
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for LeanStream<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        match &mut this.state {
            // Our last ping is out before the next message is taken.
            State::Asleep { io, writer, .. } => {
                parked(io.poll_drain(cx), writer, cx).map_err(Error::Io)
            }
            _ => this.awake()?.poll_ready_unpin(cx),
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        let this = self.get_mut();
        match &message {
            Message::Ping(payload) => {
                this.last_ping = payload.clone();
                this.quiet = !this.data_since_ping;
                this.data_since_ping = false;
            }
            // A raw frame may be data: it keeps the stream awake.
            Message::Text(_) | Message::Binary(_) | Message::Frame(_) => {
                this.data_since_ping = true;
            }
            Message::Close(_) => this.ending = true,
            Message::Pong(_) => {}
        }
        if let State::Asleep { io, .. } = &mut this.state {
            // Inline only behind nothing: a ping of ours still half written (the stream may
            // have woken and slept again since) goes first, drained by tungstenite's write.
            if let Message::Ping(payload) = &message {
                let ours = Outgoing::ping(payload, this.role);
                if let Some(out) = ours.filter(|_| io.out.remaining().is_empty()) {
                    io.out = out;
                    return Ok(());
                }
            }
            // The waker is set again by the next poll of any kind.
            this.wake(Vec::new(), Waker::noop());
        }
        this.unflushed = true;
        this.awake()?.start_send_unpin(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        if let State::Asleep { io, writer, .. } = &mut this.state {
            return parked(Pin::new(io).poll_flush(cx), writer, cx).map_err(Error::Io);
        }
        let flushed = std::task::ready!(this.awake()?.poll_flush_unpin(cx));
        if flushed.is_ok() {
            this.unflushed = false;
            this.try_sleep();
        }
        Poll::Ready(flushed)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.ending = true;
        if this.is_asleep() {
            this.wake(Vec::new(), cx.waker());
        }
        this.awake()?.poll_close_unpin(cx)
    }
}

/// Keeps the waker of a writer whose poll is parked on the byte stream while asleep.
fn parked<T>(poll: Poll<T>, writer: &mut Option<Waker>, cx: &Context<'_>) -> Poll<T> {
    if poll.is_pending() && !writer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
        *writer = Some(cx.waker().clone());
    }
    poll
}
