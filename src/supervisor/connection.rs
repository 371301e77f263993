//! The application's side of a supervised connection.

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::Stream;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tracing::field::DisplayValue;

use super::shared::{signal, Shared};
use super::{Disconnect, TrySendError};
use crate::{frame, Health, Result, Stats};

/// A supervised connection, as the application sees it: receive with
/// [`recv`](Connection::recv) or as a [`Stream`], send through [`Sender`]s (this type derefs
/// to one), watch its health and read its stats.
///
/// Only Text and Binary messages reach [`recv`](Connection::recv); the supervisor answers
/// pings and runs the close handshake. The application may send a Ping (or measure one with
/// [`Sender::ping`]) and a Close (as [`Sender::close`] does), never a Pong or a raw Frame. A
/// Ping sent as a message is in order with the data and counted as a message sent, not as a
/// ping (nor its pong, nor a latency sample) in the [`Stats`]; its pong answers the
/// supervisor's pings written before it (a peer may answer only the latest), unless an
/// earlier Ping of the application's with the same payload still awaits its own.
/// Dropping the connection frees its unread messages, and what arrives later is dropped;
/// dropping it and every [`Sender`] closes the connection with 1000.
#[must_use = "dropping the Connection and every Sender closes the connection with 1000"]
pub struct Connection {
    sender: Sender,
}

/// The cloneable sending and controlling half of a [`Connection`].
pub struct Sender {
    pub(super) shared: Arc<Shared>,
}

impl Connection {
    /// The connection's `id` and `peer`, for an event about it where its span is off (see
    /// `Shared::unspanned`).
    pub(crate) fn unspanned(&self) -> (Option<u64>, Option<DisplayValue<SocketAddr>>) {
        self.sender.shared.unspanned()
    }

    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Connection {
            sender: Sender::new(shared),
        }
    }

    /// Receives the next application message; `None` once the connection has ended and
    /// every message received before the end has been taken.
    ///
    /// Cancel-safe: a message is taken from the queue only when `recv` returns it, so it can
    /// be a branch of `tokio::select!`.
    pub async fn recv(&mut self) -> Option<Message> {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next application message.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        let shared = &self.sender.shared;
        let idle = || shared.inbound_len() == 0 && !shared.signalled(signal::ENDED);
        // Nothing queued: register, then look again (a message that arrived in between
        // woke the waker just registered), all without the lock.
        if idle() {
            shared.recv_waker.register(cx.waker());
            if idle() {
                return Poll::Pending;
            }
        }
        let mut inner = shared.lock();
        if let (Some(message), was_full) = shared.pop_inbound(&mut inner) {
            drop(inner);
            if was_full {
                // The driver stopped reading when the queue filled; let it resume.
                shared.wake_driver();
            }
            return Poll::Ready(Some(message));
        }
        if inner.ended.is_some() {
            return Poll::Ready(None);
        }
        shared.recv_waker.register(cx.waker());
        Poll::Pending
    }

    /// Messages received and not yet taken.
    pub(crate) fn unread(&self) -> usize {
        self.sender.shared.inbound_len()
    }

    /// A cloneable handle for sending and closing from other tasks.
    pub fn sender(&self) -> Sender {
        self.sender.clone()
    }
}

impl std::ops::Deref for Connection {
    type Target = Sender;

    fn deref(&self) -> &Sender {
        &self.sender
    }
}

impl Stream for Connection {
    type Item = Message;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Message>> {
        self.get_mut().poll_recv(cx)
    }
}

impl Sender {
    fn new(shared: Arc<Shared>) -> Self {
        shared.handle_opened();
        Sender { shared }
    }

    /// The connection's id, unique within the process.
    pub fn id(&self) -> u64 {
        self.shared.id
    }

