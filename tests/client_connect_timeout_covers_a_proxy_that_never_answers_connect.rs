//! `client.connect_timeout` covers the whole attempt, the proxy included: a proxy that
//! accepts the TCP connection and never answers `CONNECT` fails the attempt at the timeout,
//! which names the step ("did not answer CONNECT") and the proxy, not the server's
//! handshake nor "no connection".
//!
//! On the real clock, as `client_connect_timeout_names_the_step_that_did_not_finish.rs`: a
//! second is ample for the loopback connect; the `CONNECT`, never answered, cannot finish in
//! any time.

mod support;

use std::time::Duration;

use tokio::net::TcpListener;
use ws_health::config::Proxy;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_connect_timeout_covers_a_proxy_that_never_answers_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy = listener.local_addr().unwrap();
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
    config.proxy = Proxy::Url(format!("http://{proxy}"));
    let client = Client::builder("ws://backend.invalid:8080/")
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
            "backend.invalid:8080: connected through proxy {proxy}, but it did not answer \
             CONNECT within the connect timeout (1s)"
        )
    );
}
