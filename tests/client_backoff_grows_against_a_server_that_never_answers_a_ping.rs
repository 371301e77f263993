//! A server that completes the handshake and then hangs (a wedged event loop, a proxy whose
//! upstream died) is not hammered: a connection counts as stable only for as long as the
//! peer was heard, so one that never answered a ping does not reset the backoff. Before, it
//! was presumed Healthy from the connect until the first ping timed out; with a ping timeout
//! past `stable_after` (as with the defaults: 20 s + 20 s against 30 s), every such
//! connection reset the backoff, and clients came back at the first step forever.

mod support;

use std::time::Duration;

use support::ms;
use tokio::net::TcpListener;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_backoff_grows_against_a_server_that_never_answers_a_ping() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Completes each handshake, then never reads again: no pong, no close reply.
    let server = tokio::spawn(async move {
        let mut hung = Vec::new();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
                hung.push(ws);
            }
        }
    });
    let config = ws_health::config::ClientConfig {
        // Each connection lives past it before its ping times out (100 ms + 100 ms).
        stable_after: ms(150),
        ..support::runtime::client_config(ms(20), Duration::from_secs(5))
    };
    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::supervisor(ms(100), ms(100)))
        .with_client_config(config)
        .with_jitter_seed(7)
        .connect()
        .unwrap();
    let mut events = client.events();

    let mut attempts = Vec::new();
    while attempts.len() < 4 {
        let event = support::runtime::next_client_event(&mut events, |e| {
            matches!(e, ClientEvent::Reconnecting { .. })
        })
        .await;
        if let ClientEvent::Reconnecting { attempt, .. } = event {
            attempts.push(attempt);
        }
    }
    assert_eq!(attempts, [1, 2, 3, 4], "the backoff grows");
    client.close();
    server.abort();
}
