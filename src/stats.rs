//! Per-connection statistics: written by the supervisor without locks, read by anyone.

use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

/// A snapshot of one connection's statistics.
///
/// `latency` is Python `websockets`' figure: the round-trip time of the last answered ping,
/// zero before the first. `smoothed_rtt` and `rtt_variance` follow TCP's estimator
/// (RFC 6298: gains 1/8 and 1/4), so one slow pong does not hide the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Round-trip time of the last answered ping; zero before the first.
    #[serde(with = "humantime_serde")]
    pub latency: Duration,
    /// Smoothed round-trip time; zero before the first pong.
    #[serde(with = "humantime_serde")]
    pub smoothed_rtt: Duration,
    /// Mean deviation of the round-trip time.
    #[serde(with = "humantime_serde")]
    pub rtt_variance: Duration,
    /// Pings flushed to the socket, and pings answered before their flush completed.
    pub pings_sent: u64,
    /// Pings of ours that were answered (a pong that also answers earlier pings, as RFC 6455
    /// allows, counts once for each). A pong that comes after its ping was counted missed
    /// is not counted here, nor taken as a latency sample.
    pub pongs_received: u64,
    /// Pings that went unanswered within their check's timeout, including pings that never
    /// left our socket (a peer that stopped reading), which `pings_sent` does not count.
    pub pings_missed: u64,
    /// Application messages delivered to the application.
    pub messages_received: u64,
    /// Application messages written to the socket: the application's, and those checks send
    /// (a [`Heartbeat`](crate::check::Heartbeat)'s requests). No stat is the time since the
    /// last message sent, `data_idle`'s counterpart: a check that a feed this side publishes
    /// (a server's ticks to the peer) is not stale reads the time of the last update from
    /// the connection's state, kept there by the code that sends it.
    pub messages_sent: u64,
    /// Time since the connection was supervised.
    #[serde(with = "humantime_serde")]
    pub uptime: Duration,
    /// Time since the last frame of any kind arrived from the peer, pongs to our pings
    /// included.
    #[serde(with = "humantime_serde")]
    pub idle: Duration,
    /// Time since the last application message (text or binary) arrived from the peer for the
    /// application, queued for `recv` (what the peer sends, not what we send it); the uptime before
    /// the first. Pongs and answers taken by checks or by
    /// [`Sender::request`](crate::Sender::request) (a subscription's acknowledgement awaited in a
    /// client's on-connect hook) do not count: a "feed not stale" check reads this, and only
    /// while `inbound_queued` is zero. While messages wait unread it grows whatever
    /// the peer sends, and once the queue is full reading pauses: the application is slow, not the
    /// feed (see the example of [`HealthCheck::check`](crate::HealthCheck::check)). Every message
    /// queued for `recv` counts, the peer's own heartbeat requests (and the acknowledgements no
    /// `request` takes) included: a peer that sends `{"op":"ping"}` every second keeps it
    /// under a second while its feed is silent, so a staleness check of one kind of message (ticks)
    /// keeps the time of the last one itself, in the connection's state.
    #[serde(with = "humantime_serde")]
    pub data_idle: Duration,
    /// Messages received and waiting for the application to take them (`recv`).
    pub inbound_queued: usize,
    /// The bytes of those messages (their payloads): reading pauses at `queues.inbound` messages
    /// or `queues.inbound_bytes` bytes, whichever comes first.
    pub inbound_queued_bytes: usize,
    /// Messages the application sent that wait to be written: the backlog towards a slow
    /// peer, which a "backlog bounded" check reads. It grows only once the socket takes no
    /// more: behind what the kernel holds first (about `socket.notsent_lowat` unsent bytes,
    /// plus what is in flight), so a peer that stops reading a 1,000 message/s feed of small
    /// messages on loopback leaves it at 0 for over a second, and a ping or heartbeat with a
    /// shorter timeout fails first.
    pub outbound_queued: usize,
    /// The bytes of those messages (their payloads). The queue is full at `queues.outbound`
    /// messages or `queues.outbound_bytes` bytes, whichever comes first: a backlog of large
    /// messages fills it by bytes while `outbound_queued` is still small. Read beside the count
    /// without a lock, so the two may be a message apart for a moment.
    pub outbound_queued_bytes: usize,
}

