//! The hub: a registry of live supervised connections, server and client side.
//!
//! The hub follows connections through the supervisor's [`Observer`] hook: it is told when a
//! connection opens (on the task that supervises it), changes status and ends (on the connection's
//! own task). The hub holds [`WeakSender`]s and ids, never a `Sender`, so it keeps no connection
//! open, and it costs no task, no timer and nothing per ping.

mod event;
mod observer;
mod registry;
mod snapshot;

pub use event::HubEvent;
pub use snapshot::{ConnectionSnapshot, StatusCounts};

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::{broadcast, Notify};

pub use crate::supervisor::Side;
use crate::supervisor::{Observer, WeakSender};
use crate::{Result, Sender};
use observer::HubObserver;
use registry::Registry;

/// A registry of live supervised connections: counts per status, a snapshot of each, a
/// stream of status changes, and close-all for shutdown. Clones share one registry.
///
/// The runtime's [`Server`](super::Server) and [`Client`](super::Client) register their
/// connections in the hub they are given; for connections you supervise yourself, pass
/// [`Hub::observer`] in a [`ConnectionInfo`](crate::supervisor::ConnectionInfo).
///
/// ```no_run
/// # async fn run(ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) {
/// use ws_health::runtime::{Hub, Side};
/// use ws_health::supervisor::ConnectionInfo;
/// use ws_health::Supervisor;
///
/// let hub = Hub::new();
/// let info = ConnectionInfo::new()
///     .with_side(Side::Server) // the metrics' `side` label
///     .with_observer(hub.observer(Side::Server));
/// let (conn, driver) = Supervisor::new().attach_with(ws, info);
/// tokio::spawn(driver);
/// println!("{:?}", hub.counts());
/// let json = serde_json::to_string(&hub.snapshot()).unwrap();
/// # drop((conn, json));
/// # }
/// ```
///
/// # Consistency
/// [`len`](Hub::len), [`counts`](Hub::counts), [`get`](Hub::get) and
/// [`snapshot`](Hub::snapshot) each look at the hub once, under its lock: each call sees one
/// instant, two calls two instants, between which connections may open, change or close. An
/// event received from [`subscribe`](Hub::subscribe) is already in what they show. A status
/// change reaches the connection a moment (microseconds) before the hub, and a snapshot,
/// which lists the connections live at its instant, reads each one's status, reason and
/// stats from the connection itself: a row may show a status that `counts` does not count
/// yet, and a connection that ends while the snapshot is taken may be left out. For counts
/// that agree with a snapshot, count the snapshot:
///
/// ```
/// # let hub = ws_health::runtime::Hub::new();
/// use ws_health::Status;
///
/// let all = hub.snapshot();
/// let unhealthy = all.iter().filter(|c| c.status == Status::Unhealthy).count();
/// # assert_eq!(unhealthy, 0);
/// ```
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

pub(crate) struct HubInner {
    conns: Mutex<Registry>,
    events: broadcast::Sender<HubEvent>,
    emptied: Notify,
}

/// Events kept for a subscriber that falls behind before it sees `Lagged`.
const EVENT_CAPACITY: usize = 1024;

impl Hub {
    /// An empty hub.
    pub fn new() -> Self {
        Hub {
            inner: Arc::new(HubInner {
                conns: Mutex::new(Registry::default()),
                events: broadcast::Sender::new(EVENT_CAPACITY),
                emptied: Notify::new(),
            }),
        }
    }

    /// The observer that registers connections of `side` in this hub; one allocation, shared
    /// by every connection given it.
    pub fn observer(&self, side: Side) -> Arc<dyn Observer> {
        Arc::new(HubObserver {
            hub: self.inner.clone(),
            side,
        })
    }

    /// Live connections.
    pub fn len(&self) -> usize {
        self.inner.lock().len()
    }

