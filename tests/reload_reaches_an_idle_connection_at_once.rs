//! A reload reaches a connection asleep on its timer at once, and reschedules the run it
//! was waiting for on the new interval: a connection pinging every 60 s, reloaded at 1 s to
//! ping every 2 s, pings at 2 s (its last run's start plus the new interval), not at 60 s;
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
