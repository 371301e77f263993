//! A client whose server's network goes silent — every packet dropped, no FIN, no RST — finds
//! it by the ping and closes with 1011 "keepalive ping timeout" (Python `websockets`' client
//! does the same); its attempts to reconnect while the cable is out fail, each cut off by
//! the connect timeout or refused by the kernel, rather than hang; once the cable is plugged
//! back in it reconnects within one attempt and backoff. Real TCP on a veth pair
//! (`support::cable`).

mod support;

use support::runtime::next_client_event as next_event;

use std::time::Duration;

use tokio::time::Instant;
use ws_health::config::Proxy;
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::Initiator;

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_millis(400);
/// `support::runtime::supervisor`'s close timeout.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(300);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_millis(300);

#[tokio::test]
async fn client_reconnects_once_a_pulled_cable_is_plugged_back() {
    let Some(cable) = support::cable::Cable::lay(2) else {
        return;
    };
    // The server, at the far end: a ws-health echo server that pings rarely.
    let listener = cable.listen_at_far_end();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .listen(listener, support::runtime::echo)
        .expect("serve at the far end");

    let mut config = support::runtime::client_config(Duration::from_millis(50), BACKOFF_MAX);
    config.connect_timeout = CONNECT_TIMEOUT;
    // The far end is not a loopback address: a proxy in the environment must not take it.
    config.proxy = Proxy::None;
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::supervisor(INTERVAL, TIMEOUT))
        .with_client_config(config)
        .connect()
        .unwrap();
    let mut events = client.events();
    next_event(&mut events, |e| matches!(e, ClientEvent::Connected { .. })).await;
    support::within("two answered pings", async {
        while client.stats().is_none_or(|s| s.pongs_received < 2) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;

    // Nothing ended the connection before the pull: the Disconnected awaited below is the
    // pull's, not an earlier one's.
    while let Ok(event) = events.try_recv() {
        assert!(
            !matches!(event, ClientEvent::Disconnected { .. }),
            "disconnected before the pull: {event:?}"
        );
    }
    let pulled = Instant::now();
    cable.pull();
    let disconnect = support::runtime::next_disconnect(&mut events).await;
    let took = pulled.elapsed();
    assert_eq!(
        (
            disconnect.initiator,
            disconnect.code,
            disconnect.reason.as_str()
        ),
        (Initiator::Policy, 1011, "keepalive ping timeout"),
        "{disconnect:?}"
    );
    let latest = INTERVAL + TIMEOUT + CLOSE_TIMEOUT;
    assert!(
        took < latest + Duration::from_millis(1500),
        "closed {took:?} after the pull (expected by {latest:?})"
    );

    // Attempts through the pulled cable fail, and keep being made.
    for _ in 0..2 {
        let failed = next_event(&mut events, |e| {
            matches!(
                e,
                ClientEvent::ConnectFailed { .. } | ClientEvent::Connected { .. }
            )
        })
        .await;
        assert!(
            matches!(failed, ClientEvent::ConnectFailed { .. }),
            "connected through a pulled cable: {failed:?}"
        );
    }

    cable.plug();
    let plugged = Instant::now();
    next_event(&mut events, |e| matches!(e, ClientEvent::Connected { .. })).await;
    // An attempt in flight at the plug may still be cut off, then one backoff delay and a
    // successful attempt; generous for a loaded machine.
    let bound = 2 * CONNECT_TIMEOUT + BACKOFF_MAX + Duration::from_secs(2);
    let took = plugged.elapsed();
    assert!(
        took < bound,
        "reconnected {took:?} after the plug (bound {bound:?})"
    );
    client.close();
    server.shutdown().await;
}
