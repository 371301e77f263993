//! A server whose `101` has an HTTP head over 64 KiB (tungstenite's limit) fails the attempt
//! with an error that says so. tungstenite calls it an "Attack attempt detected", which was
//! all the client said.

mod support;

use ws_health::runtime::ClientEvent;

#[tokio::test]
async fn client_names_an_answer_head_too_large_to_read() {
    support::trace();
    let addr = support::runtime::answering_server(|_| {
        let padding = "a".repeat(100 * 1024);
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nX-Padding: {padding}\r\n\r\n"
        )
        .into_bytes()
    })
    .await;

    let client = support::runtime::quick_client_of(addr).connect().unwrap();
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
