//! `Duration::MAX` is how code says "never" (tokio's `sleep` takes it): as a check's
//! interval, initial delay, timeout, jitter or slack, or as the close timeout, the driver
//! runs the connection as usual and never panics on the deadline it cannot represent; nor do
//! the client's connect timeout and the server's handshake and shutdown timeouts.

mod support;

use std::time::Duration;

use support::{close_of, mock_transport, ms, policy_closing_within};
use tokio::time::Instant;
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

const NEVER: Duration = Duration::MAX;
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

fn supervisor(ping: CheckSettings) -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(ping)
        .with_policy(policy_closing_within(NEVER))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn every_timing_at_duration_max_carries_messages_and_closes() {
    let ping = CheckSettings {
        initial_delay: Some(NEVER),
        jitter: NEVER,
        slack: NEVER,
        ..CheckSettings::every(NEVER, NEVER)
    };
    let (transport, mut peer) = mock_transport::pair();
    let (mut conn, driver) = supervisor(ping).attach(transport, None);
    let driver = tokio::spawn(driver);

    peer.text("hello");
    assert_eq!(conn.recv().await, Some(Message::text("hello")));
    conn.send(Message::text("world")).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::text("world")));

    // Our close, bounded by a close timeout of "never": the peer's answer ends it.
    conn.close(1000, "done").unwrap();
    assert_eq!(close_of(&peer.recv().await.unwrap()), (1000, "done".into()));
    peer.close(1000, "done");
    let end = driver.await.expect("the driver panicked");
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
    assert!(end.clean, "{end}");
}

#[tokio::test(start_paused = true)]
async fn one_ping_then_an_interval_of_duration_max() {
    let ping = CheckSettings {
        initial_delay: Some(ms(100)),
        ..CheckSettings::every(NEVER, NEVER)
    };
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(10));
    let (conn, driver) = supervisor(ping).attach(transport, None);
    let driver = tokio::spawn(driver);

    // The paused clock jumps to each timer: a year passes in no time, with one ping in it.
    tokio::time::sleep(YEAR).await;
    assert_eq!(peer.pings_answered(), 1);
    assert_eq!(conn.latency(), ms(10));

    // The peer's close, bounded by a close timeout of "never".
    peer.close(1001, "bye");
    assert_eq!(close_of(&peer.recv().await.unwrap()), (1001, "bye".into()));
    let end = driver.await.expect("the driver panicked");
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1001));
}

#[tokio::test(start_paused = true)]
async fn a_ping_timeout_of_duration_max_waits_for_years() {
    let (transport, mut peer) = mock_transport::pair();
    let (conn, driver) = supervisor(CheckSettings::every(ms(100), NEVER)).attach(transport, None);
    let driver = tokio::spawn(driver);

    assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    let sent = Instant::now();
    // Never answered: the run waits, and no other ping starts meanwhile.
    tokio::time::sleep(10 * YEAR).await;
    assert!(peer.try_recv().is_none(), "something was sent");
    assert!(conn.disconnect().is_none(), "closed within 10 years");
    // "Never" ends some decades on, as a timeout, not as a panic.
    assert_eq!(
        close_of(&peer.recv_within(100 * YEAR).await.unwrap()).0,
        1011
    );
    assert!(sent.elapsed() > 10 * YEAR);
    drop(peer);
    let end = driver.await.expect("the driver panicked");
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
}

/// A client whose connect timeout is `Duration::MAX` connects and runs its on-connect hook
/// (the hook's share of the timeout is what is left of it, never an overflowing instant).
#[tokio::test]
async fn client_with_a_connect_timeout_of_duration_max_connects() {
    use ws_health::config::ClientConfig;
    use ws_health::runtime::Client;

    let server = ws_health::runtime::Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve(
            "127.0.0.1:0",
            |mut conn: ws_health::Connection| async move {
                while let Some(message) = conn.recv().await {
                    let _ = conn.send(message).await;
                }
            },
        )
        .await
        .unwrap();
    let mut client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ClientConfig {
            connect_timeout: NEVER,
            ..ClientConfig::default()
        })
        .with_on_connect(|conn| async move { conn.send(Message::text("hook")).await })
        .connect()
        .unwrap();
    let echoed = support::within("the hook's message echoed", client.recv()).await;
    assert_eq!(echoed, Some(Message::text("hook")));
}

/// A server whose handshake and shutdown timeouts are `Duration::MAX` upgrades, echoes and
/// shuts down; over its connection limit it still answers 503. Before, every connection
/// task panicked computing the handshake's deadline, and the peer got no answer.
#[tokio::test]
async fn server_with_timeouts_of_duration_max_serves_and_refuses() {
    use futures_util::{SinkExt, StreamExt};
    use ws_health::config::ServerConfig;

    let server = ws_health::runtime::Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(ServerConfig {
            handshake_timeout: NEVER,
            shutdown_timeout: NEVER,
            max_connections: 1,
            ..ServerConfig::default()
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    let (mut ws, _) = support::within("the upgrade", tokio_tungstenite::connect_async(&url))
        .await
        .unwrap();
    ws.send(Message::text("hello")).await.unwrap();
    let echoed = support::next_message(&mut ws, "the echo").await;
    assert_eq!(echoed, Message::text("hello"));
    let refused = support::within("the refusal", tokio_tungstenite::connect_async(&url)).await;
    match refused {
        Err(ws_health::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
        other => panic!("expected a 503 over the limit, got {other:?}"),
    }
    let shutdown = tokio::spawn(server.shutdown());
    let (code, _) = support::next_close(&mut ws, "the client").await;
    assert_eq!(code, 1001);
    drop(ws.next().await);
    support::within("the shutdown", shutdown).await.unwrap();
}
