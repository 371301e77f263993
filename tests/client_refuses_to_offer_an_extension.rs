//! The client offers no extension: tungstenite implements none, so a server that accepted
//! one (`permessage-deflate`) would send frames that fail the connection with 1002, reconnect
//! after reconnect. A `Sec-WebSocket-Extensions` in the builder's request is refused by
//! `connect()`, and one from the handshake headers hook stops the client, each saying why.
//! Both went out before, and only a 101 naming an extension the request did not offer was
//! refused.

mod support;

use std::time::Duration;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderValue};
use ws_health::config::ClientConfig;
use ws_health::runtime::{Client, StopCause};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const DEFLATE: &str = "permessage-deflate; client_max_window_bits";

#[tokio::test]
async fn a_request_that_offers_an_extension_is_refused() {
    let addr = support::runtime::closed_port();
    let mut request = format!("ws://{addr}").into_client_request().unwrap();
    let offer = HeaderValue::from_static(DEFLATE);
    request
        .headers_mut()
        .insert("Sec-WebSocket-Extensions", offer);
    let err = Client::builder(request).connect().unwrap_err().to_string();
    assert!(err.contains("`sec-websocket-extensions`"), "{err}");
    assert!(err.contains("implements no extension"), "{err}");
}

#[tokio::test]
async fn a_hook_that_offers_an_extension_stops_the_client() {
    let addr = support::runtime::closed_port();
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(ClientConfig {
            max_retries: Some(0),
            connect_timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        })
        .with_handshake_headers(|| async {
            let mut headers = HeaderMap::new();
            headers.insert(
                "Sec-WebSocket-Extensions",
                HeaderValue::from_static(DEFLATE),
            );
            Ok::<_, BoxError>(headers)
        })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(reason.cause, StopCause::FinalError { status: None, .. }),
        "{reason}"
    );
    let reason = reason.to_string();
    assert!(reason.contains("`sec-websocket-extensions`"), "{reason}");
    assert!(reason.contains("implements no extension"), "{reason}");
}
