//! A driver future dropped before its first poll (its task aborted at once, e.g. by a
//! server shutting down) still ends the connection: `recv` returns `None` and `closed`
//! resolves, instead of waiting forever.

use std::time::Duration;

use ws_health::Supervisor;

#[tokio::test]
async fn driver_dropped_before_its_first_poll_ends_the_connection() {
    let (client, _server) = tokio::io::duplex(1024);
    let ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
        client,
        tokio_tungstenite::tungstenite::protocol::Role::Client,
        None,
    )
    .await;
    let (mut conn, driver) = Supervisor::new().attach(ws, None);
    let task = tokio::spawn(driver);
    task.abort();
    let _ = task.await;

    let ended = tokio::time::timeout(Duration::from_secs(5), conn.closed())
        .await
        .expect("closed() never resolved after the driver was dropped");
    assert_eq!(ended.code, 1006);
    let next = tokio::time::timeout(Duration::from_secs(5), conn.recv()).await;
    assert_eq!(next.expect("recv() hung"), None);
}
