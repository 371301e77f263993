//! `Sender::send(Message::Close(..))` is the application's close, as `Sender::close`: the
//! queued messages go first, the peer gets the code, the end says the application closed
//! (not the peer, which a client takes as a reason to reconnect), and later sends fail. A
//! Pong or a raw Frame, which would go around the supervisor (a Pong replaces the answer to
//! the peer's ping), is refused and handed back; so is a Close with a code that may not be
//! sent.

mod support;

use support::{close_of, mock_transport};
use ws_health::supervisor::{Initiator, TrySendError};
use ws_health::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use ws_health::tungstenite::protocol::frame::Frame;
use ws_health::tungstenite::protocol::CloseFrame;
use ws_health::tungstenite::Message;
use ws_health::{ErrorKind, Supervisor};

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: reason.into(),
    }))
}

#[tokio::test(start_paused = true)]
async fn a_close_message_closes_as_close_does() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);

    // Refused and handed back; the connection stays open.
    let refused = [
        Message::Pong(b"mine".to_vec().into()),
        Message::Frame(Frame::message(
            b"raw".to_vec(),
            OpCode::Data(Data::Text),
            true,
        )),
        close(1005, ""),
        close(1000, &"r".repeat(124)),
    ];
    for message in refused {
        match conn.try_send(message.clone()) {
            Err(TrySendError::Invalid(back)) => assert_eq!(back, message),
            other => panic!("{message:?}: {other:?}"),
        }
        let err = conn.send(message.clone()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{message:?}: {err}");
    }
    let err = conn.send(close(1006, "")).await.unwrap_err();
    assert!(err.to_string().contains("1006"), "{err}");
    let err = conn.try_send(Message::Pong(Vec::new().into())).unwrap_err();
    assert!(err.to_string().contains("answers pings itself"), "{err}");

    conn.send(Message::text("first")).await.unwrap();
    conn.send(close(4001, "bye")).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::text("first")));
    assert_eq!(close_of(&peer.recv().await.unwrap()), (4001, "bye".into()));
    let err = conn.send(Message::text("after")).await.unwrap_err();
    assert!(err.is_closed(), "{err}");
    // A second Close is refused as any message is once closing: its code never goes out.
    let again = close(4002, "");
    match conn.try_send(again.clone()) {
        Err(TrySendError::Closed(back)) => assert_eq!(back, again),
        other => panic!("{other:?}"),
    }

    peer.close(4001, "");
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Application, 4001));
    assert_eq!(end.reason, "bye");
    assert!(end.clean);
}

/// `Close(None)`, tungstenite's usual way to close, closes with 1000.
#[tokio::test(start_paused = true)]
async fn a_close_without_a_frame_closes_with_1000() {
    let (transport, mut peer) = mock_transport::pair();
    let conn = Supervisor::new().supervise(transport);
    conn.try_send(Message::Close(None)).unwrap();
    assert_eq!(close_of(&peer.recv().await.unwrap()), (1000, String::new()));
    peer.close(1000, "");
    let end = conn.closed().await;
    assert_eq!((end.initiator, end.code), (Initiator::Application, 1000));
}
