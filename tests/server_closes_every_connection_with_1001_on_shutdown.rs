//! A graceful shutdown closes every open connection with 1001 "going away", and the server
//! stops accepting.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn server_closes_every_connection_with_1001_on_shutdown() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let url = format!("ws://{}", server.local_addr());
    let mut clients = Vec::new();
    for _ in 0..3 {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        ws.send(Message::text("hi")).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
        clients.push(ws);
    }
    assert_eq!(server.hub().len(), 3);
    let addr = server.local_addr();

    let shutdown = tokio::spawn(server.shutdown());
    for mut ws in clients {
        let (code, reason) = support::next_close(&mut ws, "a client").await;
        assert_eq!(code, 1001);
        assert_eq!(reason, "going away");
    }
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown took longer than its timeout")
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting after shutdown"
    );
}
