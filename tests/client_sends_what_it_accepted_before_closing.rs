//! Messages `Client::send` accepted go out before the close frame, whether the application
//! calls `close` or drops the client right after sending: none is lost, none counted unsent.

mod support;

use support::runtime::next_client_event as next_event;

use tokio::sync::mpsc;
use ws_health::runtime::{Client, ClientEvent, Server, StopCause};
use ws_health::tungstenite::Message;
use ws_health::{Connection, Disconnect, Initiator};

/// A server that reports every text it receives, then how its connection ended.
async fn recording_server() -> (Server, mpsc::UnboundedReceiver<Result<String, Disconnect>>) {
    let (seen_tx, seen) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |mut conn: Connection| {
            let seen = seen_tx.clone();
            async move {
                while let Some(message) = conn.recv().await {
                    let _ = seen.send(Ok(message.into_text().unwrap().to_string()));
                }
                let _ = seen.send(Err(conn.closed().await));
            }
        })
        .await
        .unwrap();
    (server, seen)
}

/// Connects, sends three messages, lets `finish` close or drop the client; checks that the
/// server got all three, then a close with 1000, and that the client counted nothing unsent.
async fn sends_then(finish: impl FnOnce(Client)) {
    let (server, mut seen) = recording_server().await;
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .connect()
        .unwrap();
    let mut events = client.events();
    next_event(&mut events, |e| matches!(e, ClientEvent::Connected { .. })).await;

    for i in 1..=3 {
        client.send(Message::text(format!("m{i}"))).await.unwrap();
    }
    finish(client);

    for i in 1..=3 {
        let got = support::within("a message at the server", seen.recv()).await;
        assert_eq!(got.unwrap(), Ok(format!("m{i}")));
    }
    let end = support::within("the server's end", seen.recv())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!((end.initiator, end.code), (Initiator::Peer, 1000), "{end}");

    let disconnect = support::runtime::next_disconnect(&mut events).await;
    assert_eq!(disconnect.unsent, 0, "{disconnect}");
    let ClientEvent::Stopped { reason } =
        next_event(&mut events, |e| matches!(e, ClientEvent::Stopped { .. })).await
    else {
        unreachable!()
    };
    assert_eq!((&reason.cause, reason.unsent), (&StopCause::Closed, 0));
    server.shutdown().await;
}

#[tokio::test]
async fn client_sends_what_it_accepted_before_closing() {
    support::trace();
    sends_then(|client| client.close()).await;
}

#[tokio::test]
async fn client_sends_what_it_accepted_before_being_dropped() {
    support::trace();
    sends_then(drop).await;
}
