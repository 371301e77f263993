//! A URL's scheme is case-insensitive (RFC 3986, section 3.1): `WS://host/` connects as
//! `ws://host/` does, where the client refused it ("the scheme must be ws:// or wss://").

mod support;

use std::time::Duration;

use ws_health::runtime::Client;
use ws_health::tungstenite::Message;

#[tokio::test]
async fn client_takes_a_url_scheme_in_any_case() {
    let server = support::runtime::echo_server().await;
    let addr = server.local_addr();
    for url in [format!("WS://{addr}/"), format!("Ws://{addr}/path")] {
        let mut client = Client::builder(url.as_str())
            .with_client_config(support::runtime::client_config(
                Duration::from_millis(50),
                Duration::from_millis(50),
            ))
            .connect()
            .unwrap_or_else(|err| panic!("{url}: {err}"));
        client.send(Message::text("hello")).await.unwrap();
        let echoed = support::within("the echo", client.recv()).await;
        assert_eq!(echoed, Some(Message::text("hello")), "{url}");
        client.close();
    }
}
