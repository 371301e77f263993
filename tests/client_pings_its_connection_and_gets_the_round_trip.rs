//! `Client::ping` is Python `websockets`' `await ws.ping()` on a reconnecting client: the
//! round trip of a ping sent now on the current connection, which is then its latency (none
//! before); with no connection it fails with `Closed` at once. Over real loopback sockets.

mod support;

use support::runtime::{echo_server, quick_client};

#[tokio::test]
async fn client_pings_its_connection_and_gets_the_round_trip() {
    support::trace();
    let server = echo_server().await;
    let client = quick_client(&server).connect().unwrap();
    support::within("the connection", client.connected())
        .await
        .unwrap();

    // Connected, no ping answered yet (the first is 30 s away): no round trip to tell.
    assert_eq!(client.latency(), None);
    let rtt = support::within("the pong", client.ping()).await.unwrap();
    assert_eq!(client.latency(), Some(rtt));
    assert_eq!(client.stats().unwrap().pongs_received, 1);

    client.close();
    support::within("the stop", client.stopped()).await;
    let err = support::within("a refusal", client.ping())
        .await
        .unwrap_err();
    assert!(err.is_closed(), "{err}");
    assert!(err.to_string().contains("no connection"), "{err}");
    server.shutdown().await;
}
