//! A server whose `101` has an HTTP head over 64 KiB (tungstenite's limit) fails the attempt
//! with an error that says so. tungstenite calls it an "Attack attempt detected", which was
//! all the client said.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_names_an_answer_head_too_large_to_read() {
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
                let answer = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                     Connection: Upgrade\r\nX-Padding: {}\r\n\r\n",
                    "a".repeat(100 * 1024)
                );
                let _ = tcp.write_all(answer.as_bytes()).await;
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
    let error = support::within("the first attempt's failure", async {
        loop {
            // Not an attempt the connect timeout cut off first, on a loaded machine.
            if let ClientEvent::ConnectFailed { error } = events.recv().await.unwrap() {
                if error.contains("handshake failed") {
                    break error;
                }
            }
        }
    })
    .await;
    assert!(error.contains("over 64 KiB"), "{error}");
    client.close();
}
