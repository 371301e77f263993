//! A server whose `101` names an extension the client never offered
//! (`Sec-WebSocket-Extensions: permessage-deflate`) fails the attempt, naming the extension,
//! as RFC 6455 4.1 asks of a client. tungstenite implements no extension and did not check:
//! the connection opened, and the first compressed frame (RSV1 set) failed it with 1002,
//! reconnect after reconnect.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use ws_health::runtime::{Client, ClientEvent};
use ws_health::tungstenite::handshake::derive_accept_key;

#[tokio::test]
async fn client_fails_a_handshake_that_accepts_an_extension_it_did_not_offer() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && tcp.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let key = head
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        let is_key = name.eq_ignore_ascii_case("sec-websocket-key");
                        is_key.then(|| value.trim().to_owned())
                    })
                    .expect("a Sec-WebSocket-Key");
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                     Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\
                     Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\
                     \r\n",
                    derive_accept_key(key.as_bytes())
                );
                let _ = tcp.write_all(answer.as_bytes()).await;
                // Held open until the client leaves.
                let _ = tcp.read(&mut byte).await;
            });
        }
    });

    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    let first = support::within("the first attempt's outcome", async {
        loop {
            let event = events.recv().await.unwrap();
            if matches!(
                event,
                ClientEvent::ConnectFailed { .. } | ClientEvent::Connected { .. }
            ) {
                break event;
            }
        }
    })
    .await;
    let ClientEvent::ConnectFailed { error } = first else {
        panic!("the connection opened: {first:?}");
    };
    assert!(error.contains("`permessage-deflate`"), "{error}");
    assert!(error.contains("did not offer"), "{error}");
    client.close();
}
