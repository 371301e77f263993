//! A full inbound queue pauses reading only while someone can drain it and the connection is
//! not closing: the application's own close with unread messages completes at the peer's
//! reply, and a `Sender` kept after the `Connection` (the only receiver) was dropped sees
//! the peer's close. Both waited forever or for the close timeout, unclean. And a `send`
//! waiting for room stops waiting when the close starts, as its docs say. What the close
//! drops past the full queue is counted in `Disconnect::undelivered`.

mod support;

use support::mock_transport::{self, close_of, MockPeer};
use support::ms;
use tokio::time::Instant;
use ws_health::config::Queues;
use ws_health::policy::Policy;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Initiator, Supervisor};

const CLOSE_TIMEOUT: u64 = 10_000;

/// A connection whose inbound queue (2) is full, with eight more messages behind it.
async fn full() -> (
    Connection,
    MockPeer,
    tokio::task::JoinHandle<ws_health::Disconnect>,
) {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(400)))
        .with_policy(Policy {
            close_timeout: ms(CLOSE_TIMEOUT),
            ..Policy::default()
        })
        .with_queues(Queues {
            inbound: 2,
            outbound: 1,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(5));
    let (conn, driver) = supervisor.attach(transport, None);
    let driver = tokio::spawn(driver);
    for i in 0..10u8 {
        peer.send(Message::binary(vec![i; 100]));
    }
    // Sleeps, not yields, so that the paused clock moves and `within` can fire.
    support::within("the queue filled", async {
        while conn.stats().messages_received < 2 {
            tokio::time::sleep(ms(1)).await;
        }
    })
    .await;
    (conn, peer, driver)
}

#[tokio::test(start_paused = true)]
async fn own_close_with_unread_messages_completes_at_the_peers_reply() {
    let (conn, mut peer, _driver) = full().await;
    let closed = Instant::now();
    conn.close(1000, "done").unwrap();
    let close = peer.next_answering_pings().await.expect("a close frame");
    assert_eq!(close_of(&close), (1000, "done".into()));
    peer.close(1000, "");
    let end = support::within("the end", conn.closed()).await;
    assert_eq!(end.initiator, Initiator::Application);
    assert!(end.clean, "the peer's close reply was not read: {end}");
    assert!(
        Instant::now() - closed < ms(100),
        "{:?}",
        Instant::now() - closed
    );
    // The eight behind the full queue were read and dropped: counted, not lost silently.
    assert_eq!(end.undelivered, 8, "{end}");
    assert!(
        end.to_string().contains("8 received message(s) dropped"),
        "{end}"
    );
}

#[tokio::test(start_paused = true)]
async fn what_the_close_dropped_is_counted_when_its_task_is_aborted() {
    let (conn, mut peer, driver) = full().await;
    conn.close(1000, "done").unwrap();
    // Our close frame went out: the eight behind the full queue have been read by then.
    let close = peer.next_answering_pings().await.expect("a close frame");
    assert_eq!(close_of(&close), (1000, "done".into()));
    // No reply: the task is aborted before the close handshake ends (a shutdown timeout).
    driver.abort();
    let end = support::within("the end", conn.closed()).await;
    assert_eq!(end.code, 1006, "{end}");
    assert_eq!(end.undelivered, 8, "{end}");
}

#[tokio::test(start_paused = true)]
async fn a_sender_kept_after_the_connection_sees_the_peers_close() {
    let (conn, peer, _driver) = full().await;
    let sender = conn.sender();
    drop(conn);
    peer.close(1000, "bye");
    let end = support::within("the end", sender.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1000), "{end}");
    // Nobody could read them: not counted.
    assert_eq!(end.undelivered, 0, "{end}");
}

#[tokio::test(start_paused = true)]
async fn a_send_waiting_for_room_fails_when_the_close_starts() {
    let supervisor = Supervisor::builder()
        .with_queues(Queues {
            inbound: 2,
            outbound: 1,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, _peer) = mock_transport::pair();
    // The driver is not polled: nothing drains the outbound queue (1).
    let (conn, _driver) = supervisor.attach(transport, None);
    conn.try_send(Message::text("first")).unwrap();
    let waiting = conn.sender();
    let send = tokio::spawn(async move { waiting.send(Message::text("second")).await });
    tokio::time::sleep(ms(1)).await;
    assert!(!send.is_finished(), "the queue had room");
    conn.close(1000, "").unwrap();
    let sent = support::within("the send", send).await.unwrap();
    assert!(sent.unwrap_err().is_closed());
}
