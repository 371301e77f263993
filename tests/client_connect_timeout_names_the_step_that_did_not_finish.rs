//! An attempt cut off by `client.connect_timeout` says which step did not finish: a peer
//! that accepts the TCP connection and never answers the WebSocket handshake (a `ws://` URL
//! pointed at a TLS port, a stuck proxy) is not reported as "no connection"; nor is a proxy
//! that never answers `CONNECT`, which the timeout covers too, named with the proxy.
//!
//! On the real clock: a paused one jumps ahead while the loopback connect is under way, and
//! could cut off the TCP step instead. A second is ample for that connect on a loaded
//! machine; the handshake or the `CONNECT`, never answered, cannot finish in any time.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use ws_health::config::Proxy;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_connect_timeout_names_the_step_that_did_not_finish() {
    support::trace();
    let addr = silent_peer().await;
    let error = first_failure(&format!("ws://{addr}"), Proxy::None).await;
    assert_eq!(
        error,
        format!(
            "{addr}: connected, but no answer to the WebSocket handshake within the connect \
             timeout (1s)"
        )
    );
}

#[tokio::test]
async fn client_connect_timeout_covers_a_proxy_that_never_answers_connect() {
    let proxy = silent_peer().await;
    let error = first_failure(
        "ws://backend.invalid:8080/",
        Proxy::Url(format!("http://{proxy}")),
    )
    .await;
    assert_eq!(
        error,
        format!(
            "backend.invalid:8080: connected through proxy {proxy}, but it did not answer \
             CONNECT within the connect timeout (1s)"
        )
    );
}

/// A listener that accepts, reads nothing, answers nothing, and keeps the sockets open.
async fn silent_peer() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    addr
}

/// The error of a client's first attempt at `url`, through `proxy`, with a 1 s connect
/// timeout and no retry.
async fn first_failure(url: &str, proxy: Proxy) -> String {
    let mut config =
        support::runtime::client_config(Duration::from_secs(1), Duration::from_secs(1));
    config.connect_timeout = Duration::from_secs(1);
    config.max_retries = Some(0);
    config.proxy = proxy;
    let client = Client::builder(url)
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
    error
}
