//! `Stats` carries what a business check needs for "feed not stale" and "backlog bounded":
//! `data_idle`, the time since the last application message (pongs do not reset it, while
//! they do reset `idle`), and the depths of the inbound and outbound queues, in messages and in
//! bytes.

mod support;

use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(start_paused = true)]
async fn stats_tell_data_idleness_and_queue_depths() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let (mut conn, driver) = supervisor.attach(transport, None);

    // The backlog: sent, not yet written (the driver has not run).
    for i in 0..3 {
        conn.try_send(Message::text(format!("out {i}"))).unwrap();
    }
    assert_eq!(conn.stats().outbound_queued, 3);
    assert_eq!(conn.stats().outbound_queued_bytes, 15, "three of \"out N\"");
    let start = Instant::now();
    tokio::spawn(driver);
    tokio::time::sleep(ms(1000)).await;
    let stats = conn.stats();
    assert_eq!(stats.outbound_queued, 0, "{stats:?}");
    assert_eq!(stats.outbound_queued_bytes, 0, "{stats:?}");
    assert!(stats.pongs_received >= 9, "{stats:?}");
    assert!(stats.idle < ms(100), "pongs keep `idle` short: {stats:?}");
    assert_eq!(
        stats.data_idle,
        Instant::now() - start,
        "no data yet: {stats:?}"
    );

    // Data: three messages the application has not taken.
    for i in 0..3 {
        peer.text(&format!("in {i}"));
    }
    support::within("the messages", async {
        while conn.stats().messages_received < 3 {
            tokio::time::sleep(ms(1)).await;
        }
    })
    .await;
    let arrived = Instant::now();
    tokio::time::sleep(ms(250)).await;
    let stats = conn.stats();
    assert_eq!(stats.inbound_queued, 3, "{stats:?}");
    assert_eq!(
        stats.inbound_queued_bytes, 12,
        "three of \"in N\": {stats:?}"
    );
    assert!(
        stats.data_idle <= Instant::now() - arrived + ms(1),
        "{stats:?}"
    );
    assert!(stats.data_idle >= ms(250), "{stats:?}");
    assert_eq!(conn.recv().await, Some(Message::text("in 0")));
    assert_eq!(conn.stats().inbound_queued, 2);
    assert_eq!(conn.stats().inbound_queued_bytes, 8);
}

/// What a connection could not send is counted in its end's `unsent` and then dropped: a
/// `Sender` kept in a list does not keep the messages (up to the queue's size, each up to
/// the largest message) of a connection that has ended.
#[tokio::test(start_paused = true)]
async fn an_ended_connection_keeps_no_unsent_message() {
    let (transport, peer) = mock_transport::pair();
    peer.hold_writes();
    let (conn, driver) = Supervisor::new().attach(transport, None);
    let kept = conn.sender();
    for i in 0..3 {
        conn.try_send(Message::text(format!("out {i}"))).unwrap();
    }
    let driver = tokio::spawn(driver);
    peer.fail("the network went");
    let end = driver.await.unwrap();
    assert!(end.unsent >= 1, "{end}");
    let stats = kept.stats();
    assert_eq!(stats.outbound_queued, 0, "{end}: {stats:?}");
    assert_eq!(stats.outbound_queued_bytes, 0, "{end}: {stats:?}");
}
