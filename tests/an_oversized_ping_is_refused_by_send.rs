//! An application's Ping goes out as it is, so `send` checks what tungstenite checks only on
//! receive: a payload over 125 bytes, which the peer would answer by closing with 1002, is
//! refused and handed back; 125 bytes go out.

mod support;

use support::mock_transport;
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::Supervisor;

#[tokio::test(start_paused = true)]
async fn an_oversized_ping_is_refused_by_send() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    let big = Message::Ping(vec![1; 126].into());
    match conn.try_send(big.clone()) {
        Err(TrySendError::Invalid(back)) => assert_eq!(back, big),
        other => panic!("{other:?}"),
    }
    let err = conn.send(big).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err}");
    assert!(err.to_string().contains("126 bytes"), "{err}");

    let limit = Message::Ping(vec![2; 125].into());
    conn.send(limit.clone()).await.unwrap();
    assert_eq!(peer.recv().await, Some(limit));
}
