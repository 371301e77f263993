//! When the server restarts, the client reconnects within the backoff bounds, and the
//! messages the application sent while it was disconnected arrive, in order, on the new
//! connection.

mod support;

use support::runtime::next_client_event as next_event;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::Connection;

async fn recording_server(addr: SocketAddr, seen: mpsc::UnboundedSender<String>) -> Server {
    Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve(addr, move |mut conn: Connection| {
            let seen = seen.clone();
            async move {
                while let Some(message) = conn.recv().await {
                    let _ = seen.send(message.into_text().unwrap().to_string());
                }
            }
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn client_reconnects_after_a_server_restart_and_sends_queued_messages_in_order() {
    support::trace();
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let server = recording_server("127.0.0.1:0".parse().unwrap(), seen_tx.clone()).await;
    let addr = server.local_addr();
    let max = Duration::from_millis(200);
    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(50),
            max,
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    next_event(&mut events, |e| matches!(e, ClientEvent::Connected { .. })).await;
    client.send(Message::text("before")).await.unwrap();
    assert_eq!(seen.recv().await.unwrap(), "before");

    server.shutdown().await;
    let disconnect = support::runtime::next_disconnect(&mut events).await;
    assert_eq!(disconnect.code, 1001);
    assert!(!client.is_connected());
    for i in 1..=5 {
        client
            .send(Message::text(format!("queued {i}")))
            .await
            .unwrap();
    }
    // Let a few attempts fail against the closed port.
    next_event(&mut events, |e| {
        matches!(e, ClientEvent::ConnectFailed { .. })
    })
    .await;

    let _server = recording_server(addr, seen_tx).await;
    let up = Instant::now();
    next_event(&mut events, |e| matches!(e, ClientEvent::Connected { .. })).await;
    let took = up.elapsed();
    // At most one full delay (capped at `max`) plus the attempt itself; generous for load.
    assert!(
        took < max + Duration::from_secs(2),
        "reconnected after {took:?}"
    );

    for i in 1..=5 {
        let got = tokio::time::timeout(Duration::from_secs(5), seen.recv())
            .await
            .expect("a queued message never arrived")
            .unwrap();
        assert_eq!(got, format!("queued {i}"));
    }
}
