//! `Client::close` while the on-connect hook waits for an answer that never comes: the
//! client closes the connection with the application's code and stops at once, instead of
//! waiting behind the hook. A message sent meanwhile does not go out without the hook
//! (it would skip the subscribe or the login): it is reported unsent.

mod support;

use std::time::Duration;

use support::ms;
use tokio::sync::mpsc;
use ws_health::runtime::{Client, ClientEvent, Server, StopCause};
use ws_health::tungstenite::Message;
use ws_health::{Connection, Initiator};

#[tokio::test]
async fn client_close_cuts_off_a_hanging_on_connect_hook() {
    support::trace();
    let (ends_tx, mut ends) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |mut conn: Connection| {
            let ends = ends_tx.clone();
            async move {
                let mut received = Vec::new();
                while let Some(message) = conn.recv().await {
                    received.push(message);
                }
                let _ = ends.send((received, conn.closed().await));
            }
        })
        .await
        .unwrap();
    let (hooked_tx, mut hooked) = mpsc::unbounded_channel();
    let mut config = support::runtime::client_config(ms(10), ms(10));
    // The hook is bounded by the connect timeout: far beyond this test.
    config.connect_timeout = Duration::from_secs(3600);
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config)
        .with_on_connect(move |_| {
            let _ = hooked_tx.send(());
            // Awaits a reply the server never sends.
            std::future::pending()
        })
        .connect()
        .unwrap();
    let mut events = client.events();
    support::within("the hook to start", hooked.recv()).await;
    client.send(Message::text("after the hook")).await.unwrap();

    client.close_with(4001, "bye").unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert_eq!((&reason.cause, reason.unsent), (&StopCause::Closed, 1));
    let (received, end) = support::within("the server's end", ends.recv())
        .await
        .unwrap();
    assert_eq!(received, Vec::<Message>::new());
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Peer, 4001, "bye"),
        "{end}"
    );
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, ClientEvent::Reconnecting { .. })),
        "{seen:?}"
    );
    server.shutdown().await;
}
