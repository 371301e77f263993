//! One hub shared by a server and a client sees both ends of their connection, and
//! `close_all` ends them.

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, Hub, Server, Side};

#[tokio::test]
async fn hub_sees_both_sides_and_closes_all() {
    support::trace();
    let hub = Hub::new();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_hub(hub.clone())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_hub(hub.clone())
        .connect()
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while hub.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "hub has {}",
            hub.len()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut sides: Vec<_> = hub.snapshot().iter().map(|s| s.side).collect();
    sides.sort_by_key(|s| *s == Side::Client);
    assert_eq!(sides, [Side::Server, Side::Client]);
    assert_eq!(hub.counts().healthy, 2);

    client.close();
    assert!(hub.close_all(1001, "going away").unwrap() >= 1);
    tokio::time::timeout(Duration::from_secs(5), hub.wait_empty())
        .await
        .expect("connections outlived close_all");
    assert!(hub.close_all(1006, "").unwrap_err().is_invalid_input());
    server.shutdown().await;
}
