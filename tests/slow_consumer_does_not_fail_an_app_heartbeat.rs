//! The slow-consumer rule holds for application-level heartbeats too: when the application
//! leaves the inbound queue full, the answer to a `CheckContext::request` cannot be read,
//! and that must not close the connection as if the peer had failed to answer.

mod support;

use support::{mock_transport, ms};
use ws_health::check::Heartbeat;
use ws_health::config::Queues;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Status, Supervisor};

const PING: &str = r#"{"op":"ping"}"#;
const PONG: &str = r#"{"op":"pong"}"#;

#[tokio::test(start_paused = true)]
async fn slow_consumer_does_not_fail_an_app_heartbeat() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check(
            "heartbeat",
            Heartbeat::new(
                Message::text(PING),
                |m: &Message| matches!(m, Message::Text(t) if t.as_str() == PONG),
            ),
            CheckSettings::every(ms(1000), ms(500)),
        )
        .with_queues(Queues {
            inbound: 2,
            outbound: 16,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let mut conn = supervisor.supervise(transport);
    for i in 0..5 {
        peer.text(&format!("unread {i}"));
    }
    // The peer answers the heartbeat at once; the answer waits behind unread messages.
    assert_eq!(peer.recv().await, Some(Message::text(PING)));
    peer.text(PONG);
    // Past the run's 500 ms timeout, and two more stalled runs.
    tokio::time::sleep(ms(2200)).await;

    assert_eq!(
        conn.disconnect(),
        None,
        "closed for the application's slowness"
    );
    let health = conn.health();
    assert_eq!(health.status(), Status::Degraded, "{health}");
    assert!(
        health.reason().starts_with("heartbeat: slow consumer"),
        "{health}"
    );
    for i in 0..5 {
        assert_eq!(
            conn.recv().await,
            Some(Message::text(format!("unread {i}")))
        );
    }
    // Reading resumed: the answer waiting behind them went to the heartbeat, which
    // recovers; the application got nothing else.
    let extra = tokio::time::timeout(ms(50), conn.recv()).await;
    assert!(extra.is_err(), "the application got {extra:?}");
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert_eq!(conn.disconnect(), None);
}
