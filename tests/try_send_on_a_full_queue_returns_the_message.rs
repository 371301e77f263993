//! `Sender::try_send` never drops a message silently: on a full outbound queue, and on a
//! closed connection, the message comes back inside the error.

mod support;

use support::{mock_transport, ms};
use ws_health::config::Queues;
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::Supervisor;

#[tokio::test(start_paused = true)]
async fn try_send_on_a_full_queue_returns_the_message() {
    let supervisor = Supervisor::builder()
        .with_queues(Queues {
            inbound: 8,
            outbound: 2,
            ..Default::default()
        })
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    // Attached but not yet driven: nothing leaves the queue.
    let (conn, driver) = supervisor.attach(transport, None);

    conn.try_send(Message::text("one")).unwrap();
    conn.try_send(Message::binary(vec![2])).unwrap();
    let third = Message::text("three");
    match conn.try_send(third.clone()) {
        Err(err @ TrySendError::Full(_)) => {
            assert_eq!(err.to_string(), "outbound queue is full");
            assert_eq!(err.into_message(), third);
        }
        other => panic!("expected Full, got {other:?}"),
    }
    let err: ws_health::Error = conn.try_send(third.clone()).unwrap_err().into();
    assert!(err.is_queue_full(), "{err}");

    let driver = tokio::spawn(driver);
    assert_eq!(peer.recv().await, Some(Message::text("one")));
    assert_eq!(peer.recv().await, Some(Message::binary(vec![2])));
    // Room again.
    conn.try_send(third.clone()).unwrap();
    assert_eq!(peer.recv().await, Some(third));

    conn.close(1000, "bye").unwrap();
    let late = Message::text("late");
    match conn.try_send(late.clone()) {
        Err(TrySendError::Closed(m)) => assert_eq!(m, late),
        other => panic!("expected Closed, got {other:?}"),
    }
    assert!(conn.send(late).await.unwrap_err().is_closed());
    peer.close(1000, "");
    let end = tokio::time::timeout(ms(100), driver)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(end.code, 1000);
    assert_eq!(end.unsent, 0);
}
