//! `ServerBuilder::with_handshake` sees each upgrade request before it is answered: it
//! accepts one with a known token, making the connection's state from it (read by the
//! handler), and adds the subprotocol the client offered to the answer; it refuses an
//! unknown token with 401, its reason and its `WWW-Authenticate`; a hook that panics, or
//! refuses with a status that is no refusal or a header that is not text, answers 500, and
//! the server goes on. Headers
//! of the handshake's own that the hook overwrote are put back.

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

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Answer = tokio_tungstenite::tungstenite::handshake::client::Response;

async fn connect(
    addr: std::net::SocketAddr,
    token: &'static str,
    protocol: Option<&'static str>,
) -> Result<(Client, Answer), WsError> {
    let mut request = format!("ws://{addr}/feed").into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert(header::AUTHORIZATION, HeaderValue::from_static(token));
    if let Some(protocol) = protocol {
        headers.insert(
            header::SEC_WEBSOCKET_PROTOCOL,
            HeaderValue::from_static(protocol),
        );
    }
    support::within("the upgrade", tokio_tungstenite::connect_async(request)).await
}

/// Answers every message with the user of the connection's session.
async fn who_am_i(mut conn: ws_health::Connection) {
    let user = conn.sender().state::<Session>().map(|s| s.user);
    while conn.recv().await.is_some() {
        let _ = conn.send(Message::text(user.unwrap_or("no session"))).await;
    }
}

/// Sends a message and returns the answer.
async fn ask(ws: &mut Client) -> String {
    ws.send(Message::text("who am I?")).await.unwrap();
    let answer = support::within("the answer", ws.next())
        .await
        .unwrap()
        .unwrap();
    answer.into_text().unwrap().as_str().to_owned()
}

#[tokio::test]
async fn server_handshake_hook_authenticates_and_refuses() {
    support::trace();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake(|handshake| {
            assert_eq!(handshake.request().uri().path(), "/feed");
            let headers = handshake.request().headers();
            let offered = headers.get(header::SEC_WEBSOCKET_PROTOCOL).cloned();
            let token = headers.get(header::AUTHORIZATION);
            let user = match token.and_then(|t| t.to_str().ok()) {
                Some("Bearer alice") => "alice",
                Some("Bearer panic") => panic!("the token store is down"),
                Some("Bearer ok?") => return Err(Refusal::new(StatusCode::OK, "not a refusal")),
                Some("Bearer bad-header") => {
                    let not_text = HeaderValue::from_bytes("caf\u{e9}".as_bytes()).unwrap();
                    let refusal = Refusal::new(StatusCode::UNAUTHORIZED, "bad header")
                        .with_header(header::WWW_AUTHENTICATE, not_text);
                    return Err(refusal);
                }
                _ => {
                    let challenge = HeaderValue::from_static("Bearer realm=\"feed\"");
                    let refusal = Refusal::new(StatusCode::UNAUTHORIZED, "unknown token")
                        .with_header(header::WWW_AUTHENTICATE, challenge);
                    return Err(refusal);
                }
            };
            let answer = handshake.response_headers();
            if let Some(protocol) = offered {
                answer.insert(header::SEC_WEBSOCKET_PROTOCOL, protocol);
            }
            // Overwritten by mistake: put back, the handshake still completes.
            answer.insert(header::CONNECTION, HeaderValue::from_static("keep-alive"));
            Ok(Arc::new(Session { user }))
        })
        .serve("127.0.0.1:0", who_am_i)
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
        (
            "Bearer ok?",
            StatusCode::INTERNAL_SERVER_ERROR,
            "not a refusal",
        ),
        // A header the answer cannot carry: still an answer, 500, not a dropped connection.
        (
            "Bearer bad-header",
            StatusCode::INTERNAL_SERVER_ERROR,
            "bad header",
        ),
    ] {
        let refused = connect(addr, token, None).await;
        let Err(WsError::Http(response)) = refused else {
            panic!("{token}: {refused:?}");
        };
        assert_eq!(response.status(), status, "{token}");
        let text = response.body().as_deref().map(String::from_utf8_lossy);
        assert_eq!(text.as_deref(), Some(body), "{token}");
        if status == StatusCode::UNAUTHORIZED {
            let challenge = response.headers().get(header::WWW_AUTHENTICATE);
            assert_eq!(challenge.unwrap(), "Bearer realm=\"feed\"");
        }
    }

    // The server goes on: a good token is accepted, with the protocol and the session.
    let (mut ws, answer) = connect(addr, "Bearer alice", Some("feed.v1"))
        .await
        .unwrap();
    let protocol = answer.headers().get(header::SEC_WEBSOCKET_PROTOCOL);
    assert_eq!(protocol.map(|p| p.to_str().unwrap()), Some("feed.v1"));
    assert_eq!(ask(&mut ws).await, "alice");
    server.shutdown().await;
}

/// A hook that only checks (its state is `()`) leaves the state `with_connection_state`
/// makes.
#[tokio::test]
async fn a_hook_that_only_checks_keeps_the_connection_state() {
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_connection_state(|_| Arc::new(Session { user: "anonymous" }))
        .with_handshake(|_| Ok(Arc::new(())))
        .serve("127.0.0.1:0", who_am_i)
        .await
        .unwrap();
    let (mut ws, _) = connect(server.local_addr(), "Bearer guest", None)
        .await
        .unwrap();
    assert_eq!(ask(&mut ws).await, "anonymous");
    server.shutdown().await;
}
