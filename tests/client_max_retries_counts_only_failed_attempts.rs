//! `client.max_retries` counts failed attempts in a row: connections that open and are then
//! closed, however soon, start the count again, while refused attempts and failing
//! on-connect hooks count. (The backoff's growth is separate: see
//! `client_backs_off_longer_from_a_server_that_closes_at_once`.)

mod support;

use std::time::Duration;

use tokio::sync::broadcast;
use ws_health::config::ClientConfig;
use ws_health::runtime::{Client, ClientEvent, Server, StopCause};
use ws_health::{Connection, Error};

const MAX_RETRIES: u32 = 2;

fn config() -> ClientConfig {
    ClientConfig {
        max_retries: Some(MAX_RETRIES),
        ..support::runtime::client_config(Duration::from_millis(1), Duration::from_millis(5))
    }
}

/// A server that closes every connection as soon as it opens, with a code that is not final.
async fn recycling_server() -> Server {
    Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", |conn: Connection| async move {
            conn.close(1001, "recycling").unwrap();
            let _ = conn.closed().await;
        })
        .await
        .unwrap()
}

/// The events up to `Stopped`, or up to the `connections`-th `Connected`.
async fn events_until(
    events: &mut broadcast::Receiver<ClientEvent>,
    connections: usize,
) -> Vec<ClientEvent> {
    let mut seen = Vec::new();
    support::within("the client's events", async {
        loop {
            let event = events.recv().await.expect("the client's events");
            let stop = matches!(event, ClientEvent::Stopped { .. })
                || matches!(event, ClientEvent::Connected { .. })
                    && seen
                        .iter()
                        .filter(|e| matches!(e, ClientEvent::Connected { .. }))
                        .count()
                        + 1
                        == connections;
            seen.push(event);
            if stop {
                return;
            }
        }
    })
    .await;
    seen
}

fn count(seen: &[ClientEvent], wanted: impl Fn(&ClientEvent) -> bool) -> usize {
    seen.iter().filter(|e| wanted(e)).count()
}

#[tokio::test]
async fn client_max_retries_does_not_count_connections_that_opened() {
    support::trace();
    let server = recycling_server().await;
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config())
        .connect()
        .unwrap();
    let mut events = client.events();

    let connections = 3 * MAX_RETRIES as usize;
    let seen = events_until(&mut events, connections).await;
    assert_eq!(
        count(&seen, |e| matches!(e, ClientEvent::Connected { .. })),
        connections,
        "{seen:?}"
    );
    client.close();
    server.shutdown().await;
}

#[tokio::test]
async fn client_max_retries_counts_refused_attempts() {
    support::trace();
    let addr = support::runtime::closed_port();
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(config())
        .connect()
        .unwrap();
    let mut events = client.events();

    let seen = events_until(&mut events, usize::MAX).await;
    // The first attempt, then MAX_RETRIES retries, all refused.
    let failed = count(&seen, |e| matches!(e, ClientEvent::ConnectFailed { .. }));
    let retries = count(&seen, |e| matches!(e, ClientEvent::Reconnecting { .. }));
    assert_eq!((failed, retries), (1 + MAX_RETRIES as usize, 2), "{seen:?}");
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(
            reason.cause,
            StopCause::GaveUp {
                retries: MAX_RETRIES,
                ..
            }
        ),
        "{reason}"
    );
    let reason = reason.to_string();
    let gave_up = format!("gave up after {MAX_RETRIES} failed retries (client.max_retries): ");
    assert!(reason.starts_with(&gave_up), "{reason}");
    assert!(
        reason.contains(&format!("could not connect to {addr}")),
        "{reason}"
    );
}

#[tokio::test]
async fn client_max_retries_counts_failing_on_connect_hooks() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config())
        .with_on_connect(|_| async { Err(Error::other("not subscribed")) })
        .connect()
        .unwrap();
    let mut events = client.events();

    let seen = events_until(&mut events, usize::MAX).await;
    let connected = count(&seen, |e| matches!(e, ClientEvent::Connected { .. }));
    assert_eq!(connected, 1 + MAX_RETRIES as usize, "{seen:?}");
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(
            reason.cause,
            StopCause::GaveUp {
                retries: MAX_RETRIES,
                ..
            }
        ),
        "{reason}"
    );
    let reason = reason.to_string();
    let gave_up = format!("gave up after {MAX_RETRIES} failed retries (client.max_retries): ");
    assert!(reason.starts_with(&gave_up), "{reason}");
    assert!(
        reason.contains(r#"1011 "on-connect hook failed: not subscribed""#),
        "{reason}"
    );
    server.shutdown().await;
}
