//! Liveness is proved by pongs only (the Python `websockets` rule): a peer that keeps
//! sending data but never answers a ping is closed with 1011 "keepalive ping timeout"
//! exactly when the first ping's timeout passes, and the application got all its data.

mod support;

use support::{close_of, mock_transport, ms, policy_closing_within};
use tokio::time::Instant;
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn peer_sending_data_without_pongs_is_still_closed() {
    let (interval, timeout) = (ms(1000), ms(500));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_policy(policy_closing_within(ms(100)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);

    // A message every 50 ms, from the start until well past the deadline.
    let mut sent = 0;
    for i in 0..40u64 {
        peer.send_after(ms(50 * (i + 1)), Message::text(format!("data {i}")));
        sent += 1;
    }
    let app = tokio::spawn(async move {
        let mut received = Vec::new();
        while let Some(message) = conn.recv().await {
            received.push(message);
        }
        (received, conn)
    });

    let ping = peer.recv().await.unwrap();
    assert!(matches!(ping, Message::Ping(_)), "{ping:?}");
    assert_eq!(Instant::now() - start, interval);
    let close = peer.recv().await.unwrap();
    assert_eq!(
        Instant::now() - start,
        interval + timeout,
        "data did not count as a pong"
    );
    assert_eq!(close_of(&close), (1011, "keepalive ping timeout".into()));

    let (received, conn) = app.await.unwrap();
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    // Everything sent before the close frame reached the application, in order.
    let expected: Vec<_> = (0..received.len())
        .map(|i| Message::text(format!("data {i}")))
        .collect();
    assert_eq!(received, expected);
    // 30 messages arrived by 1.5 s; the rest may still be read during the close handshake.
    assert!(
        received.len() >= 30 && received.len() <= sent,
        "{}",
        received.len()
    );
    assert_eq!(conn.stats().pongs_received, 0);
    assert_eq!(conn.stats().pings_missed, 1);
}
