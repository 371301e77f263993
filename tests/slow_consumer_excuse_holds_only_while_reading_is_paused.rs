//! "Slow consumer" excuses a check's timeout only when its answer may be sitting unread: reading
//! is paused (the inbound queue full) at the deadline, and the run was waiting on the peer (a
//! ping or a request in flight). Before, a queue full at any moment of the run excused any
//! check: a dead peer stayed Degraded as long as the application fell behind once per run,
//! and a hung business check was never Unhealthy.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::config::Queues;
use ws_health::lean::WriteProgress;
use ws_health::supervisor::ConnectionInfo;
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Exact timings: no timer slack.
fn every(interval: Duration, timeout: Duration) -> CheckSettings {
    CheckSettings {
        slack: Duration::ZERO,
        ..CheckSettings::every(interval, timeout)
    }
}

const QUEUES: Queues = Queues {
    inbound: 2,
    outbound: 16,
    inbound_bytes: 8 << 20,
    outbound_bytes: 8 << 20,
};

#[tokio::test(start_paused = true)]
async fn a_silent_peer_is_blamed_once_the_application_caught_up() {
    let (interval, timeout) = (ms(1000), ms(400));
    let supervisor = Supervisor::builder()
        .with_ping_settings(every(interval, timeout))
        .with_queues(QUEUES)
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair(); // it never answers a ping
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    // 10 ms into the first run the queue fills and reading pauses; 10 ms later the
    // application has taken everything and reading resumes, well before the deadline.
    for i in 0..3 {
        peer.send_after(interval + ms(10), Message::text(format!("burst {i}")));
    }
    tokio::time::sleep_until(start + interval + ms(20)).await;
    for i in 0..3 {
        assert_eq!(conn.recv().await, Some(Message::text(format!("burst {i}"))));
    }
    assert!(peer.recv().await.is_some_and(|m| m.is_ping()));

    health.changed().await.unwrap();
    let judged = health.borrow_and_update().clone();
    assert_eq!(Instant::now() - start, interval + timeout);
    assert_eq!(judged.status(), Status::Unhealthy, "{judged}");
    assert_eq!(judged.reason(), "ping: keepalive ping timeout");
    assert_eq!(conn.stats().pings_missed, 1);
}

/// Never finishes, and never waits on the peer: as a session lookup stuck on its backend.
struct Stuck(Arc<AtomicBool>);

#[async_trait]
impl HealthCheck for Stuck {
    async fn check(&self, _: &CheckContext) -> Health {
        self.0.store(true, Ordering::Relaxed);
        std::future::pending().await
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_check_that_reads_nothing_is_not_excused_by_a_full_queue() {
    let started = Arc::new(AtomicBool::new(false));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("session", Stuck(started.clone()), every(ms(1000), ms(400)))
        .with_queues(QUEUES)
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    let start = Instant::now();
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    for i in 0..3 {
        peer.text(&format!("unread {i}")); // the queue stays full throughout
    }

    health.changed().await.unwrap();
    let judged = health.borrow_and_update().clone();
    assert!(started.load(Ordering::Relaxed));
    assert_eq!(Instant::now() - start, ms(1400));
    assert_eq!(judged.status(), Status::Unhealthy, "{judged}");
    assert_eq!(judged.reason(), "session: timed out after 400ms");
}

/// An excused run is no evidence either way: the peer's misses on either side of it are
/// consecutive. With a failure threshold of 2, a silent peer whose application fell behind
/// once between its two misses is Unhealthy at the second (it used to start counting again).
#[tokio::test(start_paused = true)]
async fn an_excused_run_does_not_break_a_run_of_misses() {
    let (interval, timeout) = (ms(1000), ms(400));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            failure_threshold: 2,
            ..every(interval, timeout)
        })
        .with_queues(QUEUES)
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair(); // it never answers a ping
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);

    // The second run finds the queue full at its deadline: excused, Degraded.
    for i in 0..3 {
        peer.send_after(2 * interval + ms(10), Message::text(format!("burst {i}")));
    }
    tokio::time::sleep_until(start + 2 * interval + timeout + ms(50)).await;
    assert_eq!(
        conn.health().status(),
        Status::Degraded,
        "{}",
        conn.health()
    );
    for _ in 0..3 {
        assert!(conn.recv().await.is_some());
    }

    let mut health = conn.watch_health();
    let changed = tokio::time::timeout(2 * interval, health.changed()).await;
    changed
        .expect("the third run's miss changed nothing")
        .unwrap();
    assert_eq!(health.borrow().status(), Status::Unhealthy);
    assert_eq!(Instant::now() - start, 3 * interval + timeout);
    assert_eq!(conn.stats().pings_missed, 2);
    let close = loop {
        match peer.recv().await {
            Some(message) if message.is_ping() => continue,
            other => break other.expect("a close frame"),
        }
    };
    assert_eq!(mock_transport::close_of(&close).0, 1011);
}

