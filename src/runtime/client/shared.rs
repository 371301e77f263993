//! What the client's task shares with the application's [`Client`](super::Client): the
//! connection state, the events, why it stopped, and the connection waiting for `recv`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{watch, Notify};
use tracing::field::DisplayValue;
use tracing::warn;

use super::event_channel::EventChannel;
use super::{ClientEvent, StopReason};
use crate::supervisor::WeakSender;
use crate::{Connection, Sender};

/// What the client's task shares with the [`Client`](super::Client).
pub(crate) struct Shared {
    /// The part a [`ClientHandle`](super::ClientHandle) keeps too: only that, so that a
    /// handle outliving the client keeps neither its events' channel (whose receivers would
    /// never see it close) nor an unread connection.
    pub(super) link: Arc<Link>,
    current: Mutex<Option<WeakSender>>,
    pub(super) events: EventChannel,
    /// The newest connection `recv` has not taken.
    waiting: Mutex<Option<Connection>>,
    /// Signalled when a connection is handed over and when the client stops.
    handed_over: Notify,
}

/// Whether the client is connected or closed, and why it stopped: what sending needs.
pub(crate) struct Link {
    pub(super) connected: AtomicBool,
    /// Set by `Client::close` (or its drop) at once, before the client's task sees it: later
    /// sends fail then, not only once the task has closed the queue.
    closed: AtomicBool,
    pub(super) stopped: watch::Sender<Option<StopReason>>,
    /// Signalled when a connection is handed over or ends, and when the client stops: a
    /// `send` waiting for room stops waiting, `connected` looks again.
    pub(super) connection_changed: Notify,
}

impl Link {
    /// The application closed the client: refuses later sends, and wakes a `send` waiting
    /// for room and `connected` to say so.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.connection_changed.notify_waiters();
    }

    /// Whether the application closed (or dropped) the client.
    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

impl Shared {
    pub(super) fn new() -> Self {
        Shared {
            link: Arc::new(Link {
                connected: AtomicBool::new(false),
                closed: AtomicBool::new(false),
                stopped: watch::Sender::new(None),
                connection_changed: Notify::new(),
            }),
            current: Mutex::new(None),
            events: EventChannel::new(),
            waiting: Mutex::new(None),
            handed_over: Notify::new(),
        }
    }

    pub(super) fn set_connected(&self, connected: bool) {
        self.link.connected.store(connected, Ordering::Release);
        self.link.connection_changed.notify_waiters();
    }

    pub(super) fn set_current(&self, sender: Option<&Sender>) {
        *crate::sync::lock(&self.current) = sender.map(Sender::downgrade);
    }

    pub(super) fn current(&self) -> Option<Sender> {
        crate::sync::lock(&self.current)
            .as_ref()
            .and_then(WeakSender::upgrade)
    }

    /// Offers `conn` to `recv`. The connection offered before, if `recv` never took it, is
    /// dropped with its unread messages: it has ended (the client connects again only
    /// after), and keeping each would grow without bound in a client that never receives.
    /// Unless `conn` never `opened` (its on-connect hook failed, or it closed during the
    /// hook): that is no newer connection to read, and the one with unread messages stays.
    /// `url`: the client's, for the warning, where its span is off.
    pub(super) fn hand_over(
        &self,
        conn: Connection,
        opened: bool,
        url: impl FnOnce() -> Option<DisplayValue<String>>,
    ) {
        let dropped = {
            let mut waiting = crate::sync::lock(&self.waiting);
            if !opened && waiting.as_ref().is_some_and(|w| w.unread() > 0) {
                Some(conn)
            } else {
                waiting.replace(conn)
            }
        };
        if let Some(old) = dropped.filter(|old| old.unread() > 0) {
            let (id, unread) = (old.id(), old.unread());
            let url = url();
            warn!(
                url,
                id, unread, "dropped the unread messages of a connection recv never took"
            );
            self.events.send(ClientEvent::UnreadDropped { id, unread });
        }
        self.handed_over.notify_waiters();
    }

    /// The connection `recv` reads next; `None` once the client has stopped and none waits.
    pub(super) async fn next_connection(&self) -> Option<Connection> {
        loop {
            let handed_over = self.handed_over.notified();
            tokio::pin!(handed_over);
            handed_over.as_mut().enable();
            let waiting = crate::sync::lock(&self.waiting).take();
            if waiting.is_some() {
                return waiting;
            }
            if self.link.stopped.borrow().is_some() {
                return None;
            }
            handed_over.await;
        }
    }

    /// Records why the client stopped, unless it had, then sends the `Stopped` event and
    /// wakes `recv`, `send` and `connected`.
    pub(super) fn stop(&self, reason: impl FnOnce() -> StopReason) {
        // Also when the task was dropped with a connection up (its runtime shut down).
        self.link.connected.store(false, Ordering::Release);
        self.link.stopped.send_if_modified(|stopped| {
            if stopped.is_some() {
                return false;
            }
            let reason = reason();
            *stopped = Some(reason.clone());
            // The event too, whatever ended the task: a listener on `events` waits for it.
            // Sent before the watch wakes `stopped()`, and a `stopped()` called after the event
            // waits for the watch's lock, held here: each finds the other done.
            self.events.send(ClientEvent::Stopped { reason });
            true
        });
        self.handed_over.notify_waiters();
        self.link.connection_changed.notify_waiters();
    }
}