/// The live counters behind [`Stats`]. Times are stored as nanoseconds since `started`.
#[derive(Debug)]
pub(crate) struct StatsCell {
    started: Instant,
    latency: AtomicU64,
    srtt: AtomicU64,
    rttvar: AtomicU64,
    pings_sent: AtomicU64,
    pongs: AtomicU64,
    missed: AtomicU64,
    received: AtomicU64,
    sent: AtomicU64,
    last_inbound: AtomicU64,
    last_message: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl StatsCell {
    pub(crate) fn new(started: Instant) -> Self {
        StatsCell {
            started,
            latency: AtomicU64::new(0),
            srtt: AtomicU64::new(0),
            rttvar: AtomicU64::new(0),
            pings_sent: AtomicU64::new(0),
            pongs: AtomicU64::new(0),
            missed: AtomicU64::new(0),
            received: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            last_inbound: AtomicU64::new(0),
            last_message: AtomicU64::new(0),
        }
    }

    /// Records an answered ping. Only the supervisor writes, so load-then-store is exact.
    /// The pong is counted last, with `Release`: a snapshot that sees it sees its round
    /// trip (and the ping it answers) too.
    pub(crate) fn record_rtt(&self, rtt: Duration) {
        let r = nanos(rtt);
        self.latency.store(r, Relaxed);
        let first = self.pongs.load(Relaxed) == 0;
        let (srtt, rttvar) = if first {
            (r, r / 2)
        } else {
            let srtt = self.srtt.load(Relaxed);
            let rttvar = self.rttvar.load(Relaxed);
            let err = srtt.abs_diff(r);
            (srtt - srtt / 8 + r / 8, rttvar - rttvar / 4 + err / 4)
        };
        self.srtt.store(srtt, Relaxed);
        self.rttvar.store(rttvar, Relaxed);
        self.pongs.fetch_add(1, Release);
    }

    pub(crate) fn ping_sent(&self) {
        self.pings_sent.fetch_add(1, Relaxed);
    }

    pub(crate) fn ping_missed(&self) {
        self.missed.fetch_add(1, Relaxed);
    }

    pub(crate) fn message_received(&self, now: Instant) {
        self.received.fetch_add(1, Relaxed);
        self.last_message
            .store(nanos(now.saturating_duration_since(self.started)), Relaxed);
    }

    pub(crate) fn message_sent(&self) {
        self.sent.fetch_add(1, Relaxed);
    }

    pub(crate) fn frame_in(&self, now: Instant) {
        self.last_inbound
            .store(nanos(now.saturating_duration_since(self.started)), Relaxed);
    }

    /// Whether a frame arrived from the peer after `since`.
    pub(crate) fn frame_since(&self, since: Instant) -> bool {
        let since = nanos(since.saturating_duration_since(self.started));
        self.last_inbound.load(Relaxed) > since
    }

    /// The counters at `now`; the queue lengths, which `Shared` keeps, are left at zero.
    pub(crate) fn snapshot(&self, now: Instant) -> Stats {
        // First: what it counts happened before what is read after it (see `record_rtt`).
        let pongs_received = self.pongs.load(Acquire);
        let uptime = now.saturating_duration_since(self.started);
        let last = Duration::from_nanos(self.last_inbound.load(Relaxed));
        let last_message = Duration::from_nanos(self.last_message.load(Relaxed));
        Stats {
            latency: Duration::from_nanos(self.latency.load(Relaxed)),
            smoothed_rtt: Duration::from_nanos(self.srtt.load(Relaxed)),
            rtt_variance: Duration::from_nanos(self.rttvar.load(Relaxed)),
            pings_sent: self.pings_sent.load(Relaxed),
            pongs_received,
            pings_missed: self.missed.load(Relaxed),
            messages_received: self.received.load(Relaxed),
            messages_sent: self.sent.load(Relaxed),
            uptime,
            idle: uptime.saturating_sub(last),
            data_idle: uptime.saturating_sub(last_message),
            inbound_queued: 0,
            inbound_queued_bytes: 0,
            outbound_queued: 0,
            outbound_queued_bytes: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothed_rtt_follows_rfc6298() {
        let start = Instant::now();
        let cell = StatsCell::new(start);
        cell.record_rtt(Duration::from_millis(80));
        let s = cell.snapshot(start);
        assert_eq!(s.latency, Duration::from_millis(80));
        assert_eq!(s.smoothed_rtt, Duration::from_millis(80));
        assert_eq!(s.rtt_variance, Duration::from_millis(40));
        cell.record_rtt(Duration::from_millis(160));
        let s = cell.snapshot(start);
        assert_eq!(s.latency, Duration::from_millis(160));
        assert_eq!(s.smoothed_rtt, Duration::from_millis(90)); // 7/8·80 + 1/8·160
        assert_eq!(s.rtt_variance, Duration::from_millis(50)); // 3/4·40 + 1/4·80
        assert_eq!(s.pongs_received, 2);
    }

    /// A frame counts as one since an instant only if it came after it: a connection that has
    /// received none has none since the instant it was supervised.
    #[test]
    fn a_frame_counts_only_after_the_instant_asked_about() {
        let start = Instant::now();
        let cell = StatsCell::new(start);
        assert!(!cell.frame_since(start), "no frame has arrived");
        let at = start + Duration::from_millis(5);
        cell.frame_in(at);
        assert!(cell.frame_since(start));
        assert!(
            !cell.frame_since(at),
            "the frame came at, not after, the instant"
        );
    }

    /// Read from another thread while the driver records, a snapshot never counts more
    /// pongs than pings, nor a pong without its round trip.
    #[test]
    fn a_snapshot_taken_while_pongs_are_recorded_is_consistent() {
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;

        let start = Instant::now();
        let cell = Arc::new(StatsCell::new(start));
        let stop = Arc::new(AtomicBool::new(false));
        let driver = {
            let (cell, stop) = (cell.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Relaxed) {
                    cell.ping_sent();
                    cell.record_rtt(Duration::from_millis(1));
                }
            })
        };
        // The writer under way first: on a busy machine the reads could end before it runs.
        let until = std::time::Instant::now() + Duration::from_secs(10);
        while cell.snapshot(start).pongs_received < 1000 {
            assert!(std::time::Instant::now() < until, "the writer never ran");
            std::thread::yield_now();
        }
        for _ in 0..200_000 {
            let s = cell.snapshot(start);
            assert!(s.pongs_received <= s.pings_sent, "{s:?}");
            if s.pongs_received > 0 {
                assert!(!s.latency.is_zero() && !s.smoothed_rtt.is_zero(), "{s:?}");
            }
        }
        stop.store(true, Relaxed);
        driver.join().unwrap();
    }
}
