//! A reload reaches a connection asleep on its timer at once, and reschedules the run it
//! was waiting for on the new interval: a connection pinging every 60 s, reloaded at 1 s to
//! ping every 2 s, pings at 2 s (the first point of its new grid), not at 60 s;
//! reloaded back to 60 s, it waits the whole new interval from its last ping.

mod support;

use std::time::Duration;

use support::mock_transport;
use tokio::time::{sleep_until, Instant};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Config, Supervisor};

fn every(interval: Duration) -> CheckSettings {
    CheckSettings {
        slack: Duration::ZERO,
        jitter: Duration::ZERO,
        ..CheckSettings::every(interval, Duration::from_secs(1))
    }
}

fn config(interval: Duration) -> Config {
    Config {
        ping: every(interval),
        ..Config::default()
    }
}

#[tokio::test(start_paused = true)]
async fn reload_reaches_an_idle_connection_at_once() {
    let minute = Duration::from_secs(60);
    let supervisor = Supervisor::builder()
        .with_ping_settings(every(minute))
        .build()
        .unwrap();
    let start = Instant::now();
    let (transport, mut peer) = mock_transport::pair();
    let _conn = supervisor.supervise(transport);

    sleep_until(start + Duration::from_secs(1)).await;
    assert!(peer.try_recv().is_none(), "a ping before its interval");
    supervisor.reload(&config(Duration::from_secs(2))).unwrap();
    let Some(Message::Ping(payload)) = peer.recv().await else {
        panic!("no ping");
    };
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(2),
        "the first ping's time"
    );
    peer.pong(payload);

    // Back to a minute, at 2.5 s: the next ping a minute after the last, at 62 s.
    sleep_until(start + Duration::from_millis(2500)).await;
    supervisor.reload(&config(minute)).unwrap();
    let Some(Message::Ping(_)) = peer.recv().await else {
        panic!("no ping");
    };
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(62),
        "the second ping's time"
    );
}

/// Moved onto the new spacing, a connection keeps its place in the cycle: reloaded at 5 s
/// from a minute to 2 s, it pings at 6 s (its grid through 0 s: 0, 2, 4, 6), not at the
/// reload, where every connection of the supervisor would ping in step.
#[tokio::test(start_paused = true)]
async fn a_reload_keeps_each_connection_s_place_in_the_cycle() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(every(Duration::from_secs(60)))
        .build()
        .unwrap();
    let start = Instant::now();
    let (transport, mut peer) = mock_transport::pair();
    let _conn = supervisor.supervise(transport);
    sleep_until(start + Duration::from_secs(5)).await;
    supervisor.reload(&config(Duration::from_secs(2))).unwrap();
    let Some(Message::Ping(_)) = peer.recv().await else {
        panic!("no ping");
    };
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(6),
        "the first ping's time"
    );
}

/// A first run after an explicit `initial_delay` keeps its time through a reload.
#[tokio::test(start_paused = true)]
async fn a_reload_keeps_a_first_run_s_initial_delay() {
    let with_delay = |interval| CheckSettings {
        initial_delay: Some(Duration::from_secs(10)),
        ..every(interval)
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(with_delay(Duration::from_secs(60)))
        .build()
        .unwrap();
    let start = Instant::now();
    let (transport, mut peer) = mock_transport::pair();
    let _conn = supervisor.supervise(transport);
    sleep_until(start + Duration::from_secs(1)).await;
    let reloaded = Config {
        ping: with_delay(Duration::from_secs(2)),
        ..Config::default()
    };
    supervisor.reload(&reloaded).unwrap();
    let Some(Message::Ping(_)) = peer.recv().await else {
        panic!("no ping");
    };
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(10),
        "the first ping's time"
    );
}
