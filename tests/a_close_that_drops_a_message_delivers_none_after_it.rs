//! While a close is under way, the connection reads on past a full inbound queue and drops what
//! does not fit (counted in `Disconnect::undelivered`). Once it has dropped one message it drops
//! every later one too: what `recv` yields stays a prefix of what the peer sent. It used to queue
//! a later message again as soon as the application had made room, so that `recv` went on past a
//! hole (messages 0 and 1, then 10, with 2 to 9 gone): an application that applies deltas in
//! order applied the one after the hole without knowing of it. Found by a randomized stress over
//! loopback (the server's application reading while its close dropped a peer's flood), where
//! `recv` gave 0 to 3, then 36 to 39.

mod support;

use support::mock_transport::{self, close_of};
use support::ms;
use ws_health::config::Queues;
use ws_health::policy::Policy;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Initiator, Supervisor};

#[tokio::test(start_paused = true)]
async fn messages_after_one_dropped_by_the_close_are_dropped_too() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(400)))
        .with_policy(Policy {
            close_timeout: ms(10_000),
            ..Policy::default()
        })
        .with_queues(Queues {
            inbound: 2,
            outbound: 1,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(5));
    let (mut conn, driver) = supervisor.attach(transport, None);
    tokio::spawn(driver);
    for i in 0..10u8 {
        peer.send(Message::binary(vec![i]));
    }
    support::within("the queue filled", async {
        while conn.stats().messages_received < 2 {
            tokio::time::sleep(ms(1)).await;
        }
    })
    .await;
    conn.close(1000, "done").unwrap();
    // Our close frame went out: the eight behind the full queue were read, and dropped.
    let close = peer.next_answering_pings().await.expect("a close frame");
    assert_eq!(close_of(&close), (1000, "done".into()));
    // The application makes room; a message the peer sent before it read our close (in flight
    // on a real socket) comes in behind the hole, then the peer's reply.
    assert_eq!(conn.recv().await, Some(Message::binary(vec![0])));
    peer.send(Message::binary(vec![10]));
    peer.close(1000, "");
    let mut rest = Vec::new();
    while let Some(message) = support::within("recv", conn.recv()).await {
        rest.push(message);
    }
    assert_eq!(
        rest,
        vec![Message::binary(vec![1])],
        "recv went on past a hole"
    );
    let end = support::within("the end", conn.closed()).await;
    assert_eq!(end.initiator, Initiator::Application, "{end}");
    assert!(end.clean, "{end}");
    assert_eq!(end.undelivered, 9, "{end}");
}
