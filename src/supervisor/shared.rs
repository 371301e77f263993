//! State one connection's driver shares with its application handle and its checks.
//!
//! One allocation per connection. Queues start empty and unallocated; the lock is held only
//! for a few pointer moves and is uncontended in the steady state (the driver and the
//! checks it polls run on one task). The queues' bookkeeping is in `queues.rs` below.

mod queues;

use std::any::Any;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// `polling_check` when the driver is not polling a check.
pub(crate) const NOT_POLLING: usize = usize::MAX;

/// Bits of [`Shared::signals`].
pub(crate) mod signal {
    /// A ping is queued, not yet handed to the transport.
    pub(crate) const PING: u8 = 1;
    /// The outbound queue is not empty.
    pub(crate) const DATA: u8 = 2;
    /// A close was requested.
    pub(crate) const CLOSE: u8 = 4;
    /// The connection has ended.
    pub(crate) const ENDED: u8 = 8;
    /// The `Connection`, the only receiver, was dropped: nobody can drain the inbound queue.
    pub(crate) const UNRECEIVED: u8 = 16;
}
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;

use futures_util::task::AtomicWaker;
use smallvec::SmallVec;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::health_cell::HealthCell;
use super::in_flight::{take_waker, Expectation, PendingPing, PingState, Wakers};
use super::observer::call_observer;
use super::{ConnectionInfo, Disconnect, Initiator, Observer, Side};
use crate::check::Ticket;
use crate::config::Queues;
use crate::stats::StatsCell;
use crate::{Health, Stats};

pub(crate) struct Shared {
    pub(crate) id: u64,
    pub(crate) stats: StatsCell,
    pub(crate) state: Option<Arc<dyn Any + Send + Sync>>,
    pub(crate) peer: Option<SocketAddr>,
    /// Told about status changes and the end (the runtime's hub).
    pub(crate) observer: Option<Arc<dyn Observer>>,
    /// For the metrics' `side` label.
    pub(crate) side: Option<Side>,
    /// The connection's span is off (a filter dropped it): events about the connection name
    /// it themselves (see `unspanned`).
    pub(crate) span_off: bool,
    inner: Mutex<Inner>,
    /// What is in `inner`, readable without the lock ([`signal`] bits): set and cleared
    /// under the lock, so that a wake-up with nothing to do (most of them) takes no lock.
    signals: AtomicU8,
    /// `inner.inbound.len()`, for the same reason.
    inbound_len: AtomicUsize,
    /// The bytes of the messages in `inner.inbound`; changed under the lock only.
    inbound_bytes: AtomicUsize,
    /// `inner.outbound.len()` and `inner.outbound_bytes`, for [`Stats`] without the lock (a
    /// request's matcher runs under it, and may read the stats).
    outbound_len: AtomicUsize,
    outbound_queued_bytes: AtomicUsize,
    /// Wakes the application's `recv` when a message arrives or the connection ends.
    pub(crate) recv_waker: AtomicWaker,
    /// Wakes the driver when the application sends, takes a message or asks to close.
    driver: AtomicWaker,
    /// Signalled when outbound space frees up and when the connection ends.
    pub(crate) changed: Notify,
    pub(crate) health: HealthCell,
    /// The check the driver is polling, or [`NOT_POLLING`]; probes submitted meanwhile
    /// belong to it.
    pub(crate) polling_check: AtomicUsize,
    /// Live `Connection` and `Sender` handles; at zero the driver closes the connection.
    handles: AtomicUsize,
    /// `queues`: messages, then bytes, each way.
    inbound_capacity: usize,
    outbound_capacity: usize,
    inbound_byte_capacity: usize,
    outbound_byte_capacity: usize,
    /// The largest message the application may send.
    max_message_size: Option<usize>,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) inbound: VecDeque<Message>,
    pub(crate) outbound: VecDeque<Message>,
    /// A close the application asked for, not yet started by the driver.
    pub(crate) close_request: Option<Box<CloseFrame>>,
    /// Usually one ping is in flight: inline, so matching its pong touches no other block.
    pub(crate) pings: SmallVec<[PendingPing; 1]>,
    pub(crate) expects: Vec<Expectation>,
    pub(crate) next_ticket: Ticket,
    pub(crate) ended: Option<Box<Disconnect>>,
    /// The driver stopped reading because the inbound queue is full.
    pub(crate) reading_paused: bool,
    /// Messages the peer sent past a full inbound queue while closing, dropped, and every
    /// one after the first so dropped. Kept here, not in the driver, so that an end without
    /// the driver (its task aborted) counts them.
    pub(crate) undelivered: u32,
    /// Pings forgotten while their flush was pending: counted sent once it completes.
    pub(crate) forgotten_unflushed: u32,
    /// Messages taken from `outbound` so far (wrapping): the place of the next one taken.
    pub(crate) outbound_taken: u32,
    /// The bytes of the messages in `outbound`.
    pub(crate) outbound_bytes: usize,
}

