//! `Sender::close` refuses what may not be sent — the reserved codes 1005, 1006 and 1015,
//! and reasons over 123 bytes — with an error that says why, and leaves the connection
//! open; the limits themselves are accepted and reach the peer intact.

mod support;

use support::{close_of, mock_transport};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{ErrorKind, Supervisor};

#[tokio::test(start_paused = true)]
async fn close_refuses_reserved_codes_and_long_reasons() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);

    for code in [1005, 1006, 1015, 1004, 999, 5000] {
        let err = conn.close(code, "").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{code}: {err}");
        assert!(err.to_string().contains(&code.to_string()), "{err}");
        assert!(err.to_string().contains("may not be sent"), "{err}");
    }
    let long = "é".repeat(62); // 124 bytes
    let err = conn.close(1000, &long).unwrap_err();
    assert!(err.is_invalid_input());
    assert!(err.to_string().contains("124 bytes"), "{err}");
    assert!(err.to_string().contains("123"), "{err}");

    // Nothing was started: the connection still works.
    conn.send(Message::text("still open")).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::text("still open")));
    assert_eq!(conn.disconnect(), None);

    // An application code with a 123-byte reason is fine.
    let reason = "r".repeat(123);
    conn.close(4000, &reason).unwrap();
    let close = peer.recv().await.unwrap();
    assert_eq!(close_of(&close), (4000, reason.clone()));
    peer.close(4000, "");
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Application, 4000));
    assert_eq!(end.reason, reason);
    assert!(end.clean);
}
