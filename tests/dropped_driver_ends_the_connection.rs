//! When the driver future is dropped before the connection ended (runtime shutdown, an
//! `attach` future dropped, a panicking transport), the application is told: `recv` returns
//! `None` and `closed` returns, instead of both waiting forever.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpListener;
use ws_health::supervisor::Initiator;
use ws_health::Supervisor;

#[tokio::test]
async fn dropped_driver_ends_the_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = tokio::spawn(async move {
        let url = format!("ws://{addr}");
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        while let Some(Ok(_)) = ws.next().await {}
    });
    let (tcp, _) = listener.accept().await.unwrap();
    let ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
    let (mut conn, driver) = Supervisor::new().attach(ws, None);

    // Poll the driver for a while, then drop it mid-connection.
    let still_running = tokio::time::timeout(Duration::from_millis(50), driver).await;
    assert!(still_running.is_err(), "the connection ended on its own");

    let limit = Duration::from_secs(5);
    let received = tokio::time::timeout(limit, conn.recv()).await;
    assert_eq!(received.expect("recv() pends forever"), None);
    let end = tokio::time::timeout(limit, conn.closed())
        .await
        .expect("closed() pends forever");
    assert_eq!(end.code, 1006, "{end}");
    assert_eq!(end.initiator, Initiator::Application);
    assert!(!end.clean);
    client.abort();
}
