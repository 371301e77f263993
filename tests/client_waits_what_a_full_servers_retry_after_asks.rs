//! A server over its connection limit answers 503 with `Retry-After: 1`; the client waits at
//! least that second before its retry (up to a quarter more, drawn at random, so that the
//! clients it turned away together do not come back in step), however short its own backoff.
//! It retried after its backoff alone: 20 clients made 254 attempts in 2 s against such a
//! server in a helper's fleet app.

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_waits_what_a_full_servers_retry_after_asks() {
    support::trace();
    let server = support::runtime::echo_server_with_limit(1).await;
    let url = format!("ws://{}", server.local_addr());
    let (_kept, _) = tokio_tungstenite::connect_async(&url).await.unwrap();

    let client = Client::builder(url)
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::from_secs(30),
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    let failed = support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::ConnectFailed { .. })
    })
    .await;
    assert!(format!("{failed:?}").contains("503"), "{failed:?}");
    let retry = support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Reconnecting { .. })
    })
    .await;
    let ClientEvent::Reconnecting { delay, .. } = retry else {
        unreachable!("picked a Reconnecting")
    };
    let asked = Duration::from_secs(1);
    assert!((asked..=asked * 5 / 4).contains(&delay), "{delay:?}");
    client.close();
    server.shutdown().await;
}
