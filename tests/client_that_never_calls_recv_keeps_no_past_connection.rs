//! A client that never calls `recv` (a publisher) does not keep every connection it ever
//! had: a connection `recv` never took is dropped, with its unread messages, once a newer
//! one is handed over, so memory stays bounded however often it reconnects. When `recv`
//! is called at last, it starts from the newest connection. Each drop is reported with a
//! `ClientEvent::UnreadDropped`.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::supervisor::WeakSender;
use ws_health::tungstenite::Message;
use ws_health::Connection;

const CONNECTIONS: usize = 6;

#[tokio::test]
async fn client_that_never_calls_recv_keeps_no_past_connection() {
    support::trace();
    // Each connection gets a numbered message, then is closed: it ends with that message
    // unread.
    let served = Arc::new(AtomicUsize::new(0));
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |conn: Connection| {
            let n = served.fetch_add(1, Ordering::Relaxed) + 1;
            async move {
                conn.send(Message::text(n.to_string())).await.unwrap();
                conn.close(1001, "recycling").unwrap();
                let _ = conn.closed().await;
            }
        })
        .await
        .unwrap();
    // The hook sees every connection; a weak handle tells whether its state still lives.
    let (opened_tx, mut opened) = mpsc::unbounded_channel::<WeakSender>();
    let mut client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(1),
            Duration::from_millis(5),
        ))
        .with_on_connect(move |sender| {
            let _ = opened_tx.send(sender.downgrade());
            async { Ok(()) }
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    let mut weak = Vec::new();
    while weak.len() < CONNECTIONS {
        weak.push(
            support::within("a connection", opened.recv())
                .await
                .unwrap(),
        );
    }
    // The hook of the newest connection runs after the one before it was handed over; on
    // this one thread, every older connection's driver has finished since.
    let alive: Vec<u64> = weak[..CONNECTIONS - 2]
        .iter()
        .filter(|w| w.upgrade().is_some())
        .map(WeakSender::id)
        .collect();
    assert_eq!(alive, Vec::<u64>::new(), "past connections kept alive");
    // Each drop was told, with its connection and count: a feed knows to resynchronise.
    let mut dropped = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let ClientEvent::UnreadDropped { id, unread } = event {
            assert_eq!(unread, 1, "connection {id}");
            dropped.push(id);
        }
    }
    let expected: Vec<u64> = weak[..CONNECTIONS - 2].iter().map(WeakSender::id).collect();
    assert!(
        dropped.starts_with(&expected),
        "UnreadDropped for {dropped:?}, expected {expected:?} first"
    );

    let first = support::within("a message", client.recv()).await.unwrap();
    let n: usize = first.to_text().unwrap().parse().unwrap();
    assert!(n >= CONNECTIONS - 1, "recv started from connection {n}");
    client.close();
    server.shutdown().await;
}
