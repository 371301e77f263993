//! `Client::close` refuses later sends at once, not only once the client's task has seen
//! the close: `send`, `try_send` and a handle's `send` right after it fail with `Closed`,
//! and `connected()` no longer answers Ok.

mod support;

use ws_health::runtime::StopCause;
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::ErrorKind;

#[tokio::test]
async fn client_send_after_close_fails_at_once() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let client = support::runtime::quick_client(&server).connect().unwrap();
    let handle = client.handle();
    support::within("the client to connect", client.connected())
        .await
        .unwrap();

    // On this current-thread runtime the client's task cannot run in between.
    client.close();
    let sent = client.send(Message::text("late")).await;
    assert_eq!(sent.map_err(|e| e.kind()), Err(ErrorKind::Closed));
    let sent = client.try_send(Message::text("late"));
    assert!(matches!(sent, Err(TrySendError::Closed(_))), "{sent:?}");
    let sent = handle.send(Message::text("late")).await;
    assert_eq!(sent.map_err(|e| e.kind()), Err(ErrorKind::Closed));
    let connected = client.connected().await;
    assert_eq!(connected.map_err(|e| e.kind()), Err(ErrorKind::Closed));

    let reason = support::within("the client to stop", client.stopped()).await;
    assert_eq!((&reason.cause, reason.unsent), (&StopCause::Closed, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn a_send_before_the_first_connection_fails_once_closed() {
    let client =
        ws_health::runtime::Client::builder(format!("ws://{}", support::runtime::closed_port()))
            .connect()
            .unwrap();
    client.close();
    let sent = client.send(Message::text("late")).await;
    assert_eq!(sent.map_err(|e| e.kind()), Err(ErrorKind::Closed));
    let reason = support::within("the client to stop", client.stopped()).await;
    assert_eq!((&reason.cause, reason.unsent), (&StopCause::Closed, 0));
}
