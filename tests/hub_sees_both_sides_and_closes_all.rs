//! One hub shared by a server and a client sees both ends of their connection, gives a
//! `Sender` to one of them by id, and `close_all` ends them.

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, Hub, HubEvent, Server, Side, StopCause};
use ws_health::tungstenite::Message;

/// An echo server whose connections a new hub follows.
async fn echo_server_with_hub() -> (Hub, Server) {
    let hub = Hub::new();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_hub(hub.clone())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    (hub, server)
}

#[tokio::test]
async fn hub_sees_both_sides_and_closes_all() {
    support::trace();
    let (hub, server) = echo_server_with_hub().await;
    // Subscribed before the connect, so that neither open can be missed.
    let mut events = hub.subscribe();
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_hub(hub.clone())
        .connect()
        .unwrap();
    support::within("both sides to open", async {
        let mut opened = 0;
        while opened < 2 {
            if let HubEvent::Opened { .. } = events.recv().await.unwrap() {
                opened += 1;
            }
        }
    })
    .await;
    assert_eq!(hub.len(), 2, "hub has {}", hub.len());
    let mut sides: Vec<_> = hub.snapshot().iter().map(|s| s.side).collect();
    sides.sort_by_key(|s| *s == Side::Client);
    assert_eq!(sides, [Side::Server, Side::Client]);
    assert_eq!(hub.counts().healthy, 2);

    client.close();
    assert!(hub.close_all(1001, "going away").unwrap() >= 1);
    // Every connection is closing now: a second call starts no close.
    assert_eq!(hub.close_all(1001, "going away").unwrap(), 0);
    tokio::time::timeout(Duration::from_secs(5), hub.wait_empty())
        .await
        .expect("connections outlived close_all");
    assert!(hub.close_all(1006, "").unwrap_err().is_invalid_input());
    server.shutdown().await;
}

/// `Hub::sender` reaches one connection by its id: the server closes a revoked session's
/// connection (1008, a final code for the client), and only that one.
#[tokio::test]
async fn hub_closes_one_connection_by_its_id() {
    support::trace();
    let (hub, server) = echo_server_with_hub().await;
    // Subscribed before the connect, so that the server side's open cannot be missed.
    let mut events = hub.subscribe();
    let revoked = support::runtime::quick_client(&server).connect().unwrap();
    support::within("the first client", revoked.connected())
        .await
        .unwrap();
    let id = support::within("its server side", async {
        loop {
            if let HubEvent::Opened {
                id,
                side: Side::Server,
                ..
            } = events.recv().await.unwrap()
            {
                return id;
            }
        }
    })
    .await;
    let mut kept = support::runtime::quick_client(&server).connect().unwrap();
    support::within("the second client", kept.connected())
        .await
        .unwrap();

    let sender = hub.sender(id).expect("a live connection");
    sender.close(1008, "session revoked").unwrap();
    drop(sender);
    let reason = support::within("the revoked client to stop", revoked.stopped()).await;
    let final_code = StopCause::FinalCloseCode {
        code: 1008,
        reason: "session revoked".into(),
    };
    assert_eq!(reason.cause, final_code, "{reason}");
    assert!(hub.sender(u64::MAX).is_none());
    // The other connection was left alone: it still echoes.
    kept.send(Message::text("still here")).await.unwrap();
    let echoed = support::within("the echo", kept.recv()).await;
    assert_eq!(echoed, Some(Message::text("still here")));
    kept.close();
    server.shutdown().await;
}
