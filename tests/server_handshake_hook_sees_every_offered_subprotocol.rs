//! A client may offer its subprotocols on several `Sec-WebSocket-Protocol` lines (RFC 6455
//! 11.3.4: the same as one line with all of them): the handshake hook sees them as one
//! comma-separated list, every one offered, and may choose one from a later line.

mod support;

use std::sync::{Arc, Mutex};

use tokio_tungstenite::tungstenite::http::{header, HeaderValue};
use ws_health::runtime::Server;

#[tokio::test]
async fn server_handshake_hook_sees_every_offered_subprotocol() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake({
            let seen = seen.clone();
            move |handshake| {
                let offered = handshake.request().headers();
                let lines: Vec<String> = (offered.get_all(header::SEC_WEBSOCKET_PROTOCOL).iter())
                    .map(|v| v.to_str().unwrap().to_owned())
                    .collect();
                // Chooses the last offered: a server that prefers a newer protocol.
                let last = lines
                    .last()
                    .and_then(|l| l.rsplit(',').next())
                    .map(str::trim);
                let chosen = HeaderValue::from_str(last.unwrap_or_default()).unwrap();
                let answer = handshake.response_headers();
                answer.insert(header::SEC_WEBSOCKET_PROTOCOL, chosen);
                seen.lock().unwrap().push(lines);
                Ok(Arc::new(()))
            }
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let request = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                   Sec-WebSocket-Protocol: chat, superchat\r\n\
                   Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v2.json\r\n\
                   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let head = support::upgrade_answer(server.local_addr(), request.as_bytes()).await;
    assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
    assert!(
        head.contains("\r\nsec-websocket-protocol: v2.json\r\n"),
        "{head}"
    );
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        [vec!["chat, superchat, v2.json".to_owned()]]
    );

    // One line, as most clients send it, is seen as sent.
    let one = request.replace(
        "chat, superchat\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v2.json",
        "chat, v2.json\r\nSec-WebSocket-Version: 13",
    );
    let head = support::upgrade_answer(server.local_addr(), one.as_bytes()).await;
    assert!(
        head.contains("\r\nsec-websocket-protocol: v2.json\r\n"),
        "{head}"
    );
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&vec!["chat, v2.json".to_owned()])
    );
    server.shutdown().await;
}
