//! When the application stops reading and the inbound queue fills, the supervisor stops
//! reading too, so the peer's pong cannot be read. That is the application's slowness, not
//! the peer's: the connection becomes Degraded "slow consumer" and is not closed. When the
//! application drains the queue, reading resumes, nothing was lost, and it recovers.

mod support;

use std::time::Duration;

use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::config::Queues;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Status, Supervisor};

#[tokio::test(start_paused = true)]
async fn slow_consumer_is_degraded_not_closed() {
    let (interval, timeout) = (ms(1000), ms(400));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_queues(Queues {
            inbound: 4,
            outbound: 16,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(5));
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    // Ten messages the application does not read: four fill the queue, six wait behind.
    let sent: Vec<_> = (0..10)
        .map(|i| Message::binary(vec![i as u8; 1000 * i]))
        .collect();
    for message in &sent {
        peer.send(message.clone());
    }

    // The first ping's pong waits behind the six unread messages.
    health.changed().await.unwrap();
    let degraded = health.borrow_and_update().clone();
    assert_eq!(Instant::now() - start, interval + timeout);
    assert_eq!(degraded.status(), Status::Degraded, "{degraded}");
    assert!(
        degraded.reason().starts_with("ping: slow consumer"),
        "{degraded}"
    );
    assert_eq!(peer.pings_answered(), 1);
    assert_eq!(conn.disconnect(), None);
    assert_eq!(conn.stats().pings_missed, 0, "not blamed on the peer");

    // Still not closed a while later, however many pings are held up.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(conn.disconnect(), None);
    assert_eq!(conn.health().status(), Status::Degraded);
    assert_eq!(peer.try_recv(), None, "the peer was sent a close frame");

    // The application drains: every message arrives, in order.
    let mut received = Vec::new();
    for _ in 0..sent.len() {
        received.push(conn.recv().await.unwrap());
    }
    assert_eq!(received, sent);
    let drained_at = Instant::now();

    // Reading resumed: the next ping is answered and the connection recovers.
    health.changed().await.unwrap();
    let recovered = health.borrow_and_update().clone();
    assert_eq!(recovered.status(), Status::Healthy, "{recovered}");
    assert!(Instant::now() - drained_at <= interval + ms(5));
    assert_eq!(conn.disconnect(), None);
    assert_eq!(conn.stats().messages_received, 10);
    assert!(conn.stats().pongs_received >= 1);
}
