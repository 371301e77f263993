//! An application that drops its `Connection` but keeps a `Sender` (a broadcast list) keeps
//! the connection open, and nobody can read what arrives on it any more: the supervisor
//! frees what was queued and keeps nothing that arrives after, instead of holding up to
//! `queues.inbound` messages for as long as the `Sender` lives. A `Sender`'s request still
//! gets its answer.

mod support;

use std::time::Duration;

use support::mock_transport;
use ws_health::config::Queues;
use ws_health::tungstenite::Message;
use ws_health::Supervisor;

#[tokio::test(start_paused = true)]
async fn a_dropped_connection_keeps_no_unread_messages() {
    let supervisor = Supervisor::builder()
        .with_queues(Queues {
            inbound: 64,
            outbound: 16,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);
    let sender = conn.sender();
    // Three unread messages, and a request's answer to know they were delivered.
    for i in 0..3u8 {
        peer.send(Message::binary(vec![i; 1000]));
    }
    peer.text("answer 1");
    let answer = sender
        .request(Message::text("ask 1"), Duration::from_secs(5), |m| {
            *m == Message::text("answer 1")
        })
        .await
        .unwrap();
    assert_eq!(answer, Message::text("answer 1"));
    assert_eq!(sender.stats().inbound_queued, 3);

    drop(conn);
    assert_eq!(sender.stats().inbound_queued, 0, "unread messages kept");
    for i in 0..5u8 {
        peer.send(Message::binary(vec![i; 1000]));
    }
    peer.text("answer 2");
    let answer = sender
        .request(Message::text("ask 2"), Duration::from_secs(5), |m| {
            *m == Message::text("answer 2")
        })
        .await
        .unwrap();
    assert_eq!(answer, Message::text("answer 2"));
    assert_eq!(
        sender.stats().inbound_queued,
        0,
        "messages nobody can read kept"
    );
    assert!(
        sender.disconnect().is_none(),
        "the Sender keeps the connection open"
    );
}