impl Shared {
    pub(crate) fn new(
        id: u64,
        info: ConnectionInfo,
        queues: Queues,
        max_message_size: Option<usize>,
        span_off: bool,
    ) -> Self {
        Shared {
            id,
            stats: StatsCell::new(Instant::now()),
            state: info.state,
            peer: info.peer,
            observer: info.observer,
            side: info.side,
            span_off,
            // A random first ticket: `Sender::ping`'s payloads, which carry it, differ from
            // connection to connection.
            inner: Mutex::new(Inner {
                next_ticket: rand::random(),
                ..Inner::default()
            }),
            signals: AtomicU8::new(0),
            inbound_len: AtomicUsize::new(0),
            inbound_bytes: AtomicUsize::new(0),
            outbound_len: AtomicUsize::new(0),
            outbound_queued_bytes: AtomicUsize::new(0),
            recv_waker: AtomicWaker::new(),
            driver: AtomicWaker::new(),
            changed: Notify::new(),
            health: HealthCell::new(Health::healthy("connected")),
            polling_check: AtomicUsize::new(NOT_POLLING),
            handles: AtomicUsize::new(0),
            // Nonzero: `Plan::validate` refuses an empty queue.
            inbound_capacity: queues.inbound,
            outbound_capacity: queues.outbound,
            inbound_byte_capacity: queues.inbound_bytes,
            outbound_byte_capacity: queues.outbound_bytes,
            max_message_size,
        }
    }

