//! `Client::send` and `try_send` refuse a message over `socket.max_message_size` with an
//! error naming the limit, connected or not, instead of accepting it and dropping it later
//! when no connection would take it; and a Close or a Pong, which no connection takes as
//! data.

mod support;

use support::runtime::{echo, server_config};
use ws_health::runtime::{Client, Server};
use ws_health::supervisor::TrySendError;
use ws_health::tungstenite::Message;
use ws_health::{Config, Supervisor};

#[tokio::test]
async fn client_send_refuses_a_message_over_the_limit() {
    let mut config = Config::default();
    config.socket.max_message_size = Some(1024);
    let supervisor = Supervisor::builder().with_config(&config).build().unwrap();
    // A listener that never accepts: the handshake never completes, so the client stays
    // disconnected and a message would wait in its offline queue.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let client = Client::builder(url)
        .with_supervisor(supervisor)
        .with_config(&config)
        .connect()
        .unwrap();

    let err = client
        .send(Message::binary(vec![0u8; 1025]))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("1025 bytes"), "{text}");
    assert!(text.contains("socket.max_message_size"), "{text}");
    let err = client
        .try_send(Message::binary(vec![0u8; 2048]))
        .unwrap_err();
    assert!(matches!(err, TrySendError::TooLarge(_)), "{err:?}");

    // The limit itself is accepted.
    client.try_send(Message::binary(vec![7u8; 1024])).unwrap();

    // A Close would close whichever connection is up when it leaves, and the client would
    // connect again; a Pong would go around the supervisor. Refused, with the way to close.
    let err = client.send(Message::Close(None)).await.unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(err.to_string().contains("Client::close_with"), "{err}");
    let err = client
        .handle()
        .try_send(Message::Pong(Vec::new().into()))
        .unwrap_err();
    assert!(err.to_string().contains("answers pings itself"), "{err}");
}

/// Connected, the same: the message is refused with an error and the connection carries on.
#[tokio::test]
async fn connected_client_send_refuses_a_message_over_the_limit() {
    let mut config = Config::default();
    config.socket.max_message_size = Some(1024);
    let supervisor = || Supervisor::builder().with_config(&config).build().unwrap();
    let server = Server::builder(supervisor())
        .with_server_config(server_config())
        .serve("127.0.0.1:0", echo)
        .await
        .unwrap();
    let mut client = Client::builder(format!("ws://{}/", server.local_addr()))
        .with_supervisor(supervisor())
        .with_config(&config)
        .connect()
        .unwrap();
    // An echo proves the connection is up.
    client.send(Message::text("hello")).await.unwrap();
    let echoed = support::within("the first echo", client.recv()).await;
    assert_eq!(echoed, Some(Message::text("hello")));

    let err = client
        .send(Message::binary(vec![0u8; 1025]))
        .await
        .unwrap_err();
    assert!(err.is_invalid_input(), "{err:?}");
    assert!(err.to_string().contains("socket.max_message_size"), "{err}");

    client.send(Message::binary(vec![7u8; 1024])).await.unwrap();
    let echoed = support::within("the echo", client.recv()).await;
    assert_eq!(echoed, Some(Message::binary(vec![7u8; 1024])));
    client.close();
    server.shutdown().await;
}
