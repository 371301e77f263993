//! An end is clean only when the close handshake completed: a transport that ends (EOF)
//! after our close frame without the peer's is not. tungstenite reports that EOF as an error,
//! but a transport of one's own may end its stream there, as the mock does; such an end was
//! reported clean.

mod support;

use support::mock_transport;
use ws_health::{Initiator, Supervisor};

#[tokio::test(start_paused = true)]
async fn a_peer_gone_without_answering_our_close_is_not_a_clean_end() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    conn.close(1000, "bye").unwrap();
    assert!(peer.recv().await.is_some_and(|m| m.is_close()));
    peer.end();
    let end = support::within("the end", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert!(!end.clean, "{end}");

    // Answered, it is.
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    conn.close(1000, "bye").unwrap();
    assert!(peer.recv().await.is_some_and(|m| m.is_close()));
    peer.close(1000, "bye");
    peer.end();
    let end = support::within("the end", conn.closed()).await;
    assert!(end.clean, "{end}");
}
