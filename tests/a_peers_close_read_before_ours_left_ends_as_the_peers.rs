//! The peer's close read while ours has not left yet (the application or the policy asked to
//! close in the same moment) ends the connection as the peer's, with its code: ours is never
//! sent. It used to end as ours, so a reconnecting client whose on-connect hook failed as
//! the server closed with a final code (4001, say) retried forever, never seeing that code.

mod support;

use support::mock_transport;
use ws_health::{Initiator, Supervisor};

#[tokio::test(start_paused = true)]
async fn a_peers_close_read_before_ours_left_ends_as_the_peers() {
    let (transport, peer) = mock_transport::pair();
    // The driver is spawned, not yet polled: both closes wait for its first poll.
    let conn = Supervisor::new().supervise(transport);
    peer.close(4001, "session revoked");
    conn.close(1011, "on-connect hook failed").unwrap();
    let end = support::within("the end", conn.closed()).await;
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Peer, 4001, "session revoked"),
        "{end}"
    );
}
