//! `Hub::sender` and `Hub::close_all` pass over a connection that no handle holds any more (it
//! is closing with 1000, or about to): they return no `Sender` for it, and leave its count of
//! handles alone, so that it still closes with 1000. They used to build the `Sender` they then
//! refused and drop it, which took one more handle off the count: the count wrapped to
//! `usize::MAX`, so the driver no longer saw the connection abandoned and never closed it, and
//! the next look at it overflowed (a panic in debug builds, inside the application's call).
//! Found by a randomized stress over loopback (`close_all` while connections closed).

mod support;

use support::{close_of, mock_transport, ms, MockPeer};
use ws_health::runtime::{Hub, Side};
use ws_health::supervisor::{ConnectionInfo, Initiator};
use ws_health::{CheckSettings, Disconnect, Supervisor};

/// A connection attached with the hub as its observer, its handles all dropped before its
/// driver ran; the driver, to spawn, and the peer.
fn abandoned(hub: &Hub) -> (u64, impl std::future::Future<Output = Disconnect>, MockPeer) {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let info = ConnectionInfo::new().with_observer(hub.observer(Side::Server));
    let (conn, driver) = supervisor.attach_with(transport, info);
    let id = conn.id();
    drop(conn);
    assert_eq!(hub.len(), 1, "still in the hub until it ends");
    (id, driver, peer)
}

/// The driver closes with 1000 and the connection ends cleanly, leaving the hub.
async fn closes_with_1000(
    hub: &Hub,
    driver: impl std::future::Future<Output = Disconnect> + Send + 'static,
    mut peer: MockPeer,
) {
    let driver = tokio::spawn(driver);
    let close = support::within("the close frame", peer.recv())
        .await
        .expect("a close frame");
    assert_eq!(close_of(&close), (1000, String::new()));
    peer.close(1000, "");
    let end = support::within("the end", driver).await.unwrap();
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert!(end.clean, "{end}");
    assert!(hub.is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_abandoned_connection_still_closes_with_1000_after_the_hub_looked_at_it() {
    let hub = Hub::new();
    let (id, driver, peer) = abandoned(&hub);
    assert!(
        hub.sender(id).is_none(),
        "a Sender for an abandoned connection"
    );
    closes_with_1000(&hub, driver, peer).await;
}

#[tokio::test(start_paused = true)]
async fn looking_again_and_again_neither_panics_nor_keeps_it_open() {
    let hub = Hub::new();
    let (id, driver, peer) = abandoned(&hub);
    for _ in 0..3 {
        assert!(hub.sender(id).is_none());
        assert_eq!(hub.close_all(1001, "going away").unwrap(), 0);
    }
    closes_with_1000(&hub, driver, peer).await;
}
