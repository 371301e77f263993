//! `Client::try_send` and `ClientHandle::try_send` never drop a message they refuse: as
//! `Sender::try_send` does, they hand it back inside a `TrySendError` saying why (the
//! offline queue full, too large, a message the client may not queue, the client closed),
//! so that a reconnecting feed can keep it for later.

mod support;

use std::time::Duration;

use ws_health::config::ClientConfig;
use ws_health::runtime::{Client, StopCause};
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::{Config, Supervisor};

#[tokio::test]
async fn client_try_send_hands_back_the_message_it_did_not_queue() {
    support::trace();
    let mut config = Config::default();
    config.socket.max_message_size = Some(1024);
    // No server: the client stays disconnected, and messages wait in its offline queue.
    let client = Client::builder(format!("ws://{}", support::runtime::closed_port()))
        .with_supervisor(Supervisor::builder().with_config(&config).build().unwrap())
        .with_client_config(ClientConfig {
            offline_queue: 2,
            ..support::runtime::client_config(Duration::from_secs(5), Duration::from_secs(5))
        })
        .connect()
        .unwrap();
    let handle = client.handle();

    client.try_send(Message::text("one")).unwrap();
    handle.try_send(Message::text("two")).unwrap();
    let third = Message::text("three");
    match client.try_send(third.clone()) {
        Err(err @ TrySendError::Full(_)) => {
            let as_error = ws_health::Error::from(TrySendError::Full(third.clone()));
            assert!(as_error.is_queue_full(), "{as_error}");
            assert_eq!(err.into_message(), third);
        }
        other => panic!("expected Full, got {other:?}"),
    }

    let large = Message::binary(vec![0u8; 1025]);
    match handle.try_send(large.clone()) {
        Err(err @ TrySendError::TooLarge(_)) => {
            assert!(err.to_string().contains("1025 bytes"), "{err}");
            assert_eq!(err.into_message(), large);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }

    // A Close would close whichever connection is up when it leaves; the error says how to
    // close instead. A Pong would go around the supervisor.
    let close = Message::Close(None);
    match client.try_send(close.clone()) {
        Err(err @ TrySendError::Invalid(_)) => {
            assert!(err.to_string().contains("Client::close_with"), "{err}");
            assert_eq!(err.into_message(), close);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    let pong = Message::Pong(b"p".to_vec().into());
    match handle.try_send(pong.clone()) {
        Err(err @ TrySendError::Invalid(_)) => {
            assert!(err.to_string().contains("answers pings itself"), "{err}");
            assert_eq!(err.into_message(), pong);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }

    client.close();
    let late = Message::text("late");
    for sent in [client.try_send(late.clone()), handle.try_send(late.clone())] {
        match sent {
            Err(TrySendError::Closed(m)) => assert_eq!(m, late),
            other => panic!("expected Closed, got {other:?}"),
        }
    }
    let reason = support::within("the client to stop", client.stopped()).await;
    // The two it did queue are counted, not lost silently.
    assert_eq!((&reason.cause, reason.unsent), (&StopCause::Closed, 2));
    assert_eq!(
        reason.to_string(),
        "closed by the application; 2 message(s) accepted and never sent"
    );
}
