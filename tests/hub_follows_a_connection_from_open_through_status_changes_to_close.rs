//! The hub registers a server connection with its peer address, counts it by status,
//! snapshots it (serialisable), reports its status change when the peer goes silent, and
//! forgets it when it closes.

mod support;

use std::time::Duration;

use support::{raw_peer, RawPeer};
use ws_health::runtime::{Hub, HubEvent, Server, Side};
use ws_health::Status;

#[tokio::test]
async fn hub_follows_a_connection_from_open_through_status_changes_to_close() {
    support::trace();
    let hub = Hub::new();
    let mut events = hub.subscribe();
    // A timeout that leaves the snapshots below two seconds before the next unanswered
    // ping turns the connection Unhealthy, however loaded the machine.
    let supervisor =
        support::runtime::supervisor(Duration::from_millis(100), Duration::from_millis(2000));
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .with_hub(hub.clone())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let mut peer = RawPeer::connect(server.local_addr()).await;

    let HubEvent::Opened {
        id,
        side,
        peer: addr,
    } = support::within("the open", events.recv()).await.unwrap()
    else {
        panic!("expected an open first")
    };
    assert_eq!(side, Side::Server);
    assert!(addr.unwrap().ip().is_loopback());

    for _ in 0..2 {
        let ping = peer.read_frame().await.unwrap();
        assert_eq!(ping.opcode, raw_peer::PING);
        peer.pong(&ping.payload).await;
    }
    // The second pong is recorded once the driver reads it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let snapshot = loop {
        let s = hub.get(id).expect("the connection is live");
        if s.pings_sent >= 2 && s.latency > Duration::ZERO {
            break s;
        }
        assert!(tokio::time::Instant::now() < deadline, "{s:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(snapshot.status, Status::Healthy);
    assert_eq!(snapshot.peer, addr);
    assert_eq!(hub.counts().healthy, 1);
    let all = hub.snapshot();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].id, all[0].side), (id, Side::Server));
    let json = serde_json::to_value(&snapshot).unwrap();
    assert_eq!(json["side"], "server");
    assert_eq!(json["status"], "healthy");
    assert_eq!(json["id"], id);
    assert!(json["latency"].is_string());

    // Silence: the ping check fails, the hub hears Unhealthy, then the close.
    let change = support::within("the status change", async {
        loop {
            match events.recv().await.unwrap() {
                e @ HubEvent::StatusChanged { .. } => break e,
                _ => continue,
            }
        }
    })
    .await;
    let HubEvent::StatusChanged {
        id: changed,
        from,
        to,
        reason,
        ..
    } = &change
    else {
        unreachable!()
    };
    assert_eq!(
        (*changed, *from, *to),
        (id, Status::Healthy, Status::Unhealthy)
    );
    assert!(reason.contains("keepalive ping timeout"), "{reason}");
    let line = serde_json::to_string(&change).unwrap();
    assert!(line.contains(r#""event":"status_changed""#), "{line}");

    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
            Ok(Ok(event @ HubEvent::Closed { .. })) => break event,
            Ok(Ok(_)) => continue,
            other => panic!("no close: {other:?}"),
        }
    };
    let line = serde_json::to_value(&closed).unwrap();
    assert_eq!(line["disconnect"]["code"], 1011, "{line}");
    assert_eq!(line["disconnect"]["by"], "policy", "{line}");
    assert_eq!(line["disconnect"]["unsent"], 0, "{line}");
    let HubEvent::Closed { disconnect, .. } = closed else {
        unreachable!()
    };
    assert_eq!(disconnect.code, 1011);
    assert!(hub.is_empty());
    assert_eq!(hub.counts().total(), 0);
    server.shutdown().await;
}
