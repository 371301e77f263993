//! A healthy peer is never closed: over more than 100 ping cycles at a 20 ms interval on a
//! real loopback socket, every ping is answered and the connection stays open and Healthy.

mod support;

use std::time::Duration;

use futures_util::StreamExt;
use support::{ms, supervised_server};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Status, Supervisor};

#[tokio::test]
async fn healthy_peer_is_never_closed() {
    support::trace();
    // A timeout 100 times the interval: a loaded machine delays pongs, never by 2 s.
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(20), Duration::from_secs(2)))
        .build()
        .unwrap();
    let (addr, mut conns) = supervised_server(supervisor).await;
    let (mut client, _) = tokio_tungstenite::connect_async(format!("ws://{addr}"))
        .await
        .unwrap();
    let conn = conns.recv().await.unwrap();

    // tungstenite's client answers pings as long as it is read.
    let client_task = tokio::spawn(async move {
        let mut pings = 0u64;
        while let Some(message) = client.next().await {
            match message.expect("client read failed") {
                Message::Ping(_) => pings += 1,
                other => return (pings, Some(other)),
            }
        }
        (pings, None)
    });

    let mut tick = tokio::time::interval(ms(20));
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        while conn.stats().pongs_received < 100 {
            tick.tick().await;
            assert_eq!(conn.disconnect(), None, "closed a healthy peer");
        }
    })
    .await;
    let stats = conn.stats();
    assert!(waited.is_ok(), "only {stats:?} after 20 s");

    assert!(stats.pings_sent >= 100, "{stats:?}");
    assert!(stats.pongs_received >= 100, "{stats:?}");
    assert_eq!(stats.pings_missed, 0, "{stats:?}");
    assert!(stats.latency > Duration::ZERO, "{stats:?}");
    assert_eq!(conn.disconnect(), None);
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert!(
        !client_task.is_finished(),
        "the client saw the connection end"
    );
    client_task.abort();
}
