//! The other side of write progress: a peer that stops reading while we send it a large
//! message lets the socket's buffers fill, after which the socket takes no byte. A ping
//! queued behind the message is then missed at the first deadline where the socket took no
//! byte since the flush stalled or since the previous deadline, and the connection is closed
//! with 1011 "keepalive ping timeout", the close frame given up at the close timeout.

mod support;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::runtime::Server;
use ws_health::tungstenite::Message;
use ws_health::{Connection, Initiator};

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_millis(500);
/// `support::runtime::supervisor`'s close timeout.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(300);

#[tokio::test]
async fn peer_that_stops_reading_a_large_message_is_closed_with_1011() {
    let (opened, mut connections) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::supervisor(INTERVAL, TIMEOUT))
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |mut conn: Connection| {
            let _ = opened.send(conn.sender());
            async move {
                // Far more than the socket buffers hold for a peer that does not read.
                let _ = conn.send(Message::binary(vec![7; 8 << 20])).await;
                while conn.recv().await.is_some() {}
            }
        })
        .await
        .unwrap();
    // Connects, then never reads again.
    let _peer = support::RawPeer::connect(server.local_addr()).await;
    let opened_at = Instant::now();
    let conn = support::within("the connection", connections.recv())
        .await
        .expect("the server's connection");

    let end = support::within("the close", conn.closed()).await;
    let took = opened_at.elapsed();
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Policy, 1011, "keepalive ping timeout"),
        "{end:?}"
    );
    assert!(!end.clean, "{end:?}");
    // The first ping is due one interval after the open. It is missed at its deadline if the
    // buffers had filled before the flush stalled, one timeout later if they filled after
    // (here, on loopback, they do); then the close timeout. Room above for a loaded machine.
    let earliest = INTERVAL + TIMEOUT + CLOSE_TIMEOUT;
    let latest = INTERVAL + 2 * TIMEOUT + CLOSE_TIMEOUT;
    assert!(
        took + Duration::from_millis(50) >= earliest && took < latest + Duration::from_millis(1500),
        "closed {took:?} after the open (expected {earliest:?} to {latest:?})"
    );
    assert_eq!(conn.stats().pings_missed, 1);
}

/// A peer that floods an echo server and reads nothing: the echoes fill the socket's buffers
/// and the outbound queue, the handler waits to send, the inbound queue fills and reading
/// pauses. Our ping never leaves, so no pong can be sitting unread: a miss, not a slow
/// consumer. It used to be excused as one for good, Degraded, the connection and its queued
/// messages held until the peer went away.
#[tokio::test]
async fn peer_that_floods_an_echo_server_and_reads_nothing_is_closed_with_1011() {
    let (opened, mut connections) = mpsc::unbounded_channel();
    let supervisor = ws_health::Supervisor::builder()
        .with_ping_settings(ws_health::CheckSettings::every(INTERVAL, TIMEOUT))
        .with_queues(ws_health::config::Queues {
            inbound: 2,
            outbound: 2,
            ..Default::default()
        })
        .with_policy(ws_health::policy::Policy {
            close_timeout: CLOSE_TIMEOUT,
            ..ws_health::policy::Policy::default()
        })
        .build()
        .unwrap();
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |conn: Connection| {
            let _ = opened.send(conn.sender());
            support::runtime::echo(conn)
        })
        .await
        .unwrap();
    let mut peer = support::RawPeer::connect(server.local_addr())
        .await
        .into_stream();
    let conn = support::within("the connection", connections.recv())
        .await
        .expect("the server's connection");
    // 1 MiB messages until the server stops taking them; it ends with the connection.
    let _flood = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let message = support::raw_peer::frame(
            true,
            support::raw_peer::BINARY,
            &vec![7; 1 << 20],
            Some([1, 2, 3, 4]),
        );
        while peer.write_all(&message).await.is_ok() {}
    });

    let end = support::within("the close", conn.closed()).await;
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Policy, 1011, "keepalive ping timeout"),
        "{end:?}"
    );
    assert!(conn.stats().pings_missed >= 1, "{:?}", conn.stats());
}
