//! After a policy closes, a peer that never answers the close frame is dropped when the
//! close timeout passes — exactly, on a paused clock, and for real, over a loopback socket
//! where the peer sees the TCP connection end.

mod support;

use std::time::Duration;

use support::{
    close_of, mock_transport, ms, policy_closing_within, raw_peer, supervised_server, RawPeer,
};
use tokio::time::Instant;
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

fn supervisor(interval: Duration, timeout: Duration, close_timeout: Duration) -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_policy(policy_closing_within(close_timeout))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn exactly_at_the_close_timeout() {
    let close_timeout = ms(750);
    let (transport, mut peer) = mock_transport::pair();
    let (conn, driver) = supervisor(ms(1000), ms(300), close_timeout).attach(transport, None);
    let driver = tokio::spawn(driver);

    assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    let close = peer.recv().await.unwrap();
    let closed_at = Instant::now();
    assert_eq!(close_of(&close).0, 1011);
    // The peer keeps sending data but never answers the close frame.
    for i in 0..20u64 {
        peer.send_after(ms(50 * i), Message::text("ignoring you"));
    }
    assert_eq!(
        peer.recv().await,
        None,
        "something but the close frame was sent"
    );
    assert_eq!(Instant::now() - closed_at, close_timeout);
    let end = driver.await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    assert!(!end.clean, "{end}");
    assert_eq!(conn.closed().await, end);
}

#[tokio::test]
async fn over_a_real_socket() {
    support::trace();
    let (interval, timeout, close_timeout) = (ms(50), ms(100), ms(300));
    let (addr, mut conns) = supervised_server(supervisor(interval, timeout, close_timeout)).await;
    // Taken before the connection exists, so before its first ping: a strict lower bound.
    let before = Instant::now();
    let mut peer = RawPeer::connect(addr).await;
    let conn = conns.recv().await.unwrap();

    let ping = peer.read_frame().await.unwrap();
    assert_eq!(ping.opcode, raw_peer::PING);
    let close = peer.read_frame().await.unwrap();
    let closed_at = Instant::now();
    assert_eq!(close.close_code(), 1011);
    // Never answer: the server must drop TCP itself.
    let eof = tokio::time::timeout(Duration::from_secs(5), peer.read_frame())
        .await
        .expect("TCP was not dropped");
    assert_eq!(eof, None, "expected the end of the stream");
    let total = before.elapsed();
    assert!(
        total >= interval + timeout + close_timeout,
        "dropped {total:?} after connecting: before the close timeout"
    );
    let waited = closed_at.elapsed();
    assert!(
        waited <= close_timeout + Duration::from_secs(1),
        "dropped {waited:?} after the close frame"
    );
    let end = conn.closed().await;
    assert_eq!(
        (end.initiator, end.code, end.clean),
        (Initiator::Policy, 1011, false)
    );
}
