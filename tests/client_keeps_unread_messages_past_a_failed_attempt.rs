//! The unread messages of a connection that ended wait for `recv` past a failed attempt: an
//! attempt whose on-connect hook failed is no newer connection to read. Before, it took the
//! waiting connection's place and its messages were dropped (`UnreadDropped`), although
//! only a connection that opened is meant to replace it.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use ws_health::runtime::{ClientEvent, Server};
use ws_health::tungstenite::Message;
use ws_health::{Connection, Error};

#[tokio::test]
async fn client_keeps_unread_messages_past_a_failed_attempt() {
    support::trace();
    let served = Arc::new(AtomicUsize::new(0));
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |conn: Connection| {
            let first = served.fetch_add(1, Ordering::SeqCst) == 0;
            async move {
                if first {
                    // Three messages, then a restart.
                    for text in ["one", "two", "three"] {
                        conn.send(Message::text(text)).await.unwrap();
                    }
                    conn.close(1001, "restarting").unwrap();
                }
                let _ = conn.closed().await;
            }
        })
        .await
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let mut client = support::runtime::quick_client(&server)
        .with_on_connect(move |_| {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                match call {
                    0 => Ok(()),
                    1 => Err(Error::other("the auth backend is down")),
                    // The third attempt never opens: nothing newer replaces the first.
                    _ => std::future::pending().await,
                }
            }
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    // The first connection ends, then the second, whose hook failed; recv not called yet.
    for _ in 0..2 {
        let event = support::runtime::next_client_event(&mut events, |e| {
            matches!(
                e,
                ClientEvent::Disconnected { .. } | ClientEvent::UnreadDropped { .. }
            )
        })
        .await;
        assert!(
            matches!(event, ClientEvent::Disconnected { .. }),
            "{event:?}"
        );
    }
    support::within("the third attempt's hook", async {
        while calls.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
    })
    .await;

    for text in ["one", "two", "three"] {
        let message = support::within("an unread message", client.recv()).await;
        assert_eq!(message, Some(Message::text(text)));
    }
    client.close();
}
