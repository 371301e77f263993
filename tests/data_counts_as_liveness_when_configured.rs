//! With `data_counts_as_liveness = true`, a ping whose pong is late passes while the peer
//! keeps sending data (the connection stays Healthy, the miss is still counted); once the
//! peer falls silent, the next unanswered ping closes with 1011 as usual.

mod support;

use support::{close_of, mock_transport, ms, policy_closing_within};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Status, Supervisor};

#[tokio::test(start_paused = true)]
async fn data_counts_as_liveness_when_configured() {
    let (interval, timeout) = (ms(1000), ms(500));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            data_counts_as_liveness: true,
            // Exact deadlines: the slack grid is counted from one instant of the process,
            // which the other test of this binary may set off tokio's millisecond ticks.
            slack: std::time::Duration::ZERO,
            ..CheckSettings::every(interval, timeout)
        })
        .with_policy(policy_closing_within(ms(100)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    // Data every 100 ms for the first 2.5 s (pings at 1 s and 2 s), never a pong.
    for i in 0..25u64 {
        peer.send_after(ms(100 * (i + 1)), Message::text(format!("data {i}")));
    }
    let mut pings = 0;
    let close = loop {
        match peer.recv().await.unwrap() {
            Message::Ping(_) => pings += 1,
            other => break other,
        }
    };
    // The pings at 1 s and 2 s were excused by the data; the one at 3 s found the peer
    // silent since 2.5 s and closed at 3.5 s.
    assert_eq!(pings, 3);
    assert_eq!(Instant::now() - start, ms(3500));
    assert_eq!(close_of(&close), (1011, "keepalive ping timeout".into()));
    assert_eq!(conn.stats().pings_missed, 3);
    assert_eq!(conn.health().status(), Status::Unhealthy);
}

/// The peer's data excuses only a run that waits on the peer (a ping, an expected answer): a
/// check hung in a backend is still timed out while the peer sends data.
#[tokio::test(start_paused = true)]
async fn data_does_not_excuse_a_check_that_waits_on_something_else() {
    use ws_health::{async_trait, CheckContext, Health, HealthCheck};
    struct Backend;
    #[async_trait]
    impl HealthCheck for Backend {
        async fn check(&self, _: &CheckContext) -> Health {
            std::future::pending().await
        }
    }
    let recorder = support::Recorder::default();
    let supervisor = Supervisor::builder()
        .with_check(
            "backend",
            Backend,
            CheckSettings {
                data_counts_as_liveness: true,
                ..support::recorded(ms(1000), ms(500))
            },
        )
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let _conn = supervisor.supervise(transport);
    for i in 0..15u64 {
        peer.send_after(ms(100 * (i + 1)), Message::text(format!("data {i}")));
    }
    tokio::time::sleep(ms(1600)).await;
    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].check_status, Status::Unhealthy);
    assert_eq!(events[0].reason, "timed out after 500ms");
}
