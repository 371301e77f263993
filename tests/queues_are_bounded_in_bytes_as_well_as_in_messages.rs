//! `queues.inbound_bytes` and `queues.outbound_bytes` bound what a connection's queues hold in
//! bytes, beside their count of messages: a peer that floods large messages and an application
//! that does not keep up hold at most the budget and one message more each way, where a count
//! alone let 64 messages of up to `max_message_size` (16 MiB) pile up each way.

mod support;

use support::{mock_transport, ms};
use ws_health::config::Queues;
use ws_health::tungstenite::Message;
use ws_health::{Supervisor, TrySendError};

const KIB_16: usize = 16 * 1024;

fn queues() -> Queues {
    Queues {
        inbound: 64,
        outbound: 64,
        inbound_bytes: 40_000,
        outbound_bytes: 40_000,
    }
}

#[tokio::test(start_paused = true)]
async fn reading_pauses_once_the_inbound_queue_holds_its_bytes() {
    let supervisor = Supervisor::builder().with_queues(queues()).build().unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let (mut conn, driver) = supervisor.attach(transport, None);
    tokio::spawn(driver);
    for i in 0..10u8 {
        peer.binary(&[i; KIB_16]);
    }
    tokio::time::sleep(ms(100)).await;
    // 2 × 16 KiB is under 40,000 bytes, 3 × is over it: the third is taken, then reading
    // pauses with the rest left to TCP.
    let stats = conn.stats();
    assert_eq!(
        (stats.inbound_queued, stats.messages_received),
        (3, 3),
        "{stats:?}"
    );

    // Taking one makes room for one more, not for the 61 messages the count would allow.
    assert_eq!(conn.recv().await, Some(Message::binary(vec![0; KIB_16])));
    tokio::time::sleep(ms(100)).await;
    let stats = conn.stats();
    assert_eq!(
        (stats.inbound_queued, stats.messages_received),
        (3, 4),
        "{stats:?}"
    );
    for i in 1..10u8 {
        assert_eq!(conn.recv().await, Some(Message::binary(vec![i; KIB_16])));
    }
}

#[tokio::test(start_paused = true)]
async fn sending_waits_once_the_outbound_queue_holds_its_bytes() {
    let supervisor = Supervisor::builder().with_queues(queues()).build().unwrap();
    let (transport, _peer) = mock_transport::pair();
    // The driver has not run: nothing leaves the queue.
    let (conn, _driver) = supervisor.attach(transport, None);
    for i in 0..3u8 {
        conn.try_send(Message::binary(vec![i; KIB_16])).unwrap();
    }
    let refused = conn.try_send(Message::binary(vec![3; KIB_16])).unwrap_err();
    assert!(matches!(refused, TrySendError::Full(_)), "{refused:?}");
    assert_eq!(conn.stats().outbound_queued, 3);
    // A check that reads the backlog sees the bytes that filled the queue.
    assert_eq!(conn.stats().outbound_queued_bytes, 3 * KIB_16);
}

/// The defaults bound both ways: a budget of bytes is on unless set otherwise.
#[test]
fn the_default_budgets_are_a_few_mebibytes() {
    let queues = Queues::default();
    assert_eq!((queues.inbound, queues.outbound), (64, 64));
    assert_eq!(
        (queues.inbound_bytes, queues.outbound_bytes),
        (8 << 20, 8 << 20)
    );
}
