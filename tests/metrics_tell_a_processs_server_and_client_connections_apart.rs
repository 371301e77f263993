//! A process that is both a server and a client (a gateway with upstream connections) reads
//! each side apart: every metric of a connection carries `side`, `server` for the runtime's
//! server, `client` for its client, `other` for a connection supervised directly.
#![cfg(feature = "metrics")]

mod support;

use metrics_util::debugging::DebugValue;
use ws_health::runtime::Server;

#[test]
fn metrics_tell_a_processs_server_and_client_connections_apart() {
    let recorded = support::metrics::recorded(false, || async {
        let server = Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(support::runtime::server_config())
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        let client = support::runtime::quick_client(&server).connect().unwrap();
        support::within("a connection", client.connected())
            .await
            .unwrap();
        // The client pings, so that its pong gives an RTT; the server only answers.
        support::within("a pong", client.ping()).await.unwrap();
        client.close();
        support::within("the client to stop", client.stopped()).await;
        server.shutdown().await;

        // One supervised directly, without a side.
        let (transport, _peer) = support::mock_transport::pair();
        let (conn, driver) = ws_health::Supervisor::new().attach(transport, None);
        drop(driver);
        drop(conn);
    });
    let total = |name, labels: &[(&str, &str)]| support::metrics::total(&recorded, name, labels);
    for side in ["server", "client", "other"] {
        let opened = total("ws_health_connections_opened_total", &[("side", side)]);
        assert_eq!(opened, 1.0, "{side}");
        let closed = total("ws_health_connections_closed_total", &[("side", side)]);
        assert_eq!(closed, 1.0, "{side}");
    }
    let closed_by_us = [("side", "client"), ("initiator", "application")];
    assert_eq!(
        total("ws_health_connections_closed_total", &closed_by_us),
        1.0
    );
    let closed_by_peer = [("side", "server"), ("initiator", "peer")];
    assert_eq!(
        total("ws_health_connections_closed_total", &closed_by_peer),
        1.0
    );
    // Every gauge series names its side, and each is back to zero.
    let gauges: Vec<_> = recorded
        .iter()
        .filter(|m| m.name == "ws_health_connections")
        .collect();
    assert!(!gauges.is_empty());
    for gauge in gauges {
        assert!(gauge.labels.iter().any(|(k, _)| k == "side"), "{gauge:?}");
        assert_eq!(gauge.value, DebugValue::Gauge(0.0.into()), "{gauge:?}");
    }
    // The client's pongs are the client's round trips.
    let rtts: Vec<_> = recorded
        .iter()
        .filter(|m| m.name == "ws_health_rtt_seconds")
        .collect();
    assert!(
        rtts.iter().any(|m| m.has_label("side", "client")),
        "{rtts:?}"
    );
    assert!(rtts.iter().all(|m| m.labels.len() == 1), "{rtts:?}");
}