/// Asks with a 100 ms timeout of its own, and calls a timeout Degraded.
struct Asks;

#[async_trait]
impl HealthCheck for Asks {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let asked = ctx.request(Message::text("ping?"), ms(100), |m| m.is_text());
        match asked.await {
            Ok(_) => Health::healthy("answered"),
            Err(ws_health::check::ProbeError::Timeout(_)) => Health::degraded("no answer"),
            Err(err) => Health::unhealthy(err.to_string()),
        }
    }
}

/// A request whose own timeout passed while reading was paused waits on only while it stays
/// paused: once the application caught up and reading found no answer, it times out then, as
/// its check expects, rather than at the run's timeout (where it used to be judged Unhealthy).
#[tokio::test(start_paused = true)]
async fn a_request_excused_by_a_pause_times_out_once_reading_resumed() {
    times_out_once_reading_resumed(Asks).await;
}

/// The same, for a request inside `FuturesUnordered`: resuming wakes it, as its answer
/// would. Before, nothing did until the run's timeout, which judged it Unhealthy.
#[tokio::test(start_paused = true)]
async fn a_request_inside_a_combinator_times_out_once_reading_resumed() {
    times_out_once_reading_resumed(AsksInside).await;
}

/// As [`Asks`], awaited inside a combinator that polls only what was woken.
struct AsksInside;

#[async_trait]
impl HealthCheck for AsksInside {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let asked = ctx.request(Message::text("ping?"), ms(100), |m| m.is_text());
        let mut inside: FuturesUnordered<_> = [asked].into_iter().collect();
        match inside.next().await {
            Some(Ok(_)) => Health::healthy("answered"),
            Some(Err(ws_health::check::ProbeError::Timeout(_))) => Health::degraded("no answer"),
            other => Health::unhealthy(format!("{other:?}")),
        }
    }
}

