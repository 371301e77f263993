//! `Client::connected` waits for the first connection whose on-connect hook succeeded, which
//! `connect` does not, and fails with the reason once the client has given up.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ws_health::config::ClientConfig;
use ws_health::runtime::Client;
use ws_health::tungstenite::Message;
use ws_health::Error;

#[tokio::test]
async fn client_connected_waits_for_the_first_connection() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .connect()
        .unwrap();
    support::within("the first connection", client.connected())
        .await
        .unwrap();
    assert!(client.is_connected());
    // Connected means handed over: a message goes out at once, without waiting in the queue.
    client
        .sender()
        .unwrap()
        .try_send(Message::text("hi"))
        .unwrap();
    client.close();
    client.stopped().await;
    assert!(client.connected().await.unwrap_err().is_closed());
    server.shutdown().await;
}

#[tokio::test]
async fn client_connected_waits_for_an_on_connect_hook_that_succeeds() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let calls = Arc::new(AtomicUsize::new(0));
    let subscribed = Arc::new(AtomicBool::new(false));
    let (counted, done) = (calls.clone(), subscribed.clone());
    let client = support::runtime::quick_client(&server)
        .with_on_connect(move |_| {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            let done = done.clone();
            async move {
                if call == 0 {
                    return Err(Error::other("not subscribed yet"));
                }
                // A hook that takes its time: `connected` waits for it.
                tokio::task::yield_now().await;
                done.store(true, Ordering::SeqCst);
                Ok(())
            }
        })
        .connect()
        .unwrap();
    support::within("a connection", client.connected())
        .await
        .unwrap();
    // Not the first connection, which the hook failed and which is closing.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(subscribed.load(Ordering::SeqCst));
    client.close();
    client.stopped().await;
    server.shutdown().await;
}

#[tokio::test]
async fn client_connected_fails_with_the_reason_the_client_gave_up() {
    support::trace();
    let addr = support::runtime::closed_port();
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(ClientConfig {
            max_retries: Some(1),
            ..support::runtime::client_config(Duration::from_millis(1), Duration::from_millis(1))
        })
        .connect()
        .unwrap();
    let err = support::within("the client to give up", client.connected())
        .await
        .unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    let message = err.to_string();
    assert!(
        message.starts_with("the client has stopped: gave up after 1 failed retry"),
        "{message}"
    );
    assert!(
        message.contains(&format!("could not connect to {addr}")),
        "{message}"
    );
}
