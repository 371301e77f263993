//! An attempt cut off by `client.connect_timeout` says which step did not finish: a peer
//! that accepts the TCP connection and never answers the WebSocket handshake (a `ws://` URL
//! pointed at a TLS port, a stuck proxy) is not reported as "no connection".
//!
//! On the real clock: a paused one jumps ahead while the loopback connect is under way, and
//! could cut off the TCP step instead. A second is ample for that connect on a loaded
//! machine; the handshake, never answered, cannot finish in any time.

mod support;

use std::time::Duration;

use tokio::net::TcpListener;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_connect_timeout_names_the_step_that_did_not_finish() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts, reads nothing, answers nothing; keeps the sockets open.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    let mut config =
        support::runtime::client_config(Duration::from_secs(1), Duration::from_secs(1));
    config.connect_timeout = Duration::from_secs(1);
    config.max_retries = Some(0);
    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config)
        .connect()
        .unwrap();
    let mut events = client.events();
    let event = support::runtime::next_client_event(&mut events, |e| {
        matches!(
            e,
            ClientEvent::ConnectFailed { .. } | ClientEvent::Connected { .. }
        )
    })
    .await;
    let ClientEvent::ConnectFailed { error } = event else {
        panic!("{event:?}");
    };
    assert_eq!(
        error,
        format!(
            "{addr}: connected, but no answer to the WebSocket handshake within the connect \
             timeout (1s)"
        )
    );
}
