//! A message over `socket.max_message_size` is refused by `send` with an error naming the
//! limit, and the connection stays up; before, tungstenite refused it mid-write and the
//! connection died with the message lost.

mod support;

use support::mock_transport;
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::{Config, Supervisor};

#[tokio::test(start_paused = true)]
async fn oversized_message_is_refused_by_send() {
    let mut config = Config::default();
    config.socket.max_message_size = Some(1024);
    let supervisor = Supervisor::builder().with_config(&config).build().unwrap();
    let (transport, mut peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    let err = conn
        .send(Message::binary(vec![0u8; 1025]))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(err.to_string().contains("1025 bytes"), "{err}");
    assert!(err.to_string().contains("socket.max_message_size"), "{err}");
    match conn.try_send(Message::binary(vec![0u8; 2048])) {
        Err(TrySendError::TooLarge(m)) => assert_eq!(m.len(), 2048),
        other => panic!("expected TooLarge, got {other:?}"),
    }

    // The limit itself is fine, and the connection is still up.
    conn.send(Message::binary(vec![7u8; 1024])).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::binary(vec![7u8; 1024])));
    assert!(conn.disconnect().is_none());
}

#[test]
fn write_buffer_must_fit_the_largest_message() {
    let mut config = Config::default();
    config.socket.max_message_size = Some(64 << 20);
    let err = config.validate().unwrap_err();
    assert!(err.is_config());
    assert!(
        err.to_string().contains("socket.max_write_buffer_size"),
        "{err}"
    );
    assert!(Config::default().validate().is_ok());
}

/// The send limit is the transport's, fixed when the supervisor is built: a reload whose
/// `socket.max_message_size` is larger (here the default 16 MiB) must not let through a
/// message the server's or client's write buffer, built with the old limit, cannot hold.
#[tokio::test(start_paused = true)]
async fn a_reload_keeps_the_send_limit_the_supervisor_was_built_with() {
    let supervisor = Supervisor::builder()
        .with_max_message_size(Some(1024))
        .build()
        .unwrap();
    supervisor.reload(&Config::default()).unwrap();
    let (transport, _peer) = mock_transport::pair();
    let conn = supervisor.supervise(transport);

    let err = conn
        .send(Message::binary(vec![0u8; 1025]))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
}
