//! A server that never answers pings but answers the close at once: the client's policy
//! closes with 1011, and its events say `HealthChanged { Unhealthy }` before `Disconnected`,
//! even though the status change and the end come close together.

mod support;

use std::time::Duration;

use support::raw_peer::CLOSE;
use support::RawPeer;
use tokio::net::TcpListener;
use ws_health::runtime::{Client, ClientEvent};
use ws_health::Status;

/// Ignores every frame but the close, which it echoes at once; returns when the client
/// hangs up.
async fn pongless_server(mut peer: RawPeer) {
    while let Some(frame) = peer.read_frame().await {
        if frame.opcode == CLOSE {
            peer.send(CLOSE, &frame.payload).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reports_unhealthy_before_a_close_by_policy() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        pongless_server(RawPeer::accept_sending(tcp, &[]).await).await;
    });

    let ping = Duration::from_millis(50);
    let client = Client::builder(url)
        .with_supervisor(support::runtime::supervisor(ping, ping))
        .with_client_config(support::runtime::client_config(
            Duration::from_secs(30),
            Duration::from_secs(30),
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    let mut seen = Vec::new();
    let disconnect = support::within("the client's first connection to end", async {
        loop {
            let event = events.recv().await.expect("the client's events");
            seen.push(event.clone());
            if let ClientEvent::Disconnected { disconnect, .. } = event {
                return disconnect;
            }
        }
    })
    .await;
    client.close();

    assert_eq!(disconnect.code, 1011, "{seen:?}");
    assert_eq!(disconnect.reason, "keepalive ping timeout", "{seen:?}");
    let unhealthy = seen.iter().position(|e| {
        matches!(e, ClientEvent::HealthChanged { status: Status::Unhealthy, reason, .. }
            if reason.contains("keepalive ping timeout"))
    });
    assert!(
        unhealthy.is_some_and(|i| i + 1 < seen.len()),
        "no Unhealthy before Disconnected: {seen:?}"
    );
    support::within("the server to see the client leave", server)
        .await
        .unwrap();
}
