//! `Sender::ping` is Python `websockets`' `await ws.ping()`: a ping now, and its round trip
//! once the pong comes, measured from the flush; it counts in the stats and the latency.
//! While closing it fails at once (a ping may not follow our close frame), and a ping whose
//! pong never comes fails when the connection ends.

mod support;

use std::time::Duration;

use futures_util::FutureExt;
use support::mock_transport;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn the_application_pings_and_gets_the_round_trip() {
    // The supervisor's own pings are far apart: only the application's go out.
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(3600),
            Duration::from_secs(60),
        ))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(Duration::from_millis(30));
    let conn = supervisor.supervise(transport);

    let rtt = support::within("the pong", conn.ping()).await.unwrap();
    assert_eq!(rtt, Duration::from_millis(30));
    assert_eq!(conn.latency(), rtt);
    let stats = conn.stats();
    assert_eq!(
        (stats.pings_sent, stats.pongs_received),
        (1, 1),
        "{stats:?}"
    );

    // Two at once: each gets its own pong.
    let (a, b) = tokio::join!(conn.ping(), conn.ping());
    assert_eq!((a.unwrap(), b.unwrap()), (rtt, rtt));

    // One the peer never answers fails when the connection ends.
    peer.stop_answering_pings();
    let unanswered = tokio::spawn({
        let sender = conn.sender();
        async move { sender.ping().await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    conn.close(1000, "").unwrap();
    let refused = conn
        .ping()
        .now_or_never()
        .expect("refused at once, not queued");
    assert!(refused.unwrap_err().is_closed(), "a ping while closing");
    peer.close(1000, "");
    let err = support::within("the end", unanswered)
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.is_closed(), "{err}");
    let end = conn.closed().await;
    assert!(end.clean, "{end}");
}

/// A pong read in the same pass as the end (the peer answers, then goes) answers its ping:
/// the round trip is in the stats, and `ping` returns it rather than `Closed`.
#[tokio::test(start_paused = true)]
async fn a_pong_read_with_the_end_still_answers_its_ping() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(3600),
            Duration::from_secs(60),
        ))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);
    let ping = tokio::spawn({
        let sender = conn.sender();
        async move { sender.ping().await }
    });
    let sent = peer.recv().await.expect("the ping");
    assert!(sent.is_ping());
    // Both wait for the driver's next poll.
    peer.pong(sent.into_data());
    peer.end();

    let answered = support::within("the ping", ping).await.unwrap();
    assert_eq!(answered.expect("the pong came"), Duration::ZERO);
    assert_eq!(conn.stats().pongs_received, 1);
}

/// A ping given up on while its flush was pending still counts as sent once the flush
/// completes: `pings_sent` counts the pings flushed to the socket, waited for or not.
#[tokio::test(start_paused = true)]
async fn a_ping_given_up_before_its_flush_counts_as_sent_once_flushed() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(3600),
            Duration::from_secs(60),
        ))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);
    peer.hold_flushes();
    let given_up = tokio::time::timeout(Duration::from_millis(10), conn.ping()).await;
    assert!(given_up.is_err(), "answered: {given_up:?}");
    assert_eq!(conn.stats().pings_sent, 0);

    peer.release_flushes();
    // Flushed, and counted, in the driver's poll that handed it over.
    assert!(peer.recv().await.is_some_and(|m| m.is_ping()));
    assert_eq!(conn.stats().pings_sent, 1);
}
