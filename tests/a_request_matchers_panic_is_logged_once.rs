//! A request's matcher that panics on every message of some kind (one it cannot parse) is
//! logged at error once, at its first panic, not at each message: a peer that keeps sending
//! such messages must not flood the log. Each panic still counts as no match, and the
//! matcher still takes its answer. (Mutation testing found no test of the count: never,
//! every time and from the second on all passed.)

mod support;

use support::logs::Captured;
use support::{mock_transport, ms};
use ws_health::tungstenite::Message;
use ws_health::Supervisor;

#[tokio::test(start_paused = true)]
async fn a_request_matchers_panic_is_logged_once() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=error");
    let (transport, mut peer) = mock_transport::pair();
    let mut conn = Supervisor::new().supervise(transport);
    let sender = conn.sender();
    let request = tokio::spawn(async move {
        let panics_on_boom = |m: &Message| {
            assert!(m.to_text().is_ok_and(|t| t != "boom"), "not JSON");
            m.to_text().is_ok_and(|t| t == "ack")
        };
        sender
            .request(Message::text("subscribe"), ms(1000), panics_on_boom)
            .await
    });
    assert_eq!(peer.recv().await, Some(Message::text("subscribe")));
    for _ in 0..3 {
        peer.text("boom");
    }
    peer.text("ack");
    let answer = support::within("the request", request).await.unwrap();
    assert_eq!(answer.unwrap(), Message::text("ack"));
    for _ in 0..3 {
        assert_eq!(conn.recv().await, Some(Message::text("boom")));
    }
    let text = captured.text();
    let logged = text.matches("a request's matcher panicked").count();
    assert_eq!(logged, 1, "{text}");
    assert!(text.contains("not JSON"), "{text}");
}
