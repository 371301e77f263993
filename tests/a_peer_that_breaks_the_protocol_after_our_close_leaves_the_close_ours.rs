//! A peer that answers our close with a frame that breaks the protocol (reserved bits set)
//! instead of its close frame: the connection ends as the close we began, the application's
//! 1000, not clean, and no second close frame follows ours: the end already had its outcome
//! when the broken frame came. Two guards keep it so, the reader failing a connection only
//! while it is not closing and `begin_close` beginning no close over another; with both
//! removed the end was the protocol's 1002. Over real loopback sockets, the peer written by
//! hand.

mod support;

use support::{raw_peer, RawPeer};
use tokio::net::TcpListener;
use ws_health::{Initiator, Supervisor};

#[tokio::test]
async fn a_peer_that_breaks_the_protocol_after_our_close_leaves_the_close_ours() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = async {
        let (tcp, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        Supervisor::new().supervise(ws)
    };
    let (conn, mut peer) = tokio::join!(accept, RawPeer::connect(addr));
    conn.close(1000, "done").unwrap();
    let close = support::within("our close", peer.read_frame())
        .await
        .expect("a close frame");
    assert_eq!(close.opcode, raw_peer::CLOSE);
    assert_eq!(
        (close.close_code(), close.close_reason()),
        (1000, "done".into())
    );

    // Instead of its close frame, one with a reserved bit set.
    let mut broken = raw_peer::frame(true, raw_peer::BINARY, b"x", Some([9, 8, 7, 6]));
    broken[0] |= 0x40;
    peer.write_raw(&broken).await;

    let end = support::within("the end", conn.closed()).await;
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str(), end.clean),
        (Initiator::Application, 1000, "done", false),
        "{end}"
    );
    let after = support::within("the end of the stream", peer.read_frame()).await;
    assert!(after.is_none(), "a frame after our close: {after:?}");
}