    /// Whether no connection is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Live connections per status: a tally the hub keeps as connections open, change status
    /// and close, so that counting walks no connection. How it agrees with
    /// [`snapshot`](Hub::snapshot): [Consistency](Hub#consistency).
    pub fn counts(&self) -> StatusCounts {
        self.inner.lock().counts()
    }

    /// A snapshot of every live connection, by id, read from each of them.
    /// How it agrees with [`counts`](Hub::counts): [Consistency](Hub#consistency).
    pub fn snapshot(&self) -> Vec<ConnectionSnapshot> {
        let live: Vec<_> = self
            .inner
            .lock()
            .entries()
            .map(|e| (e.sender.clone(), e.side, e.peer))
            .collect();
        let mut all: Vec<_> = live
            .into_iter()
            .filter_map(|(weak, side, peer)| ConnectionSnapshot::of(&weak, side, peer))
            .collect();
        all.sort_by_key(|s| s.id);
        all
    }

    /// A snapshot of connection `id`, if it is live.
    pub fn get(&self, id: u64) -> Option<ConnectionSnapshot> {
        let (weak, side, peer) = {
            let conns = self.inner.lock();
            let e = conns.get(id)?;
            (e.sender.clone(), e.side, e.peer)
        };
        ConnectionSnapshot::of(&weak, side, peer)
    }

    /// A [`Sender`] to connection `id`, if it is live: to close one connection the hub
    /// follows (a revoked session's), or to send it a message. Hold it only while you use
    /// it: a `Sender` keeps its connection open.
    pub fn sender(&self, id: u64) -> Option<Sender> {
        let weak = self.inner.lock().get(id)?.sender.clone();
        // Not one no handle holds any more: that one is closing (1000), and a new handle
        // would put its close off.
        weak.upgrade_held()
    }

    /// A stream of opens, status changes and closes, from now on.
    ///
    /// A subscriber that falls more than 1024 events behind gets
    /// [`RecvError::Lagged`](tokio::sync::broadcast::error::RecvError::Lagged) and resumes
    /// with the oldest of the last 1024 events, some of them older than what
    /// [`counts`](Hub::counts) and [`snapshot`](Hub::snapshot) show at that moment: to
    /// resynchronise, take a snapshot and then apply the events in order, each of which
    /// only moves a connection forward (opened, status changed, closed).
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.inner.events.subscribe()
    }

    /// Starts closing every live connection with `code` and `reason` (e.g. 1001 "going
    /// away"); returns how many it started to close (not those already closing). Await
    /// [`wait_empty`](Hub::wait_empty) for the end, under a timeout of your choosing.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a code that may not
    /// be sent or a reason over 123 bytes; no connection is closed then.
    pub fn close_all(&self, code: u16, reason: &str) -> Result<usize> {
        crate::frame::check_close_code(code)?;
        crate::frame::check_close_reason(reason)?;
        let live: Vec<WeakSender> = self
            .inner
            .lock()
            .entries()
            .map(|e| e.sender.clone())
            .collect();
        let mut asked = 0;
        // Not one no handle holds: that one is closing already (1000).
        for sender in live.iter().filter_map(WeakSender::upgrade_held) {
            if sender.start_close(code, reason)? {
                asked += 1;
            }
        }
        Ok(asked)
    }

    /// Waits until no connection is live.
    pub async fn wait_empty(&self) {
        loop {
            let emptied = self.inner.emptied.notified();
            tokio::pin!(emptied);
            emptied.as_mut().enable();
            if self.is_empty() {
                return;
            }
            emptied.await;
        }
    }
}

impl HubInner {
    fn lock(&self) -> MutexGuard<'_, Registry> {
        // Every critical section is a map operation and its count's: a panic cannot leave
        // them half done.
        crate::sync::lock(&self.conns)
    }
}

#[cfg(test)]
mod tests;

impl Default for Hub {
    fn default() -> Self {
        Hub::new()
    }
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("counts", &self.counts())
            .finish()
    }
}