    /// Locks the inner state. A panic elsewhere never leaves it inconsistent (every critical
    /// section is a few field moves), so a poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        crate::sync::lock(&self.inner)
    }

    /// Whether any of the `signal` bits in `mask` is set.
    pub(crate) fn signalled(&self, mask: u8) -> bool {
        self.signals.load(Ordering::Acquire) & mask != 0
    }

    /// Sets (`on`) or clears `signal` bits; call it with the lock held, as the state changes.
    pub(crate) fn signal(&self, _held: &Inner, mask: u8, on: bool) {
        if on {
            self.signals.fetch_or(mask, Ordering::Release);
        } else {
            self.signals.fetch_and(!mask, Ordering::Release);
        }
    }

    /// The connection's statistics now, queue lengths included.
    pub(crate) fn stats(&self) -> Stats {
        let mut stats = self.stats.snapshot(Instant::now());
        stats.inbound_queued = self.inbound_len();
        stats.inbound_queued_bytes = self.inbound_bytes.load(Ordering::Acquire);
        stats.outbound_queued = self.outbound_len.load(Ordering::Relaxed);
        stats.outbound_queued_bytes = self.outbound_queued_bytes.load(Ordering::Relaxed);
        stats
    }

    /// Records a close request, unless one was made or the connection ended.
    /// True if this started the close; false if one had started, or the connection ended.
    pub(crate) fn request_close(&self, frame: impl FnOnce() -> CloseFrame) -> bool {
        let mut inner = self.lock();
        if inner.ended.is_some() || inner.close_request.is_some() {
            return false;
        }
        inner.close_request = Some(Box::new(frame()));
        self.signal(&inner, signal::CLOSE, true);
        drop(inner);
        // A `send` waiting for room fails now: the connection takes no more data.
        self.changed.notify_waiters();
        true
    }

    /// The `Connection` was dropped: nobody can read the inbound queue any more, so what it
    /// holds is freed now, and the driver keeps nothing that arrives after (a `Sender` kept
    /// in a broadcast list would otherwise hold a queue's worth of messages).
    pub(crate) fn receiver_dropped(&self) {
        let mut inner = self.lock();
        let unread = std::mem::take(&mut inner.inbound);
        self.inbound_bytes.store(0, Ordering::Release);
        self.set_inbound_len(&inner);
        self.signal(&inner, signal::UNRECEIVED, true);
        drop(inner);
        drop(unread);
        self.wake_driver();
    }

    /// Nobody can drain the inbound queue any more.
    pub(crate) fn unreceived(&self) -> bool {
        self.signalled(signal::UNRECEIVED)
    }

    pub(crate) fn register_driver(&self, waker: &Waker) {
        self.driver.register(waker);
    }

    pub(crate) fn wake_driver(&self) {
        self.driver.wake();
    }

    pub(crate) fn handle_opened(&self) {
        self.handles.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one more handle only if one is still open; true if counted.
    pub(crate) fn try_open_handle(&self) -> bool {
        self.handles
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n > 0).then_some(n + 1)
            })
            .is_ok()
    }

    pub(crate) fn handle_dropped(&self) {
        if self.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.wake_driver();
        }
    }

    /// How the connection ended, once it has.
    pub(crate) async fn ended(&self) -> Disconnect {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(end) = self.lock().ended.as_deref().cloned() {
                return end;
            }
            changed.await;
        }
    }

    pub(crate) fn abandoned(&self) -> bool {
        self.handles.load(Ordering::Acquire) == 0
    }

    /// Publishes the end of the connection, once: counts what was left unsent, fails every
    /// probe, wakes the receiver, the waiters and the observer. False if it had ended.
    pub(crate) fn end(&self, end: &mut Disconnect) -> bool {
        let mut wakers = Wakers::new();
        // Requests' matchers are the application's closures: what they capture may reach
        // this connection when dropped (a guard that logs through its `Sender`), so they are
        // dropped outside the lock.
        let unanswered: Vec<Expectation>;
        {
            let mut inner = self.lock();
            if inner.ended.is_some() {
                return false;
            }
            end.unsent = inner.outbound.len();
            end.undelivered = inner.undelivered as usize;
            // Counted, then dropped: a `Sender` kept after the end must not keep them.
            inner.outbound = Default::default();
            inner.outbound_bytes = 0;
            self.mirror_outbound(&inner);
            inner.ended = Some(Box::new(end.clone()));
            self.signal(&inner, signal::ENDED, true);
            // Their futures see the end (`ProbeError::Closed`) when polled.
            let Inner { pings, expects, .. } = &mut *inner;
            let slots = pings.iter_mut().map(|p| &mut p.waker);
            for slot in slots.chain(expects.iter_mut().map(|e| &mut e.waker)) {
                take_waker(slot, None, &mut wakers);
            }
            // An answer already matched is still its waiter's: a pong read with the end, the
            // peer's last word before it closed (an error reply, say), is not lost to it.
            inner
                .pings
                .retain(|p| matches!(p.state, PingState::Answered(_)));
            let expects = std::mem::take(&mut inner.expects);
            (inner.expects, unanswered) = expects.into_iter().partition(|e| e.answer.is_some());
        }
        // The application's code, which must not keep the waiters from their wake-ups: the
        // matchers' captures, and below the metrics recorder and the observer.
        crate::error::contain_panic("a request's matcher, dropped", move || drop(unanswered));
        // Outside the lock: a subscriber or a recorder may call back into this connection.
        let (id, peer) = self.unspanned();
        // Data lost, unless the peer left of its own accord: what was queued for a peer that
        // closed is no fault, and a feed's subscribers leave all the time (a warning each).
        if end.unsent > 0 {
            let unsent = end.unsent;
            let what = "connection ended with queued messages unsent";
            if end.initiator == Initiator::Peer {
                tracing::info!(id, peer, unsent, "{what}");
            } else {
                tracing::warn!(id, peer, unsent, "{what}");
            }
        }
        if end.undelivered > 0 {
            tracing::warn!(
                id,
                peer,
                undelivered = end.undelivered,
                "connection ended with received messages dropped: the inbound queue was full"
            );
        }
        crate::error::contain_panic("the metrics recorder", || {
            crate::metrics::closed(self.side, end);
        });
        // The observer before the wake-ups: a task woken by the end finds the connection
        // gone from the hub (one polled meanwhile on another thread may see the end first).
        if let Some(observer) = &self.observer {
            call_observer("closed", || observer.closed(self.id, end));
        }
        wakers.into_iter().for_each(Waker::wake);
        self.recv_waker.wake();
        self.changed.notify_waiters();
        // A waker holds its task: a handle kept after the end must not keep the driver's.
        drop(self.driver.take());
        true
    }
}
