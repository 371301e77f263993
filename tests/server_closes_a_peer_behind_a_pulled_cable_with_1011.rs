//! A peer whose network goes silent — every packet dropped, no FIN, no RST, as when its host
//! freezes or a NAT forgets the connection — is found by the ping and closed with 1011
//! "keepalive ping timeout" within the interval plus the timeout; the close frame it never
//! acknowledges is given up at the close timeout, and the connection's resources are freed.
//! The peer answers pings until then, so no close comes early. Real TCP on a veth pair
//! (`support::cable`): the kernel's retransmissions, not a test double, hold the frames.

mod support;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::runtime::Server;
use ws_health::{Connection, Initiator};

const INTERVAL: Duration = Duration::from_millis(200);
const TIMEOUT: Duration = Duration::from_millis(400);
/// `support::runtime::supervisor`'s close timeout.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(300);

#[tokio::test]
async fn server_closes_a_peer_behind_a_pulled_cable_with_1011() {
    let Some(cable) = support::cable::Cable::lay(1) else {
        return;
    };
    let (opened, mut connections) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::supervisor(INTERVAL, TIMEOUT))
        .with_server_config(support::runtime::server_config())
        .serve(
            std::net::SocketAddr::from((cable.near, 0)),
            move |mut conn: Connection| {
                let _ = opened.send(conn.sender());
                async move { while conn.recv().await.is_some() {} }
            },
        )
        .await
        .expect("serve on the near end");
    let addr = server.local_addr();

    // The peer, at the far end: tokio-tungstenite answers every ping as it reads.
    let mut peer = cable.websocket_from_far_end(addr).await;
    let _peer = tokio::spawn(async move {
        use futures_util::StreamExt;
        while let Some(Ok(_)) = peer.next().await {}
    });
    let conn = support::within("the connection", connections.recv())
        .await
        .expect("the server's connection");

    // Healthy while the cable is in: pings answered, none missed.
    support::within("two answered pings", async {
        while conn.stats().pongs_received < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(conn.disconnect().is_none(), "closed while the cable was in");
    assert_eq!(conn.stats().pings_missed, 0);

    // Timed from just before the pull: `ip` may take a while on a loaded machine, and a ping
    // written meanwhile may be the one that goes unanswered.
    let pulled = Instant::now();
    cable.pull();
    let end = support::within("the close", conn.closed()).await;
    let took = pulled.elapsed();
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Policy, 1011, "keepalive ping timeout"),
        "{end:?}"
    );
    assert!(
        !end.clean,
        "a close handshake completed through a pulled cable: {end:?}"
    );
    // Found no sooner than a ping can go unanswered for the timeout (the last answered one
    // was just before the pull), no later than the next ping plus the timeout, then dropped
    // at the close timeout; the upper bound has room for a loaded machine.
    let earliest = TIMEOUT + CLOSE_TIMEOUT;
    let latest = INTERVAL + TIMEOUT + CLOSE_TIMEOUT;
    assert!(
        took + Duration::from_millis(50) >= earliest && took < latest + Duration::from_millis(1500),
        "closed {took:?} after the pull (expected {earliest:?} to {latest:?})"
    );
    support::within("the connection's end", async {
        while server.connections() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}
