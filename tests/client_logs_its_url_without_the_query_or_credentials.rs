//! The client's span names its URL without the query and the user information, where
//! browser-style APIs put tokens (`?access_token=…`): it used to print the whole URL on
//! every event of the client, each connect and reconnect included, at info level.

mod support;

use support::logs::Captured;
use ws_health::runtime::ClientEvent;

// One thread: the subscriber set for the test sees the client's task.
#[tokio::test(flavor = "current_thread")]
async fn client_logs_its_url_without_the_query_or_credentials() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=debug");
    let server = support::runtime::echo_server().await;
    let port = server.local_addr().port();
    let client = ws_health::runtime::Client::builder(format!(
        "ws://user:PASSWORD9@127.0.0.1:{port}/feed?access_token=SECRET123"
    ))
    .with_supervisor(support::runtime::quiet_supervisor())
    .connect()
    .unwrap();
    let mut events = client.events();
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Connected { .. })
    })
    .await;
    client.close();
    support::within("the client to stop", client.stopped()).await;
    server.shutdown().await;

    let text = captured.text();
    let url = format!("ws_health.client{{url=ws://127.0.0.1:{port}/feed}}");
    assert!(text.contains(&url), "{url} not in:\n{text}");
    assert!(!text.contains("SECRET123"), "{text}");
    assert!(!text.contains("PASSWORD9"), "{text}");
}
