//! `ServerBuilder::with_http_fallback` answers the plain HTTP requests that reach the
//! WebSocket port (a health check): its answer for the paths it knows, with `Connection:
//! close` and, for `HEAD`, without the body (the server's own answers too); 204 without a
//! length; hop-by-hop headers it copied from elsewhere dropped; the server's own 400 for
//! the rest; 500 if it panics. It answers even over the connection limit, where an upgrade
//! gets 503; it never sees an upgrade, even to a path it answers, nor a broken one (426), nor
//! a request with a body.

mod support;

use tokio_tungstenite::tungstenite::http::{Response, StatusCode};
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

async fn answer_to(addr: std::net::SocketAddr, request: &str) -> (String, String) {
    support::http_exchange(addr, request.as_bytes()).await
}

fn get(method: &str, path: &str) -> String {
    format!("{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n")
}

#[tokio::test]
async fn server_answers_plain_http_with_the_applications_fallback() {
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(ServerConfig {
            max_connections: 1,
            ..support::runtime::server_config()
        })
        .with_http_fallback(|request| match request.uri().path() {
            "/healthz" => Some(Response::new("ok\n".to_owned())),
            "/panic" => panic!("the page is broken"),
            "/600" => Some(
                Response::builder()
                    .status(StatusCode::from_u16(600).unwrap())
                    .body("no such status".to_owned())
                    .unwrap(),
            ),
            "/empty" => Some(
                Response::builder()
                    .status(StatusCode::NO_CONTENT)
                    .body(String::new())
                    .unwrap(),
            ),
            "/copied" => Some(
                Response::builder()
                    .header("transfer-encoding", "chunked")
                    .header("keep-alive", "timeout=5")
                    .body("plain".to_owned())
                    .unwrap(),
            ),
            _ => None,
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let addr = server.local_addr();

    let (head, body) = answer_to(addr, &get("GET", "/healthz")).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\ncontent-length: 3"), "{head}");
    assert!(head.contains("\r\nconnection: close"), "{head}");
    assert_eq!(body, "ok\n");

    let (head, body) = answer_to(addr, &get("HEAD", "/healthz")).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\ncontent-length: 3"), "{head}");
    assert_eq!(body, "", "a HEAD answer has no body");

    let (head, body) = answer_to(addr, &get("GET", "/elsewhere")).await;
    assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
    assert!(body.contains("Connection"), "{body}");

    let (head, body) = answer_to(addr, &get("HEAD", "/elsewhere")).await;
    assert!(head.starts_with("HTTP/1.1 405"), "{head}");
    assert!(head.contains("\r\nallow: GET"), "{head}");
    assert_eq!(body, "", "a HEAD answer has no body");

    let (head, body) = answer_to(addr, &get("GET", "/empty")).await;
    assert!(head.starts_with("HTTP/1.1 204"), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    assert_eq!(body, "");

    let (head, body) = answer_to(addr, &get("GET", "/copied")).await;
    assert!(!head.contains("transfer-encoding"), "{head}");
    assert!(!head.contains("keep-alive"), "{head}");
    assert!(head.contains("\r\ncontent-length: 5"), "{head}");
    assert_eq!(body, "plain");

    // Not the fallback's: a broken upgrade, a request with a body.
    let version_8 = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n\
                     Upgrade: websocket\r\nSec-WebSocket-Version: 8\r\n\
                     Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let (head, _) = answer_to(addr, version_8).await;
    assert!(head.starts_with("HTTP/1.1 426"), "{head}");
    let with_body = "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n";
    let (head, _) = answer_to(addr, with_body).await;
    assert!(head.starts_with("HTTP/1.1 400"), "{head}");

    let (head, body) = answer_to(addr, &get("GET", "/panic")).await;
    assert!(head.starts_with("HTTP/1.1 500"), "{head}");
    assert_eq!(body, "internal error");
    // A status HTTP/1.1 has not (the `http` crate takes 100 to 999): 500 too.
    let (head, body) = answer_to(addr, &get("GET", "/600")).await;
    assert!(head.starts_with("HTTP/1.1 500"), "{head}");
    assert_eq!(body, "internal error");

    // An upgrade to a path the fallback answers is still an upgrade; over the limit (it
    // holds the one slot), the next upgrade gets 503 and the health check its answer.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/healthz"))
        .await
        .unwrap();
    let full = tokio_tungstenite::connect_async(format!("ws://{addr}/")).await;
    let Err(ws_health::tungstenite::Error::Http(refused)) = full else {
        panic!("not refused: {full:?}");
    };
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    let (head, body) = answer_to(addr, &get("GET", "/healthz")).await;
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert_eq!(body, "ok\n");
    let _ = ws.close(None).await;
    server.shutdown().await;
}
