//! A pong answers its ping and every earlier one (RFC 6455 §5.5.3: a peer may answer only
//! the latest), also when the later ping is one the application sent as a message of its own
//! (`send(Message::Ping(..))`). Its pong was taken for unsolicited, the keepalive's ping
//! before it counted missed, and a healthy peer closed with 1011.

mod support;

use std::time::Duration;

use support::{mock_transport, ms};
use tokio::time::{sleep_until, Instant};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

/// The keepalive's ping every second, a pong due within 500 ms; no timer slack.
fn pinging_every_second() -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings {
            slack: Duration::ZERO,
            ..CheckSettings::every(ms(1000), ms(500))
        })
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_pong_for_the_applications_own_ping_answers_ours_before_it() {
    let supervisor = pinging_every_second();
    let start = Instant::now();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    // The keepalive's ping at 1 s, then the application's own.
    assert!(peer.recv().await.is_some_and(|m| m.is_ping()));
    conn.send(Message::Ping("app".into())).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::Ping("app".into())));
    // The peer answers only the latest, 100 ms later.
    sleep_until(start + ms(1100)).await;
    peer.pong("app");
    // Past the keepalive's deadline (1.5 s), before its next ping (2 s).
    sleep_until(start + ms(1900)).await;

    let stats = conn.stats();
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    assert_eq!(stats.latency, ms(100), "the keepalive's round trip");
    // The application's ping is not ours: neither sent nor answered in the stats.
    assert_eq!(
        (stats.pings_sent, stats.pongs_received),
        (1, 1),
        "{stats:?}"
    );
    assert_eq!(conn.disconnect(), None);
    assert_eq!(conn.health().status(), ws_health::Status::Healthy);
}

/// With no ping of ours awaited, the application's ping is not kept: its pong answers
/// nothing and counts for nothing.
#[tokio::test(start_paused = true)]
async fn the_applications_own_ping_alone_counts_for_nothing() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    conn.send(Message::Ping("app".into())).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::Ping("app".into())));
    peer.pong("app");
    tokio::time::sleep(ms(100)).await;
    let stats = conn.stats();
    assert_eq!(
        (stats.pings_sent, stats.pongs_received),
        (0, 0),
        "{stats:?}"
    );
    assert_eq!(stats.latency, Duration::ZERO);
}

/// An application that reuses its payload: the pong of its ping written before ours must not
/// answer ours, though a ping with the same payload went out after ours. The second is not
/// kept while the first awaits its pong, which one the pong answered being unknowable.
#[tokio::test(start_paused = true)]
async fn a_reused_payload_does_not_answer_a_ping_of_ours_written_between() {
    let supervisor = pinging_every_second();
    let start = Instant::now();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    // The application's ping at 0.5 s, the keepalive's at 1 s, the application's again.
    sleep_until(start + ms(500)).await;
    conn.send(Message::Ping("x".into())).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::Ping("x".into())));
    assert!(peer.recv().await.is_some_and(|m| m.is_ping()));
    conn.send(Message::Ping("x".into())).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::Ping("x".into())));
    // The peer answers the first of the application's pings only, then nothing.
    sleep_until(start + ms(1100)).await;
    peer.pong("x");
    sleep_until(start + ms(1600)).await;

    let stats = conn.stats();
    assert_eq!(
        stats.pings_missed, 1,
        "the keepalive's went unanswered: {stats:?}"
    );
    assert_eq!(stats.pongs_received, 0, "{stats:?}");
}
