//! A push server whose peer closes while messages are still queued for it does not warn:
//! the peer chose to leave, so the messages it will not read are no fault, and a feed server
//! whose subscribers come and go warned once per leaving subscriber
//! (`connection ended with queued messages unsent … unsent=64`, at warn, under
//! `RUST_LOG=warn`). It is said at info, next to `peer closed the connection`. An end the
//! peer did not ask for, a shutdown whose close the peer never reads, still warns.

mod support;

use futures_util::{SinkExt, StreamExt};
use support::logs::Captured;
use ws_health::runtime::Server;
use ws_health::tungstenite::Message;
use ws_health::Connection;

const UNSENT: &str = "connection ended with queued messages unsent";

/// Queues more than the socket takes at once, then waits for the end.
async fn push(mut conn: Connection) {
    let sender = conn.sender();
    let tick = "x".repeat(2000);
    for _ in 0..5000 {
        if sender.send(Message::text(tick.clone())).await.is_err() {
            break;
        }
    }
    while conn.recv().await.is_some() {}
}

async fn push_server() -> Server {
    Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", push)
        .await
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
async fn a_peer_that_leaves_while_messages_are_queued_for_it_is_no_warning() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=info");

    // Subscribers that read one message and leave with a close of their own.
    let server = push_server().await;
    let url = format!("ws://{}", server.local_addr());
    for _ in 0..3 {
        let (mut ws, _) = support::within("a connection", tokio_tungstenite::connect_async(&url))
            .await
            .unwrap();
        support::next_message(&mut ws, "the server").await;
        ws.send(Message::Close(None)).await.unwrap();
        support::within("the close", async {
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
    }
    support::within("the shutdown", server.shutdown()).await;
    let text = captured.text();
    let unsent: Vec<_> = text.lines().filter(|l| l.contains(UNSENT)).collect();
    assert!(!unsent.is_empty(), "the test queued too little:\n{text}");
    for line in unsent {
        assert!(
            line.contains(" INFO "),
            "a peer's own leaving warns: {line}"
        );
    }

    // A peer that never reads, shut down: the close cannot go out, and the messages queued
    // for it are lost to it without its asking.
    let server = push_server().await;
    let url = format!("ws://{}", server.local_addr());
    let (held, _) = support::within("a connection", tokio_tungstenite::connect_async(&url))
        .await
        .unwrap();
    support::within("the shutdown", server.shutdown()).await;
    drop(held);
    let text = captured.text();
    let line = text
        .lines()
        .rev()
        .find(|l| l.contains(UNSENT))
        .unwrap_or_else(|| panic!("no {UNSENT:?} in:\n{text}"));
    assert!(line.contains(" WARN "), "{line}");
}
