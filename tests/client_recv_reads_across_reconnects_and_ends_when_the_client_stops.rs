//! `Client::recv` yields a connection's messages, then the next connection's after a
//! reconnect, and `None` once the client has stopped and nothing is left; `recv_with_id`
//! says which connection each came on.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ws_health::runtime::{Client, Server};
use ws_health::tungstenite::Message;
use ws_health::Connection;

#[tokio::test]
async fn client_recv_reads_across_reconnects_and_ends_when_the_client_stops() {
    support::trace();
    // The first connection gets "1" and "2" and is closed; the second gets "3" and stays.
    let served = Arc::new(AtomicUsize::new(0));
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |conn: Connection| {
            let first = served.fetch_add(1, Ordering::Relaxed) == 0;
            async move {
                if first {
                    conn.send(Message::text("1")).await.unwrap();
                    conn.send(Message::text("2")).await.unwrap();
                    conn.close(1001, "restarting").unwrap();
                } else {
                    conn.send(Message::text("3")).await.unwrap();
                }
                let _ = conn.closed().await;
            }
        })
        .await
        .unwrap();
    let mut client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .connect()
        .unwrap();

    let mut ids = Vec::new();
    for expected in ["1", "2", "3"] {
        let (id, message) = support::within("a message", client.recv_with_id())
            .await
            .unwrap();
        assert_eq!(message, Message::text(expected));
        ids.push(id);
    }
    // "1" and "2" on the first connection, "3" on the next.
    assert_eq!(ids[0], ids[1]);
    assert_ne!(ids[1], ids[2]);
    client.close();
    assert_eq!(support::within("the end", client.recv()).await, None);
    server.shutdown().await;
}
