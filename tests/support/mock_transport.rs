//! An in-memory transport, so timing can be tested exactly under a paused tokio clock.
//!
//! [`pair`] returns the supervisor's side, a `Stream + Sink` of [`Message`]s, and the test's
//! side, a [`MockPeer`]. Like tokio-tungstenite, what the supervisor sends reaches the peer
//! only when it is flushed, a received ping queues a pong that leaves with the next read or
//! flush, and a received close frame is echoed and then ends the stream. No real time
//! passes anywhere: a message "delayed" by the peer is delivered when the (paused) clock
//! reaches it, which makes round-trip times and deadlines exact.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use futures_util::{Sink, Stream};
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};
use ws_health::tungstenite::protocol::CloseFrame;
use ws_health::tungstenite::Message;

/// The transport's error: a failure the peer injected with [`MockPeer::fail`], or a send
/// that tungstenite would refuse (after a close frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MockError(pub String);

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MockError {}

enum Inbound {
    Message(Message),
    End,
    Error(String),
}

#[derive(Default)]
struct State {
    /// What the peer sent, with the instant it may be read.
    inbound: VecDeque<(Instant, Inbound)>,
    read_waker: Option<Waker>,
    /// Handed to the sink, not yet flushed.
    unflushed: Vec<Message>,
    /// tungstenite's one automatic reply slot: the pong to the peer's last ping, or the
    /// echo of its close frame.
    reply: Option<Message>,
    /// The supervisor sent a close frame.
    we_closed: bool,
    /// The peer's close frame was read.
    peer_closed: bool,
    /// The stream returned its end or an error.
    ended: bool,
    /// The peer answers each ping this long after it was flushed; `None`: it does not.
    pong_delay: Option<Duration>,
    pings_answered: usize,
    /// Flushes wait (a backed-up socket) until the peer releases them.
    flush_held: bool,
    flush_waker: Option<Waker>,
    /// Sends wait too, as on a socket whose write buffer is full.
    writes_held: bool,
    write_waker: Option<Waker>,
}

/// The supervisor's side of the pair.
pub struct MockTransport {
    state: Arc<Mutex<State>>,
    to_peer: mpsc::UnboundedSender<Message>,
    delay: Option<Pin<Box<Sleep>>>,
}

/// The test's side of the pair: sends to the supervisor and sees what it flushed.
pub struct MockPeer {
    state: Arc<Mutex<State>>,
    from_transport: mpsc::UnboundedReceiver<Message>,
}

