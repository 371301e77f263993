//! The built-in ping check takes the payload pool's windows in turn: a connection's pings
//! never repeat a window (within the pool's 65,536), so a late pong cannot pass for
//! the answer to a newer ping. Consecutive windows overlap by three bytes, which a random
//! choice of windows would almost never do.

mod support;

use std::collections::HashSet;

use support::{mock_transport, ms};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn default_ping_payloads_differ_from_ping_to_ping() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let _conn = supervisor.supervise(transport);

    let mut payloads = Vec::new();
    while payloads.len() < 500 {
        match peer.recv().await {
            Some(Message::Ping(payload)) => {
                peer.send(Message::Pong(payload.clone()));
                payloads.push(payload);
            }
            other => panic!("expected a ping, got {other:?}"),
        }
    }

    // Different windows of random bytes: two of 500 may hold the same four bytes by chance
    // (about 1 run in 34,000), more than two almost never; a pool that is not random would
    // show many.
    let distinct: HashSet<_> = payloads.iter().collect();
    assert!(
        distinct.len() >= payloads.len() - 1,
        "{} distinct",
        distinct.len()
    );
    for pair in payloads.windows(2) {
        assert_eq!(pair[0].len(), 4);
        assert_eq!(
            pair[1][..3],
            pair[0][1..],
            "not the pool's next window: {pair:?}"
        );
    }
}

/// Each connection starts at a random window, so that the payloads are not one sequence
/// every peer of the process can predict. Three connections starting at the same window
/// by chance: about 1 in 4·10⁹.
#[tokio::test(start_paused = true)]
async fn connections_start_their_pings_at_different_windows() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .build()
        .unwrap();
    let mut firsts = HashSet::new();
    for _ in 0..3 {
        let (transport, mut peer) = mock_transport::pair();
        let _conn = supervisor.supervise(transport);
        match peer.recv().await {
            Some(Message::Ping(payload)) => firsts.insert(payload),
            other => panic!("expected a ping, got {other:?}"),
        };
    }
    assert!(firsts.len() > 1, "every connection began with {firsts:?}");
}

/// The application's pings and requests between the check's do not move its windows: the
/// check's pings still take consecutive windows. They used to follow a ticket counter that
/// the application's round trips share, so windows could repeat within far fewer pings.
#[tokio::test(start_paused = true)]
async fn the_applications_round_trips_leave_the_checks_windows_consecutive() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    let mut checks = Vec::new();
    while checks.len() < 5 {
        let app_ping = tokio::spawn({
            let sender = conn.sender();
            async move { sender.ping().await }
        });
        // The application's (5 bytes) and the check's (4), in either order, each answered.
        let mut answered = 0;
        while answered < 2 {
            match peer.recv().await {
                Some(Message::Ping(payload)) => {
                    peer.send(Message::Pong(payload.clone()));
                    answered += 1;
                    if payload.len() == 4 {
                        checks.push(payload);
                    }
                }
                other => panic!("expected a ping, got {other:?}"),
            }
        }
        app_ping.await.unwrap().unwrap();
    }
    for pair in checks.windows(2) {
        assert_eq!(pair[1][..3], pair[0][1..], "not the next window: {pair:?}");
    }
}