    /// The peer's address, when the connection was attached with one (the runtime's server
    /// and client always do).
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.shared.peer
    }

    /// A handle that does not keep the connection open, for registries that follow
    /// connections (dropping every [`Sender`] still closes the connection).
    pub fn downgrade(&self) -> WeakSender {
        WeakSender {
            id: self.shared.id,
            shared: Arc::downgrade(&self.shared),
        }
    }

    /// Queues a message, waiting while the outbound queue is full; a close started meanwhile
    /// ends the wait with `Closed`.
    ///
    /// Cancelling it (a `select!` branch that loses) drops the message unqueued, as tokio's
    /// `mpsc::Sender::send` does; [`try_send`](Sender::try_send) hands it back instead.
    ///
    /// A [`Message::Close`] starts the close, as [`try_send`](Sender::try_send) says.
    ///
    /// # Errors
    /// [`ErrorKind::Closed`](crate::ErrorKind::Closed) once the connection is closing or closed;
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a message over the
    /// size limit, a Pong, a raw Frame, a Ping over 125 bytes, or a Close that
    /// [`close`](Sender::close) would refuse.
    pub async fn send(&self, message: Message) -> Result<()> {
        let mut message = message;
        loop {
            let changed = self.shared.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            match self.try_send(message) {
                Err(TrySendError::Full(m)) => message = m,
                Err(err) => return Err(err.into()),
                Ok(()) => return Ok(()),
            }
            changed.await;
        }
    }

    /// Queues a message if there is room, without waiting.
    ///
    /// A [`Message::Close`] is not queued: it starts the close as [`close`](Sender::close)
    /// does, with its frame's code and reason, or 1000 without a frame; unlike `close`, it
    /// fails with `Closed` on a connection already closing, as any message does.
    ///
    /// # Errors
    /// The message comes back inside the error: never silently dropped.
    /// [`TrySendError::Invalid`] for a Pong or a raw Frame, which would go around the
    /// supervisor, a Ping over 125 bytes, and a Close that [`close`](Sender::close) would
    /// refuse.
    pub fn try_send(&self, message: Message) -> std::result::Result<(), TrySendError> {
        let Message::Close(frame) = &message else {
            return self.shared.push_outbound(message, true);
        };
        let Ok(frame) = frame::requested_close(frame.as_ref()) else {
            return Err(TrySendError::Invalid(message));
        };
        if !self.request_close(frame) {
            // As any message: the connection is closing, or closed, already.
            return Err(TrySendError::Closed(message));
        }
        Ok(())
    }

    /// Queues a message past the outbound queue's capacity: for the runtime's client, whose
    /// own queue is bounded, to hand over what it accepted before it closes.
    pub(crate) fn send_unbounded(&self, message: Message) -> std::result::Result<(), TrySendError> {
        self.shared.push_outbound(message, false)
    }

    /// Starts the close handshake with `code` and `reason`; the supervisor sends queued
    /// messages first, then the close frame, and drops TCP after the policy's close timeout
    /// if the peer does not answer. Await [`closed`](Sender::closed) for the end. On a
    /// connection already closing or closed it does nothing: the first close stands (unless
    /// the peer's close is read before ours left: the end is then the peer's).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a code that may not be
    /// sent (1005, 1006, 1015, …) or a reason over 123 bytes.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.start_close(code, reason).map(drop)
    }

    /// As [`close`](Sender::close); true if this call started the close.
    pub(crate) fn start_close(&self, code: u16, reason: &str) -> Result<bool> {
        Ok(self.request_close(frame::close_frame(code, reason)?))
    }

    /// Asks the driver to close with `frame`; true if this started the close.
    fn request_close(&self, frame: CloseFrame) -> bool {
        let started = self.shared.request_close(|| frame);
        self.shared.wake_driver();
        started
    }

    /// Waits until the connection has ended, and says how.
    pub async fn closed(&self) -> Disconnect {
        self.shared.ended().await
    }

    /// How the connection ended, if it has.
    pub fn disconnect(&self) -> Option<Disconnect> {
        self.shared.lock().ended.as_deref().cloned()
    }

    /// The close frame our side sends (the application's or a policy's), once its close has
    /// begun.
    pub(crate) fn closing_with(&self) -> Option<CloseFrame> {
        self.shared.lock().close_request.as_deref().cloned()
    }

    /// The connection's current health.
    pub fn health(&self) -> Health {
        self.shared.health.get()
    }

    /// A receiver of the connection's health: woken by each change of status, and of reason
    /// where a check's status changed and the connection's did not; it reads the latest
    /// (changes in quick succession may be seen as one, as with any `watch`; an
    /// [`Observer`](crate::supervisor::Observer) is told of each change of status).
    pub fn watch_health(&self) -> watch::Receiver<Health> {
        self.shared.health.subscribe()
    }

    /// A snapshot of the connection's statistics.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// The connection's state for its checks (`CheckContext::state`), if it has state of
    /// type `T`: the handler's way to the same cell a session check reads.
    pub fn state<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        self.shared.state.clone()?.downcast::<T>().ok()
    }

    /// The round-trip time of the last answered ping; zero before the first (Python
    /// `websockets`' `latency`).
    pub fn latency(&self) -> Duration {
        self.stats().latency
    }
}

impl Clone for Sender {
    fn clone(&self) -> Self {
        Sender::new(self.shared.clone())
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        self.shared.handle_dropped();
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.sender.shared.receiver_dropped();
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("id", &self.id())
            .finish()
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("id", &self.id()).finish()
    }
}

/// A [`Sender`] that does not keep the connection open: from [`Sender::downgrade`].
///
/// ```no_run
/// # async fn run(conn: ws_health::Connection) {
/// let weak = conn.downgrade();
/// assert_eq!(weak.id(), conn.id());
/// if let Some(sender) = weak.upgrade() {
///     sender.close(1001, "going away").ok();
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct WeakSender {
    id: u64,
    shared: Weak<Shared>,
}

impl WeakSender {
    /// The connection's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// A [`Sender`], if the connection's state still exists. Dropping it may close the
    /// connection if it is the last handle, as with any `Sender`.
    pub fn upgrade(&self) -> Option<Sender> {
        self.shared.upgrade().map(Sender::new)
    }

    /// A [`Sender`] if a [`Connection`] or another [`Sender`] still holds the connection
    /// open, decided atomically: not one whose last handle is dropping meanwhile, whose close
    /// (1000) a new handle would put off.
    pub(crate) fn upgrade_held(&self) -> Option<Sender> {
        let shared = self.shared.upgrade()?;
        // Built only once counted: a `Sender` made and refused would drop one handle more.
        shared.try_open_handle().then(|| Sender { shared })
    }

    /// The connection's health and stats, if its state still exists, read without a handle:
    /// a look must not hold open (even for a moment) a connection no handle holds.
    pub(crate) fn health_and_stats(&self) -> Option<(Health, Stats)> {
        let shared = self.shared.upgrade()?;
        Some((shared.health.get(), shared.stats()))
    }

    /// Whether a [`Connection`] or [`Sender`] still holds the connection open.
    pub(crate) fn held(&self) -> bool {
        self.shared
            .upgrade()
            .is_some_and(|shared| !shared.abandoned())
    }

    /// Returns once the connection has ended, holding no handle meanwhile: dropping the
    /// others still closes it.
    pub(crate) async fn ended(&self) {
        if let Some(shared) = self.shared.upgrade() {
            shared.ended().await;
        }
    }
}

impl fmt::Debug for WeakSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").field("id", &self.id).finish()
    }
}
