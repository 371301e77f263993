//! A proxy that answers `CONNECT` with 502 (it could not reach the server) or 503, or that
//! cannot be reached, fails the attempt and the client retries after its backoff, as it
//! retries a server that is down; each failure names the proxy.

mod support;

use support::connect_proxy::ConnectProxy;
use support::runtime::{closed_port, next_client_event};
use ws_health::config::{ClientConfig, Proxy};
use ws_health::runtime::{Client, ClientEvent};

/// A client of `url` through `proxy_url`, retrying after 10 ms.
fn client(url: String, proxy_url: String) -> Client {
    Client::builder(url)
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ClientConfig {
            proxy: Proxy::Url(proxy_url),
            ..support::runtime::client_config(support::ms(10), support::ms(10))
        })
        .connect()
        .unwrap()
}

/// The error of the next failed attempt.
async fn next_failure(events: &mut tokio::sync::broadcast::Receiver<ClientEvent>) -> String {
    match next_client_event(events, |e| {
        matches!(
            e,
            ClientEvent::ConnectFailed { .. } | ClientEvent::Stopped { .. }
        )
    })
    .await
    {
        ClientEvent::ConnectFailed { error } => error,
        stopped => panic!("{stopped:?}"),
    }
}

#[tokio::test]
async fn client_retries_a_proxy_that_answers_502_or_cannot_be_reached() {
    let server = support::runtime::echo_server().await;
    let port = server.local_addr().port();
    let proxy = ConnectProxy::start().await;
    proxy.answer(&[502, 503]);

    let c = client(format!("ws://backend.invalid:{port}/"), proxy.url(None));
    let mut events = c.events();
    let at = proxy.addr;
    let first = next_failure(&mut events).await;
    assert_eq!(
        first,
        format!("proxy {at} answered CONNECT backend.invalid:{port} with HTTP 502 Scripted")
    );
    let second = next_failure(&mut events).await;
    assert!(second.contains("HTTP 503"), "{second}");
    support::within("a connection", c.connected())
        .await
        .unwrap();
    assert_eq!(proxy.heads().len(), 3);
    c.close();
    support::within("the client to stop", c.stopped()).await;

    // No proxy there: retried, each failure naming it.
    let nowhere = closed_port();
    let c = client(
        format!("ws://backend.invalid:{port}/"),
        format!("http://{nowhere}"),
    );
    let mut events = c.events();
    for _ in 0..2 {
        let error = next_failure(&mut events).await;
        assert!(
            error.starts_with(&format!(
                "could not connect to proxy {nowhere} (for backend.invalid:{port}): "
            )),
            "{error}"
        );
    }
    c.close();
    support::within("the client to stop", c.stopped()).await;
    server.shutdown().await;
}
