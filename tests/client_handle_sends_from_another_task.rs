//! `Client::handle` queues from another task, in the client's one queue, while the client
//! itself receives; once the client is closed, the handle's sends fail as the client's do.

mod support;

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

    client.close();
    client.stopped().await;
    let err = handle.send(Message::text("late")).await.unwrap_err();
    assert!(err.is_closed(), "{err:?}");
    assert!(handle.try_send(Message::text("late")).unwrap_err().is_closed());
    server.shutdown().await;
}
