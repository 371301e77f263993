//! A proxy URL with user information (`http://alice:p%40ss%20word@host:port`) makes the
//! client's `CONNECT` carry `Proxy-Authorization: Basic` of the percent-decoded
//! `alice:p@ss word`, which a proxy requiring it lets through.

mod support;

use support::connect_proxy::ConnectProxy;
use ws_health::config::{ClientConfig, Proxy};
use ws_health::runtime::Client;

#[tokio::test]
async fn client_sends_its_proxy_urls_credentials_as_proxy_authorization() {
    let server = support::runtime::echo_server().await;
    let port = server.local_addr().port();
    let proxy = ConnectProxy::start().await;
    // base64("alice:p@ss word"), as RFC 7617 makes it.
    let basic = "Basic YWxpY2U6cEBzcyB3b3Jk";
    proxy.require(basic);

    let client = Client::builder(format!("ws://backend.invalid:{port}/"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ClientConfig {
            proxy: Proxy::Url(proxy.url(Some("alice:p%40ss%20word"))),
            max_retries: Some(0),
            ..support::runtime::client_config(support::ms(10), support::ms(10))
        })
        .connect()
        .unwrap();
    support::within("a connection", client.connected())
        .await
        .unwrap();
    let heads = proxy.heads();
    assert!(
        heads[0].contains(&format!("\r\nProxy-Authorization: {basic}")),
        "{heads:?}"
    );
    client.close();
    support::within("the client to stop", client.stopped()).await;
    server.shutdown().await;
}
