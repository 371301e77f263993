//! If the driver future of `Supervisor::attach` is dropped before it completes (a `select!`
//! that moved on, a runtime shutting down), the application is not left hanging:
//! `recv` drains and returns `None`, `closed` returns, and sends are refused.

mod support;

use support::{mock_transport, ms};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::Supervisor;

#[tokio::test(start_paused = true)]
async fn dropping_the_driver_ends_the_connection() {
    let (transport, peer) = mock_transport::pair();
    let (mut conn, driver) = Supervisor::new().attach(transport, None);
    peer.text("before");
    // Drive it a little, then drop it mid-flight.
    let mut driver = Box::pin(driver);
    assert!(tokio::time::timeout(ms(10), &mut driver).await.is_err());
    drop(driver);

    let recv = tokio::time::timeout(ms(100), async {
        let first = conn.recv().await;
        (first, conn.recv().await)
    });
    let (first, second) = recv.await.expect("recv hangs after the driver was dropped");
    assert_eq!(first, Some(Message::text("before")));
    assert_eq!(second, None);
    let end = tokio::time::timeout(ms(100), conn.closed())
        .await
        .expect("closed() hangs after the driver was dropped");
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1006));
    assert_eq!(
        end.reason,
        "the driver was dropped before the connection ended"
    );
    assert!(!end.clean);
    assert!(conn
        .send(Message::text("late"))
        .await
        .unwrap_err()
        .is_closed());
    assert!(peer.is_dropped());
}