/// `check`, asking with a 100 ms timeout of its own and calling a timeout Degraded, is
/// judged when the application takes the message that filled the queue, 150 ms into the run.
async fn times_out_once_reading_resumed(check: impl HealthCheck) {
    let interval = ms(1000);
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("asks", check, every(interval, ms(900)))
        .with_queues(Queues {
            inbound: 1,
            outbound: 16,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    // Binary: not the answer. It fills the queue 10 ms into the run, and the application
    // takes it 150 ms in, past the request's timeout.
    peer.send_after(interval + ms(10), Message::binary(vec![1]));
    tokio::time::sleep_until(start + interval + ms(150)).await;
    assert!(conn.recv().await.is_some_and(|m| m.is_binary()));

    health.changed().await.unwrap();
    let judged = health.borrow_and_update().clone();
    assert_eq!(judged.reason(), "asks: no answer");
    assert_eq!(judged.status(), Status::Degraded);
    assert_eq!(Instant::now() - start, interval + ms(150));
}

/// A peer that floods and reads nothing: the application's queue is full (its handler
/// would be stuck sending to that peer), and our ping never leaves, the socket taking no
/// byte. No answer can be sitting unread: excused once (it may be our pause that keeps the
/// peer from reading, for a while), a miss the next run in a row. It used to be excused for
/// good, Degraded, the connection held open. Without a count of the bytes the socket takes
/// (axum's WebSocket, a `WebSocketStream` supervised as it is) the same: a ping not out by
/// its deadline is a miss there even with reading going on, and it used to be excused for
/// good while reading was paused, which kept such a peer open as a slow consumer.
#[tokio::test(start_paused = true)]
async fn a_ping_that_never_left_is_excused_once_only() {
    let (interval, timeout) = (ms(1000), ms(400));
    let supervisor = Supervisor::builder()
        .with_ping_settings(every(interval, timeout))
        .with_queues(QUEUES)
        .build()
        .unwrap();
    for counted in [true, false] {
        let (transport, peer) = mock_transport::pair();
        let mut info = ConnectionInfo::new();
        if counted {
            info = info.with_write_progress(WriteProgress::new()); // never moves
        }
        let start = Instant::now();
        let (conn, driver) = supervisor.attach_with(transport, info);
        tokio::spawn(driver);
        let mut health = conn.watch_health();
        for i in 0..3 {
            peer.send_after(ms(10), Message::text(format!("flood {i}")));
        }
        peer.hold_flushes();

        health.changed().await.unwrap();
        let judged = health.borrow_and_update().clone();
        assert_eq!(Instant::now() - start, interval + timeout);
        assert_eq!(judged.status(), Status::Degraded, "{judged}");
        assert!(judged.reason().contains("slow consumer"), "{judged}");
        let next = tokio::time::timeout(2 * interval, health.changed()).await;
        next.unwrap_or_else(|_| panic!("counted {counted}: the second run changed nothing"))
            .unwrap();
        let judged = health.borrow_and_update().clone();
        assert_eq!(Instant::now() - start, 2 * interval + timeout);
        assert_eq!(
            judged.status(),
            Status::Unhealthy,
            "counted {counted}: {judged}"
        );
        assert_eq!(judged.reason(), "ping: keepalive ping timeout");
        assert_eq!(conn.stats().pings_missed, 1);
    }
}

/// As a ping that never left, a heartbeat's request whose message never left (written, its
/// flush stalled, the socket taking no byte) while reading is paused: excused once, a miss
/// the next run in a row. It used to be excused for good: requests were not followed to the
/// wire.
#[tokio::test(start_paused = true)]
async fn a_heartbeat_that_never_left_is_excused_once_only() {
    let (interval, timeout) = (ms(1000), ms(400));
    let heartbeat = ws_health::check::Heartbeat::new(Message::text("ping?"), |m: &Message| {
        m.to_text().is_ok_and(|t| t == "pong!")
    });
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("heartbeat", heartbeat, every(interval, timeout))
        .with_queues(QUEUES)
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    let info = ConnectionInfo::new().with_write_progress(WriteProgress::new()); // never moves
    let start = Instant::now();
    let (conn, driver) = supervisor.attach_with(transport, info);
    tokio::spawn(driver);
    let mut health = conn.watch_health();
    for i in 0..3 {
        peer.send_after(ms(10), Message::text(format!("flood {i}")));
    }
    peer.hold_flushes();

    health.changed().await.unwrap();
    let judged = health.borrow_and_update().clone();
    assert_eq!(Instant::now() - start, interval + timeout);
    assert_eq!(judged.status(), Status::Degraded, "{judged}");
    assert!(judged.reason().contains("slow consumer"), "{judged}");
    let next = tokio::time::timeout(2 * interval, health.changed()).await;
    next.expect("the second run changed nothing").unwrap();
    let judged = health.borrow_and_update().clone();
    assert_eq!(Instant::now() - start, 2 * interval + timeout);
    assert_eq!(judged.status(), Status::Unhealthy, "{judged}");
    assert!(
        judged.reason().starts_with("heartbeat: timed out"),
        "{judged}"
    );
}
