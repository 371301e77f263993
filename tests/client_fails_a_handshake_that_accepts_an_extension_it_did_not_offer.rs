//! A server whose `101` names an extension the client never offered
//! (`Sec-WebSocket-Extensions: permessage-deflate`) fails the attempt, naming the extension,
//! as RFC 6455 4.1 asks of a client. tungstenite implements no extension and did not check:
//! the connection opened, and the first compressed frame (RSV1 set) failed it with 1002,
//! reconnect after reconnect.

mod support;

use ws_health::runtime::ClientEvent;

#[tokio::test]
async fn client_fails_a_handshake_that_accepts_an_extension_it_did_not_offer() {
    support::trace();
    let addr = support::runtime::answering_server(|head| {
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n",
            support::runtime::accept_key(head)
        )
        .into_bytes()
    })
    .await;

    let client = support::runtime::quick_client_of(addr).connect().unwrap();
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
