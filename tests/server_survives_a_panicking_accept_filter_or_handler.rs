//! Application code that panics on the server's own paths is contained: an accept filter
//! that panics drops that one connection and the server goes on accepting (before, the
//! accept loop ended, and with it every connection); a handler that panics in the call that
//! makes its future closes its connection with 1011, as a panic inside the future does; a
//! connection state factory that panics answers that upgrade with 500, as a panicking
//! handshake hook does (before, the connection task ended after the 101, unanswered).

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use ws_health::runtime::Server;
use ws_health::Connection;

#[tokio::test]
async fn a_panicking_accept_filter_drops_one_connection_only() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_accept_filter(move |_, _| {
            // The first connection makes it panic, as an `unwrap` on a reset socket would.
            assert_ne!(counted.fetch_add(1, Ordering::SeqCst), 0, "filter bug");
            true
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    assert!(tokio_tungstenite::connect_async(&url).await.is_err());

    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    ws.send(Message::text("still accepting?")).await.unwrap();
    let echoed = support::within("the echo", ws.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(echoed, Message::text("still accepting?"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    server.shutdown().await;
}

#[tokio::test]
async fn a_handler_that_panics_before_its_future_closes_with_1011() {
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", |conn: Connection| {
            if conn.id() > 0 {
                // Always (ids start at 1), written so that the closure has a future type.
                panic!("handler bug");
            }
            async {}
        })
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let (code, reason) = support::next_close(&mut ws, "the client").await;
    assert_eq!((code, reason.as_str()), (1011, "internal error"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_panicking_state_factory_answers_500_and_the_server_goes_on() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_connection_state(move |_| {
            assert_ne!(counted.fetch_add(1, Ordering::SeqCst), 0, "factory bug");
            Arc::new("state")
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    match tokio_tungstenite::connect_async(&url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 500)
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    ws.send(Message::text("still serving?")).await.unwrap();
    let echoed = support::next_message(&mut ws, "the echo").await;
    assert_eq!(echoed, Message::text("still serving?"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    server.shutdown().await;
}
