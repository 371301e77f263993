//! The client's `reconnecting` event names the connection that ended (`after`, the id of its
//! `connected` event) and how it ended (`cause`). It said only the attempt and the delay, in
//! the client's span, which names only the URL: a process with many clients of one feed (300
//! subscribers, a symbol set gone quiet) logged a column of identical lines, none of which
//! could be tied to a connection or a reason.

mod support;

use support::logs::Captured;
use ws_health::runtime::ClientEvent;

// One thread: the subscriber set for the test sees the client's task.
#[tokio::test(flavor = "current_thread")]
async fn client_reconnecting_log_names_the_connection_that_ended_and_how() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=info");
    // Closes every connection at once, with a code that is not final.
    let server = ws_health::runtime::Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", |conn: ws_health::Connection| async move {
            conn.sender().close(1013, "symbol set gone quiet").unwrap();
            conn.closed().await;
        })
        .await
        .unwrap();
    let client = support::runtime::quick_client(&server).connect().unwrap();
    let mut events = client.events();
    let id = match support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Connected { .. })
    })
    .await
    {
        ClientEvent::Connected { id, .. } => id,
        _ => unreachable!("picked a Connected"),
    };
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Reconnecting { .. })
    })
    .await;
    client.close();
    support::within("the client to stop", client.stopped()).await;
    server.shutdown().await;

    let text = captured.text();
    let line = text
        .lines()
        .find(|l| l.contains("reconnecting"))
        .unwrap_or_else(|| panic!("no reconnecting line in:\n{text}"));
    assert!(line.contains(&format!("after={id}")), "{line}\n\n{text}");
    assert!(line.contains("1013"), "{line}");
    assert!(line.contains("symbol set gone quiet"), "{line}");
}
