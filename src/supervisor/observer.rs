//! A hook for registries that follow connections without owning them (the runtime's hub).

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{Disconnect, Sender};
use crate::lean::WriteProgress;
use crate::{Health, Status};

/// Told about a connection's life by its driver: when it is attached, each time its status
/// changes, and when it ends.
///
/// The calls run in order, and must not block: `opened` in the call that attaches the connection,
/// the others on the connection's task (`closed` where the driver future is dropped, if it is
/// dropped unfinished). Update a map or send on a channel. They cost nothing when no observer is
/// set, and nothing per ping when one is. Keep a [`WeakSender`](super::WeakSender) (from
/// [`Sender::downgrade`]), not a [`Sender`]: a `Sender` keeps the connection open.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use ws_health::supervisor::{Disconnect, Observer};
/// use ws_health::Sender;
///
/// #[derive(Default)]
/// struct Open(AtomicUsize);
///
/// impl Observer for Open {
///     fn opened(&self, _: &Sender, _: Option<std::net::SocketAddr>) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
///     fn closed(&self, _: u64, _: &Disconnect) {
///         self.0.fetch_sub(1, Ordering::Relaxed);
///     }
/// }
/// ```
pub trait Observer: Send + Sync + 'static {
    /// A connection was attached to its supervisor; its status is Healthy "connected".
    fn opened(&self, connection: &Sender, peer: Option<SocketAddr>) {
        let _ = (connection, peer);
    }

    /// Connection `id` moved from `from` to `health.status()`.
    fn status_changed(&self, id: u64, from: Status, health: &Health) {
        let _ = (id, from, health);
    }

    /// Connection `id` ended.
    fn closed(&self, id: u64, end: &Disconnect) {
        let _ = (id, end);
    }
}

/// Runs one call of an application's observer. A panic is logged, not let through: it
/// would end the connection's driver, or the call that attaches it, and leave the observer
/// with an open connection it is never told the end of.
pub(crate) fn call_observer(event: &'static str, call: impl FnOnce()) {
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        let panic = crate::error::panic_message(&*panic);
        tracing::error!(event, panic, "observer panicked");
    }
}

/// Which end of the connection this process is: in the hub's snapshots and events, and the
/// `side` label of the [metrics](crate::metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Side {
    /// Accepted by a server of this process.
    Server,
    /// Opened by a client of this process.
    Client,
}

/// What the supervisor knows about a connection beyond its transport: for
/// [`Supervisor::attach_with`](super::Supervisor::attach_with).
///
/// The peer's address, state for checks, an observer, and the span the driver runs in.
///
/// ```
/// use ws_health::supervisor::ConnectionInfo;
///
/// let info = ConnectionInfo::new().with_peer("127.0.0.1:9000".parse().unwrap());
/// assert_eq!(info.peer(), Some("127.0.0.1:9000".parse().unwrap()));
/// ```
#[derive(Clone, Default)]
#[must_use]
pub struct ConnectionInfo {
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) state: Option<Arc<dyn Any + Send + Sync>>,
    pub(crate) observer: Option<Arc<dyn Observer>>,
    pub(crate) span: Option<tracing::Span>,
    pub(crate) write_progress: Option<WriteProgress>,
    pub(crate) side: Option<Side>,
}

impl ConnectionInfo {
    /// No peer address, no state, no observer.
    pub fn new() -> Self {
        ConnectionInfo::default()
    }

    /// Which end this process is, for the `side` label of the [metrics](crate::metrics)
    /// (`other` without it). The runtime's server and client set it.
    pub fn with_side(mut self, side: Side) -> Self {
        self.side = Some(side);
        self
    }

    /// The peer's address, shown by [`Sender::peer_addr`] and given to the observer.
    pub fn with_peer(mut self, peer: SocketAddr) -> Self {
        self.peer = Some(peer);
        self
    }

    /// Per-connection state for checks (see
    /// [`Supervisor::supervise_with_state`](super::Supervisor::supervise_with_state)).
    pub fn with_state(mut self, state: Arc<dyn Any + Send + Sync>) -> Self {
        self.state = Some(state);
        self
    }

    /// An observer told about this connection's life.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The span the connection's driver runs in, instead of a new
    /// `ws_health.connection{id}`; the connection's id is recorded in its `id` field, if it
    /// declares one (`id = tracing::field::Empty`). If a filter disabled the span, the
    /// driver makes its own after all, so that its events keep the id.
    ///
    /// For an application that already has a span per connection (its accept or upgrade
    /// span): a subscriber keeps each live span's data, 0.26–0.39 KiB per connection with
    /// `tracing_subscriber::fmt` at 19,000 connections, so one span per connection instead of
    /// two saves that much. The runtime's server does this.
    ///
    /// ```
    /// use ws_health::supervisor::ConnectionInfo;
    ///
    /// let span = tracing::info_span!("ws_health.connection", peer = "127.0.0.1:9000", id = tracing::field::Empty);
    /// let info = ConnectionInfo::new().with_span(span);
    /// # let _ = info;
    /// ```
    pub fn with_span(mut self, span: tracing::Span) -> Self {
        self.span = Some(span);
        self
    }

    /// The count of bytes the connection's socket takes, so that a ping waiting behind our
    /// own large message on a slow link is missed only once the socket stops taking bytes,
    /// not merely because it is not out by its deadline (see [`WriteProgress`]). The
    /// runtime gives its `LeanStream`'s over plain TCP, and a [`Counted`](crate::lean::Counted)
    /// count beneath TLS and on the client; a `LeanStream` you supervise yourself needs it
    /// given here.
    pub fn with_write_progress(mut self, progress: WriteProgress) -> Self {
        self.write_progress = Some(progress);
        self
    }

    /// The peer's address, if known.
    pub fn peer(&self) -> Option<SocketAddr> {
        self.peer
    }
}

impl fmt::Debug for ConnectionInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionInfo")
            .field("peer", &self.peer)
            .field("state", &self.state.is_some())
            .field("observer", &self.observer.is_some())
            .field("span", &self.span.is_some())
            .field("write_progress", &self.write_progress)
            .field("side", &self.side)
            .finish()
    }
}
