//! The server runs each connection in one span, `ws_health.connection{peer, id}`: the
//! driver's events carry the peer's address and the connection's id, without a second span
//! per connection (a subscriber keeps every live span's data).

mod support;

use futures_util::{SinkExt, StreamExt};
use support::logs::Captured;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

/// Serves one echo through a server with the subscriber filtered by `filter`; what it printed
/// and the client's address (the server's peer).
async fn served_once(filter: &str) -> (String, std::net::SocketAddr) {
    // One test at a time: tracing caches each callsite's interest across every subscriber
    // alive, and one registered while the other test's is being set up can miss its filter.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install(filter);

    let server = support::runtime::echo_server().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}", server.local_addr()))
        .await
        .unwrap();
    let MaybeTlsStream::Plain(tcp) = ws.get_ref() else {
        panic!("a plain connection");
    };
    let peer = tcp.local_addr().unwrap();
    // An echo: the driver has run.
    ws.send(Message::text("hi")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hi"));
    let client = tokio::spawn(async move { while ws.next().await.is_some() {} });
    server.shutdown().await;
    client.await.unwrap();
    (captured.text(), peer)
}

fn driver_started(text: &str) -> &str {
    text.lines()
        .find(|l| l.contains("supervising connection"))
        .unwrap_or_else(|| panic!("no driver event in:\n{text}"))
}

// One thread: the subscriber set for each test sees every task of its server.
#[tokio::test(flavor = "current_thread")]
async fn server_runs_each_connection_in_one_span_with_peer_and_id() {
    let (text, peer) = served_once("ws_health=debug").await;
    let line = driver_started(&text);
    assert!(
        line.contains(&format!("ws_health.connection{{peer={peer} id=")),
        "{line}"
    );
    for line in text.lines() {
        assert!(
            line.matches("ws_health.connection{").count() <= 1,
            "two connection spans: {line}"
        );
    }
    assert!(!text.contains("ws_health.accept"), "{text}");
}

// The server's span filtered out: the driver makes its own, and its events keep the id.
#[tokio::test(flavor = "current_thread")]
async fn driver_keeps_its_id_when_the_servers_span_is_filtered_out() {
    let (text, _) = served_once("ws_health::supervisor=debug").await;
    let line = driver_started(&text);
    assert!(line.contains("ws_health.connection{id="), "{line}");
}
