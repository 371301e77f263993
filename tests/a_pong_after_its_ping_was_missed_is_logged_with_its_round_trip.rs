//! A pong that comes after its ping was counted missed says so at info, with its round trip:
//! the mark of a timeout shorter than the path's round trip, not of a dead peer. It was
//! ignored at trace, so a timeout set below the round trip closed healthy peers with nothing
//! in the logs to tell them from dead ones.

mod support;

use support::logs::Captured;
use support::{mock_transport, ms};
use tokio::time::{sleep_until, Instant};
use ws_health::policy::{Action, Policy};
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn a_pong_after_its_ping_was_missed_is_logged_with_its_round_trip() {
    let logs = Captured::default();
    let _guard = logs.install("ws_health=info");
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            initial_delay: Some(ms(0)),
            slack: ms(0),
            ..CheckSettings::every(ms(1000), ms(100))
        })
        // Keeps the connection, so that the late pong is read.
        .with_policy(Policy {
            on_unhealthy: vec![Action::Log {
                level: Default::default(),
            }],
            ..Policy::default()
        })
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(150));
    let start = Instant::now();
    let conn = supervisor.supervise(transport);
    sleep_until(start + ms(500)).await;

    let stats = conn.stats();
    assert_eq!((stats.pings_missed, stats.pongs_received), (1, 0));
    let text = logs.text();
    let late: Vec<_> = text
        .lines()
        .filter(|l| l.contains("counted missed"))
        .collect();
    assert_eq!(late.len(), 1, "{text}");
    assert!(late[0].contains(" INFO "), "{text}");
    assert!(late[0].contains("rtt=150ms"), "{text}");
}
