//! The client's offline queue is bounded in bytes (`client.offline_queue_bytes`) as well as in
//! messages, as a connection's queues are: with the count alone, a client disconnected for a
//! while could hold 64 messages of up to 16 MiB each. At the budget it is full as at the count:
//! `try_send` hands the message back, `send` fails at once while disconnected and its error
//! names the bound, so the application knows which key to raise. The bytes are freed as the
//! messages go out.

mod support;

use std::time::Duration;

use tokio::sync::mpsc;
use ws_health::config::ClientConfig;
use ws_health::runtime::{Client, Server};
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::Connection;

/// A client of `addr` whose queue holds 64 messages or 1,000 bytes, retrying every 10 ms.
fn client_of(addr: std::net::SocketAddr) -> Client {
    Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ClientConfig {
            offline_queue: 64,
            offline_queue_bytes: 1000,
            ..support::runtime::client_config(Duration::from_millis(10), Duration::from_millis(10))
        })
        .connect()
        .unwrap()
}

fn bytes(tag: u8, len: usize) -> Message {
    Message::binary(vec![tag; len])
}

#[tokio::test]
async fn try_send_hands_back_what_the_budget_refuses_and_the_bytes_are_freed_as_they_go() {
    support::trace();
    // A server that is down: the port refuses until it listens.
    let (addr, socket) = support::runtime::unlistened_port();
    let client = client_of(addr);

    client.try_send(bytes(1, 500)).unwrap();
    client.handle().try_send(bytes(2, 500)).unwrap();
    // 1,000 bytes queued: full, with 62 messages of room left.
    let third = bytes(3, 500);
    match client.try_send(third.clone()) {
        Err(TrySendError::Full(back)) => assert_eq!(back, third),
        other => panic!("expected Full, got {other:?}"),
    }

    // The server comes up at the same address: the two go out in order.
    let (received_tx, mut received) = mpsc::unbounded_channel();
    let _server: Server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .listen(
            support::runtime::listen_on(socket),
            move |mut conn: Connection| {
                let received = received_tx.clone();
                async move {
                    while let Some(message) = conn.recv().await {
                        let _ = received.send(message);
                    }
                }
            },
        )
        .unwrap();
    for tag in [1, 2] {
        let message = support::within("a queued message", received.recv()).await;
        assert_eq!(message, Some(bytes(tag, 500)));
    }

    // Their bytes were freed: one and a half times the budget goes through, each send waiting
    // for room if it must (a leak would leave it waiting for ever).
    for tag in 3..6 {
        support::within("room in the queue", client.send(bytes(tag, 500)))
            .await
            .unwrap();
    }
    for tag in 3..6 {
        let message = support::within("a later message", received.recv()).await;
        assert_eq!(message, Some(bytes(tag, 500)));
    }
}

#[tokio::test]
async fn send_while_disconnected_fails_at_once_naming_the_byte_budget() {
    support::trace();
    let client = client_of(support::runtime::closed_port());

    // Larger than the budget, it still passes alone, into an empty queue.
    client.send(bytes(1, 2000)).await.unwrap();
    let err = tokio::time::timeout(Duration::from_secs(1), client.send(bytes(2, 1)))
        .await
        .expect("send waited instead of failing")
        .unwrap_err();
    assert!(err.is_queue_full(), "{err}");
    assert!(
        err.to_string()
            .contains("(1000 bytes, client.offline_queue_bytes) while disconnected"),
        "{err}"
    );
    match client.try_send(bytes(2, 1)) {
        Err(TrySendError::Full(back)) => assert_eq!(back, bytes(2, 1)),
        other => panic!("expected Full, got {other:?}"),
    }
}
