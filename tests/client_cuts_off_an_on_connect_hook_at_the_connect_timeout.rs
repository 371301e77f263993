//! The on-connect hook is part of the attempt: one that never finishes is cut off when the
//! attempt's `connect_timeout` runs out, the connection is closed with 1011, and the client
//! retries as after a failed attempt.

mod support;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::Initiator;

/// On the real clock: a paused one would jump ahead whenever loopback delivery lags behind
/// the runtime, firing the handshake and close timeouts of a test about another.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

#[tokio::test]
async fn client_cuts_off_an_on_connect_hook_at_the_connect_timeout() {
    support::trace();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", |conn: ws_health::Connection| async move {
            let _ = conn.closed().await;
        })
        .await
        .unwrap();
    let (hooked_tx, mut hooked) = mpsc::unbounded_channel();
    let mut config =
        support::runtime::client_config(Duration::from_secs(1), Duration::from_secs(1));
    config.connect_timeout = CONNECT_TIMEOUT;
    let asked = Instant::now();
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config)
        .with_on_connect(move |_| {
            let _ = hooked_tx.send(Instant::now());
            std::future::pending()
        })
        .connect()
        .unwrap();
    let mut events = client.events();
    let started = support::within("the hook", hooked.recv()).await.unwrap();

    let (disconnect, at) = support::within("the hook to be cut off", async {
        loop {
            match events.recv().await.unwrap() {
                ClientEvent::Disconnected { disconnect, .. } => break (disconnect, Instant::now()),
                ClientEvent::ConnectFailed { error } => panic!("{error}"),
                _ => {}
            }
        }
    })
    .await;
    assert_eq!(
        (
            disconnect.initiator,
            disconnect.code,
            disconnect.reason.as_str()
        ),
        (Initiator::Application, 1011, "on-connect hook timed out"),
        "{disconnect}"
    );
    // The attempt, hook included, had the whole timeout (counted from after `connect()`),
    // and the close handshake ended within its 300 ms timeout (late on a loaded machine: a
    // second more allowed).
    let (took, in_hook) = (at - asked, at - started);
    assert!(
        took >= CONNECT_TIMEOUT && in_hook < CONNECT_TIMEOUT + Duration::from_secs(1),
        "cut off {took:?} after connect(), {in_hook:?} after the hook began"
    );
    assert!(
        matches!(
            support::within("the retry", events.recv()).await.unwrap(),
            ClientEvent::Reconnecting { attempt: 1, .. }
        ),
        "no retry after the hook timed out"
    );
    // The retry runs the hook again.
    support::within("the hook again", hooked.recv())
        .await
        .unwrap();
    client.close();
    server.shutdown().await;
}
