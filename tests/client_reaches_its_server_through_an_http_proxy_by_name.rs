//! With `client.proxy` set to a proxy URL, the client connects to the proxy, asks it for a
//! tunnel with `CONNECT host:port` naming the server as the URL does, and speaks WebSocket
//! through it: a host that resolves nowhere (`backend.invalid`) is reached, since the proxy
//! looks it up, not the client; a loopback server goes through it too (an explicit proxy
//! applies to every target). The connection's peer is the proxy.

mod support;

use support::connect_proxy::ConnectProxy;
use support::runtime::{echo_server, next_client_event};
use ws_health::config::Proxy;
use ws_health::runtime::{Client, ClientEvent};
use ws_health::tungstenite::Message;

/// A quick client of `url` through `proxy`.
fn through(url: String, proxy: &ConnectProxy) -> Client {
    Client::builder(url)
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ws_health::config::ClientConfig {
            proxy: Proxy::Url(proxy.url(None)),
            ..support::runtime::client_config(support::ms(10), support::ms(10))
        })
        .connect()
        .unwrap()
}

#[tokio::test]
async fn client_reaches_its_server_through_an_http_proxy_by_name() {
    let server = echo_server().await;
    let port = server.local_addr().port();
    let proxy = ConnectProxy::start().await;

    let mut client = through(format!("ws://backend.invalid:{port}/feed"), &proxy);
    let mut events = client.events();
    let connected = next_client_event(&mut events, |e| {
        matches!(
            e,
            ClientEvent::Connected { .. } | ClientEvent::Stopped { .. }
        )
    })
    .await;
    let ClientEvent::Connected { peer, .. } = connected else {
        panic!("{connected:?}");
    };
    assert_eq!(peer, Some(proxy.addr), "the peer is the proxy");
    client.send(Message::text("through")).await.unwrap();
    let echoed = support::within("the echo", client.recv()).await;
    assert_eq!(echoed, Some(Message::text("through")));

    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    let authority = format!("backend.invalid:{port}");
    assert!(
        heads[0].starts_with(&format!("CONNECT {authority} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    assert!(
        heads[0].contains(&format!("\r\nHost: {authority}")),
        "{heads:?}"
    );
    assert!(!heads[0].contains("Proxy-Authorization"), "{heads:?}");
    client.close();
    support::within("the client to stop", client.stopped()).await;

    // An explicit proxy carries loopback targets too.
    let client = through(format!("ws://127.0.0.1:{port}/"), &proxy);
    support::within("a connection", client.connected())
        .await
        .unwrap();
    assert!(proxy.heads()[1].starts_with(&format!("CONNECT 127.0.0.1:{port} HTTP/1.1")));
    client.close();
    support::within("the client to stop", client.stopped()).await;
    server.shutdown().await;
}
