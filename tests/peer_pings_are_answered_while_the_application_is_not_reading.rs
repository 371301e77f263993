//! The supervisor answers the peer's pings by itself: a peer pinging a connection whose
//! application never calls `recv` still gets each pong, with its payload, over a real socket.

mod support;

use std::time::Duration;

use support::{raw_peer, supervised_server, RawPeer};
use ws_health::tungstenite::Message;
use ws_health::Supervisor;

#[tokio::test]
async fn peer_pings_are_answered_while_the_application_is_not_reading() {
    support::trace();
    // The default supervisor: its own first ping is 20 s away, so every frame is ours.
    let (addr, mut conns) = supervised_server(Supervisor::new()).await;
    let mut peer = RawPeer::connect(addr).await;
    let mut conn = conns.recv().await.unwrap();

    // Application messages that nobody reads, interleaved with the pings.
    for i in 0..5u8 {
        peer.text(&format!("unread {i}")).await;
        let payload = [b'p', i, 0xff, 0x00];
        peer.ping(&payload).await;
        let pong = tokio::time::timeout(Duration::from_secs(5), peer.read_frame())
            .await
            .expect("no pong while the application is not reading")
            .expect("connection closed");
        assert_eq!(pong.opcode, raw_peer::PONG, "{pong:?}");
        assert_eq!(pong.payload, payload);
    }
    // An empty ping, and the largest one allowed.
    for payload in [vec![], vec![7u8; 125]] {
        peer.ping(&payload).await;
        let pong = peer.read_frame().await.unwrap();
        assert_eq!((pong.opcode, pong.payload), (raw_peer::PONG, payload));
    }

    // Nothing was lost meanwhile.
    for i in 0..5u8 {
        assert_eq!(
            conn.recv().await,
            Some(Message::text(format!("unread {i}")))
        );
    }
    assert_eq!(conn.disconnect(), None);
}