/// A connected pair. The peer does not answer pings until told to.
pub fn pair() -> (MockTransport, MockPeer) {
    let state = Arc::new(Mutex::new(State::default()));
    let (to_peer, from_transport) = mpsc::unbounded_channel();
    let transport = MockTransport {
        state: state.clone(),
        to_peer,
        delay: None,
    };
    (
        transport,
        MockPeer {
            state,
            from_transport,
        },
    )
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl MockTransport {
    /// Delivers `message` to the peer, or answers it on the peer's behalf (a ping, when the
    /// peer answers pings).
    fn deliver(&self, state: &mut State, message: Message) {
        if let (Message::Ping(payload), Some(delay)) = (&message, state.pong_delay) {
            state.pings_answered += 1;
            push(
                state,
                Instant::now() + delay,
                Inbound::Message(Message::Pong(payload.clone())),
            );
            return;
        }
        // The peer may have gone; what it would have read is simply lost, as on a socket.
        let _ = self.to_peer.send(message);
    }

    fn flush(&self, state: &mut State) {
        let reply = state.reply.take();
        for message in std::mem::take(&mut state.unflushed)
            .into_iter()
            .chain(reply)
        {
            self.deliver(state, message);
        }
    }
}

fn push(state: &mut State, at: Instant, item: Inbound) {
    // FIFO like TCP: nothing overtakes what was sent before it.
    let at = state.inbound.back().map_or(at, |(last, _)| at.max(*last));
    state.inbound.push_back((at, item));
    if let Some(waker) = state.read_waker.take() {
        waker.wake();
    }
}

impl Stream for MockTransport {
    type Item = Result<Message, MockError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let state_arc = this.state.clone();
        let mut state = lock(&state_arc);
        if state.ended {
            return Poll::Ready(None);
        }
        // tungstenite flushes its automatic replies on every read.
        if state.reply.is_some() && !state.flush_held {
            let reply = state.reply.take().expect("checked");
            this.deliver(&mut state, reply);
        }
        // After the peer's close frame (echoed above, or answering ours) the stream ends.
        if state.peer_closed {
            state.ended = true;
            return Poll::Ready(None);
        }
        let Some((at, _)) = state.inbound.front() else {
            state.read_waker = Some(cx.waker().clone());
            return Poll::Pending;
        };
        if *at > Instant::now() {
            let at = *at;
            let delay = this
                .delay
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            delay.as_mut().reset(at);
            if delay.as_mut().poll(cx).is_pending() {
                state.read_waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
        }
        let (_, item) = state.inbound.pop_front().expect("checked");
        match item {
            Inbound::Message(message) => {
                match &message {
                    // A newer ping's pong replaces an unsent one, as in tungstenite.
                    Message::Ping(payload) => state.reply = Some(Message::Pong(payload.clone())),
                    Message::Close(frame) => {
                        state.peer_closed = true;
                        if !state.we_closed {
                            state.reply = Some(Message::Close(frame.clone()));
                        }
                    }
                    _ => {}
                }
                Poll::Ready(Some(Ok(message)))
            }
            Inbound::End => {
                state.ended = true;
                Poll::Ready(None)
            }
            Inbound::Error(reason) => {
                state.ended = true;
                Poll::Ready(Some(Err(MockError(reason))))
            }
        }
    }
}

impl Sink<Message> for MockTransport {
    type Error = MockError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), MockError>> {
        let mut state = lock(&self.state);
        if state.writes_held {
            state.write_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), MockError> {
        let mut state = lock(&self.state);
        if state.ended {
            return Err(MockError("already closed".into()));
        }
        if state.we_closed || state.peer_closed {
            return Err(MockError(format!("send after closing: {message:?}")));
        }
        if let Message::Close(_) = message {
            state.we_closed = true;
        }
        state.unflushed.push(message);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), MockError>> {
        let mut state = lock(&self.state);
        if state.flush_held {
            state.flush_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        self.flush(&mut state);
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), MockError>> {
        self.poll_flush(cx)
    }
}

impl MockPeer {
    /// Sends a message to the supervisor now.
    pub fn send(&self, message: Message) {
        self.send_after(Duration::ZERO, message);
    }

    /// Sends a message that the supervisor can read `delay` from now (and not before
    /// anything sent earlier).
    pub fn send_after(&self, delay: Duration, message: Message) {
        let mut state = lock(&self.state);
        push(
            &mut state,
            Instant::now() + delay,
            Inbound::Message(message),
        );
    }

    pub fn text(&self, text: &str) {
        self.send(Message::text(text));
    }

    pub fn binary(&self, bytes: &[u8]) {
        self.send(Message::binary(bytes.to_vec()));
    }

    pub fn pong(&self, payload: impl Into<bytes::Bytes>) {
        self.send(Message::Pong(payload.into()));
    }

    pub fn close(&self, code: u16, reason: &str) {
        self.send(Message::Close(Some(CloseFrame {
            code: code.into(),
            reason: reason.into(),
        })));
    }

    /// Ends the stream without a close frame, as when TCP goes away.
    pub fn end(&self) {
        let mut state = lock(&self.state);
        push(&mut state, Instant::now(), Inbound::End);
    }

    /// Makes the stream fail with `reason`.
    pub fn fail(&self, reason: &str) {
        let mut state = lock(&self.state);
        push(&mut state, Instant::now(), Inbound::Error(reason.into()));
    }

    /// From now on, answer every ping `delay` after it was flushed; answered pings are not
    /// passed to [`recv`](MockPeer::recv).
    pub fn answer_pings_after(&self, delay: Duration) {
        lock(&self.state).pong_delay = Some(delay);
    }

    /// From now on, pass pings to [`recv`](MockPeer::recv) unanswered.
    pub fn stop_answering_pings(&self) {
        lock(&self.state).pong_delay = None;
    }

    /// Makes flushes wait, as on a socket whose send buffer is full.
    pub fn hold_flushes(&self) {
        lock(&self.state).flush_held = true;
    }

    /// Makes sends wait (and with them the driver's outbound queue), until
    /// [`release_writes`](MockPeer::release_writes).
    pub fn hold_writes(&self) {
        lock(&self.state).writes_held = true;
    }

    /// Lets waiting sends go on.
    pub fn release_writes(&self) {
        let mut state = lock(&self.state);
        state.writes_held = false;
        if let Some(waker) = state.write_waker.take() {
            waker.wake();
        }
    }

    /// Lets waiting flushes complete.
    pub fn release_flushes(&self) {
        let mut state = lock(&self.state);
        state.flush_held = false;
        if let Some(waker) = state.flush_waker.take() {
            waker.wake();
        }
    }

    /// Pings answered automatically so far.
    pub fn pings_answered(&self) -> usize {
        lock(&self.state).pings_answered
    }

    /// The next message the supervisor flushed; `None` once the transport was dropped (the
    /// driver ended) and everything flushed before was read. Panics after an hour: on the
    /// paused clock these tests run on, that costs little and turns a message that never
    /// comes into a failure, where the driver's timers would otherwise advance the clock
    /// forever.
    pub async fn recv(&mut self) -> Option<Message> {
        self.recv_within(Duration::from_secs(3600)).await
    }

    /// [`recv`](MockPeer::recv), panicking after `limit` instead of an hour.
    pub async fn recv_within(&mut self, limit: Duration) -> Option<Message> {
        tokio::time::timeout(limit, self.from_transport.recv())
            .await
            .unwrap_or_else(|_| panic!("the supervisor flushed nothing for {limit:?}"))
    }

    /// The next flushed message if there is one already.
    pub fn try_recv(&mut self) -> Option<Message> {
        self.from_transport.try_recv().ok()
    }

    /// Whether the supervisor has dropped the transport (and so the "TCP connection").
    pub fn is_dropped(&self) -> bool {
        self.from_transport.is_closed()
    }

    /// The next flushed message that is not a ping, answering pings on the way.
    pub async fn next_answering_pings(&mut self) -> Option<Message> {
        loop {
            match self.recv().await? {
                Message::Ping(payload) => self.send(Message::Pong(payload)),
                other => return Some(other),
            }
        }
    }
}

/// The code and reason of a close message; panics on anything else.
pub fn close_of(message: &Message) -> (u16, String) {
    match message {
        Message::Close(Some(frame)) => (u16::from(frame.code), frame.reason.as_str().to_owned()),
        Message::Close(None) => (1005, String::new()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}
