//! `wss://` through an HTTP proxy: the tunnel carries TLS end to end, the client checks the
//! server's certificate against the URL's host (SNI `localhost`, not the proxy's name), and
//! the proxy sees only `CONNECT localhost:port`.
#![cfg(feature = "rustls")]

mod support;

use support::connect_proxy::ConnectProxy;
use ws_health::config::{ClientConfig, Proxy};
use ws_health::runtime::{tls, Client};
use ws_health::tungstenite::Message;

#[tokio::test]
async fn client_speaks_wss_through_an_http_proxy() {
    let (dir, cert_pem, key_pem) = support::self_signed_pem("wss-proxy");
    let server = support::runtime::wss_echo_server(&cert_pem, &key_pem).await;
    let port = server.local_addr().port();
    let proxy = ConnectProxy::start().await;

    let mut client = Client::builder(format!("wss://localhost:{port}/"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_tls_config(tls::client_config_with_roots(&cert_pem).unwrap())
        .with_client_config(ClientConfig {
            proxy: Proxy::Url(proxy.url(None)),
            max_retries: Some(0),
            ..support::runtime::client_config(support::ms(10), support::ms(10))
        })
        .connect()
        .unwrap();
    client.send(Message::text("over tls")).await.unwrap();
    let echoed = support::within("the echo over wss", client.recv()).await;
    assert_eq!(echoed, Some(Message::text("over tls")));
    let heads = proxy.heads();
    assert!(
        heads[0].starts_with(&format!("CONNECT localhost:{port} HTTP/1.1\r\n")),
        "{heads:?}"
    );
    client.close();
    support::within("the client to stop", client.stopped()).await;
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}
