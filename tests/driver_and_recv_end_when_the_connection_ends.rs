//! However a connection ends — the peer closes, a policy closes, the stream ends or fails —
//! the driver future returns the `Disconnect`, `Connection::recv` yields the messages
//! received before the end and then `None`, and the transport is dropped.

mod support;

use support::{close_of, mock_transport, ms, MockPeer};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Disconnect, Supervisor};

fn supervisor() -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .with_policy(support::policy_closing_within(ms(200)))
        .build()
        .unwrap()
}

/// Attaches a connection, its driver spawned; the peer has sent "a" and "b".
fn start() -> (Connection, tokio::task::JoinHandle<Disconnect>, MockPeer) {
    let (transport, peer) = mock_transport::pair();
    let (conn, driver) = supervisor().attach(transport, None);
    peer.text("a");
    peer.binary(b"b");
    (conn, tokio::spawn(driver), peer)
}

/// The driver has ended: the application drains, then sees the end.
async fn assert_drains_then_ends(mut conn: Connection, end: &Disconnect, peer: &mut MockPeer) {
    assert_eq!(conn.recv().await, Some(Message::text("a")));
    assert_eq!(conn.recv().await, Some(Message::binary(b"b".to_vec())));
    assert_eq!(conn.recv().await, None);
    assert_eq!(conn.recv().await, None, "None again");
    assert_eq!(conn.closed().await, *end);
    assert_eq!(conn.disconnect().as_ref(), Some(end));
    assert!(conn
        .send(Message::text("late"))
        .await
        .unwrap_err()
        .is_closed());
    // The transport is gone with the driver.
    while peer.recv().await.is_some() {}
    assert!(peer.is_dropped());
}

#[tokio::test(start_paused = true)]
async fn when_the_peer_closes() {
    let (conn, driver, mut peer) = start();
    peer.close(1001, "going away");
    let end = driver.await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1001));
    assert_eq!(end.reason, "going away");
    assert!(end.clean);
    // The close frame was echoed, as RFC 6455 asks.
    assert_eq!(
        close_of(&peer.recv().await.unwrap()),
        (1001, "going away".into())
    );
    assert_drains_then_ends(conn, &end, &mut peer).await;
}

#[tokio::test(start_paused = true)]
async fn when_a_policy_closes() {
    let (conn, driver, mut peer) = start();
    // The first ping goes unanswered; the peer answers the close frame.
    assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    let close = peer.recv().await.unwrap();
    assert_eq!(close_of(&close).0, 1011);
    peer.close(1011, "");
    let end = driver.await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    assert_eq!(end.reason, "keepalive ping timeout");
    assert!(end.clean);
    assert_drains_then_ends(conn, &end, &mut peer).await;
}

#[tokio::test(start_paused = true)]
async fn when_the_stream_ends_without_a_close_frame() {
    let (conn, driver, mut peer) = start();
    peer.end();
    let end = driver.await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Network, 1006));
    assert!(!end.clean);
    assert_drains_then_ends(conn, &end, &mut peer).await;
}

#[tokio::test(start_paused = true)]
async fn when_the_transport_fails() {
    let (conn, driver, mut peer) = start();
    peer.fail("connection reset by peer");
    let end = driver.await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Network, 1006));
    assert_eq!(end.reason, "connection reset by peer");
    assert!(!end.clean);
    assert_drains_then_ends(conn, &end, &mut peer).await;
}

#[tokio::test(start_paused = true)]
async fn when_the_application_closes() {
    let (conn, driver, mut peer) = start();
    conn.send(Message::text("last words")).await.unwrap();
    conn.close(1000, "done").unwrap();
    // Queued messages go first, then the close frame.
    assert_eq!(peer.recv().await, Some(Message::text("last words")));
    assert_eq!(close_of(&peer.recv().await.unwrap()), (1000, "done".into()));
    peer.close(1000, "");
    let end = driver.await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert!(end.clean);
    assert_eq!(end.unsent, 0);
    assert_drains_then_ends(conn, &end, &mut peer).await;
}
