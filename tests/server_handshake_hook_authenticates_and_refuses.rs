//! `ServerBuilder::with_handshake` sees each upgrade request before it is answered: it
//! accepts one with a known token, making the connection's state from it (read by the
//! handler), and adds the subprotocol it chose to the answer; it refuses an unknown token
//! with 401 and its reason; a hook that panics answers 500 and the server goes on.

mod support;

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use ws_health::runtime::{Refusal, Server};

struct Session {
    user: &'static str,
}

async fn connect(
    addr: std::net::SocketAddr,
    token: &'static str,
) -> Result<
    (
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        tokio_tungstenite::tungstenite::handshake::client::Response,
    ),
    WsError,
> {
    let mut request = format!("ws://{addr}/feed").into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_static(token));
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("feed.v1"),
    );
    tokio_tungstenite::connect_async(request).await
}

#[tokio::test]
async fn server_handshake_hook_authenticates_and_refuses() {
    support::trace();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake(|handshake| {
            assert_eq!(handshake.request().uri().path(), "/feed");
            let token = handshake.request().headers().get(header::AUTHORIZATION);
            let user = match token.and_then(|t| t.to_str().ok()) {
                Some("Bearer alice") => "alice",
                Some("Bearer panic") => panic!("the token store is down"),
                _ => return Err(Refusal::new(StatusCode::UNAUTHORIZED, "unknown token")),
            };
            let protocol = HeaderValue::from_static("feed.v1");
            handshake
                .response_headers()
                .insert("sec-websocket-protocol", protocol);
            Ok(Arc::new(Session { user }))
        })
        .serve(
            "127.0.0.1:0",
            |mut conn: ws_health::Connection| async move {
                let user = conn.sender().state::<Session>().map(|s| s.user);
                while conn.recv().await.is_some() {
                    let _ = conn.send(Message::text(user.unwrap_or("no session"))).await;
                }
            },
        )
        .await
        .unwrap();
    let addr = server.local_addr();

    for (token, status, body) in [
        ("Bearer mallory", StatusCode::UNAUTHORIZED, "unknown token"),
        (
            "Bearer panic",
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
        ),
    ] {
        let refused = support::within("a refusal", connect(addr, token)).await;
        let Err(WsError::Http(response)) = refused else {
            panic!("{token}: {refused:?}");
        };
        assert_eq!(response.status(), status, "{token}");
        let text = response.body().as_deref().map(String::from_utf8_lossy);
        assert_eq!(text.as_deref(), Some(body), "{token}");
    }

    // The server goes on: a good token is accepted, with the protocol and the session.
    let (mut ws, response) = support::within("the upgrade", connect(addr, "Bearer alice"))
        .await
        .unwrap();
    let protocol = response.headers().get("sec-websocket-protocol");
    assert_eq!(protocol.map(|p| p.to_str().unwrap()), Some("feed.v1"));
    ws.send(Message::text("who am I?")).await.unwrap();
    let answer = support::within("the answer", ws.next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer, Message::text("alice"));
    server.shutdown().await;
}
