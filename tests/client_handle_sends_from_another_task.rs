//! `Client::handle` queues from another task, in the client's one queue, while the client
//! itself receives; once the client is closed, the handle's sends fail as the client's do.
//! A handle does not keep a dropped client running, nor its events' channel open.

mod support;

use ws_health::runtime::{ClientEvent, StopCause};
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;

#[tokio::test]
async fn client_handle_sends_from_another_task() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let mut client = support::runtime::quick_client(&server).connect().unwrap();
    let handle = client.handle();
    let sending = tokio::spawn({
        let handle = handle.clone();
        async move {
            for i in 0..10 {
                handle.send(Message::text(i.to_string())).await.unwrap();
            }
        }
    });
    // In order, across the queue, echoed back to the receiving task.
    for i in 0..10 {
        let echoed = support::within("an echo", client.recv()).await.unwrap();
        assert_eq!(echoed, Message::text(i.to_string()));
    }
    sending.await.unwrap();
    assert!(handle.is_connected());

    assert!(!handle.is_closed());
    client.close();
    assert!(
        handle.is_closed(),
        "at once, before the client's task has seen it"
    );
    client.stopped().await;
    let err = handle.send(Message::text("late")).await.unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    let sent = handle.try_send(Message::text("late"));
    assert!(matches!(sent, Err(TrySendError::Closed(_))), "{sent:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_handle_does_not_keep_a_dropped_client_running() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let client = support::runtime::quick_client(&server).connect().unwrap();
    let mut events = client.events();
    support::within("the connection", client.connected())
        .await
        .unwrap();
    let handle = client.handle();
    drop(client);
    // The events run to the client's stop, then their channel closes.
    let reason = support::within("the stop", async {
        loop {
            match events.recv().await {
                Ok(ClientEvent::Stopped { reason }) => return reason,
                Ok(_) => {}
                Err(err) => panic!("{err}"),
            }
        }
    })
    .await;
    assert_eq!(reason.cause, StopCause::Closed, "{reason}");
    let closed = support::within("the events to end", events.recv()).await;
    assert!(closed.is_err(), "{closed:?}");
    assert!(!handle.is_connected());
    let err = handle.send(Message::text("late")).await.unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    server.shutdown().await;
}
