//! An `Upgrade` header is a list (RFC 9110 7.8), and RFC 6455 4.2.1 asks only that it contain
//! `websocket`: `Upgrade: websocket, foo`, a list split over two lines (one list, RFC 9110
//! 5.3), a tab beside its comma, any case, are upgraded; a list without the token is not.
//! The handshake hook sees the list the peer sent (its lines joined), not the `websocket`
//! alone that tungstenite is shown.

mod support;

use std::sync::{Arc, Mutex};

use tokio_tungstenite::tungstenite::http::header;
use ws_health::runtime::Server;

const KEY: &str = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";

fn request(upgrade: &str) -> String {
    format!(
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n{upgrade}\
         Sec-WebSocket-Version: 13\r\n{KEY}\r\n"
    )
}

#[tokio::test]
async fn server_upgrades_a_request_whose_upgrade_list_names_websocket() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake({
            let seen = seen.clone();
            move |handshake| {
                let lines = handshake.request().headers().get_all(header::UPGRADE);
                let lines: Vec<String> = lines
                    .iter()
                    .map(|v| v.to_str().unwrap().to_owned())
                    .collect();
                seen.lock().unwrap().push(lines);
                Ok(Arc::new(()))
            }
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let addr = server.local_addr();
    // What is sent, and the one line the hook sees.
    for (upgrade, hook_sees) in [
        ("Upgrade: websocket, foo\r\n", "websocket, foo"),
        ("Upgrade: h2c, WebSocket\r\n", "h2c, WebSocket"),
        ("Upgrade: foo/2,\twebsocket\r\n", "foo/2, websocket"),
        ("Upgrade: foo\r\nUpgrade: websocket\r\n", "foo, websocket"),
        (
            "Upgrade: websocket\r\nUpgrade: websocket\r\n",
            "websocket, websocket",
        ),
        ("Upgrade: websocket\r\n", "websocket"),
    ] {
        let head = support::upgrade_answer(addr, request(upgrade).as_bytes()).await;
        assert!(
            head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"),
            "{upgrade:?}: {head}"
        );
        // The answer names the one protocol switched to (RFC 9110 7.8).
        assert!(head.contains("\r\nupgrade: websocket\r\n"), "{head}");
        let lines = seen.lock().unwrap().pop();
        assert_eq!(lines, Some(vec![hook_sees.to_owned()]), "{upgrade:?}");
    }
    // No `websocket` token in the list: no upgrade, and no hook.
    for upgrade in [
        "Upgrade: foo, bar\r\n",
        "Upgrade: websocketx\r\n",
        "Upgrade: websocket/13\r\n",
        "Upgrade: web socket\r\n",
    ] {
        let (head, body) = support::http_exchange(addr, request(upgrade).as_bytes()).await;
        assert!(
            head.starts_with("HTTP/1.1 400 Bad Request"),
            "{upgrade:?}: {head}"
        );
        assert!(body.contains("Upgrade"), "{upgrade:?}: {body}");
    }
    assert!(seen.lock().unwrap().is_empty());
    server.shutdown().await;
}
