//! `ServerBuilder::with_handshake_async` awaits before it answers an upgrade: the upgrade is
//! answered only once the hook's lookup is, with the state and the headers the hook chose;
//! the hook may refuse; a hook that panics in its future answers 500; one that has not
//! answered by the handshake timeout is dropped and the peer answered 503, and the server
//! goes on.

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::SinkExt;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use ws_health::config::ServerConfig;
use ws_health::runtime::{Refusal, Server};

/// A lookup the test answers: each request's token, and where to send its user.
type Lookups = mpsc::UnboundedReceiver<(String, oneshot::Sender<Option<&'static str>>)>;

async fn server(handshake_timeout: Duration) -> (Server, Lookups) {
    let (lookups, pending) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(ServerConfig {
            handshake_timeout,
            ..support::runtime::server_config()
        })
        .with_handshake_async(move |mut handshake| {
            let lookups = lookups.clone();
            async move {
                let headers = handshake.request().headers();
                let token = headers.get(header::AUTHORIZATION).cloned();
                let token = token.map(|t| t.to_str().unwrap().to_owned());
                if token.as_deref() == Some("Bearer panic") {
                    panic!("the session store is down");
                }
                let (answer, user) = oneshot::channel();
                lookups.send((token.unwrap_or_default(), answer)).unwrap();
                match user.await {
                    Ok(Some(user)) => {
                        let answer = handshake.response_headers();
                        answer.insert("x-user", HeaderValue::from_static(user));
                        Ok(handshake.accept(Arc::new(user)))
                    }
                    Ok(None) => Err(Refusal::new(StatusCode::UNAUTHORIZED, "unknown token")),
                    // A lookup the test dropped never answers.
                    Err(_) => std::future::pending().await,
                }
            }
        })
        .serve(
            "127.0.0.1:0",
            |mut conn: ws_health::Connection| async move {
                let user = conn.sender().state::<&'static str>().map(|u| *u);
                while conn.recv().await.is_some() {
                    let _ = conn.send(Message::text(user.unwrap_or("none"))).await;
                }
            },
        )
        .await
        .unwrap();
    (server, pending)
}

type Client =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type Answer = tokio_tungstenite::tungstenite::handshake::client::Response;

async fn connect(addr: std::net::SocketAddr, token: &str) -> Result<(Client, Answer), WsError> {
    let mut request = format!("ws://{addr}/").into_client_request().unwrap();
    let value = HeaderValue::from_str(token).unwrap();
    request.headers_mut().insert(header::AUTHORIZATION, value);
    tokio_tungstenite::connect_async(request).await
}

fn refusal(result: Result<(Client, Answer), WsError>) -> (StatusCode, String) {
    let Err(WsError::Http(response)) = result else {
        panic!("not refused: {result:?}");
    };
    let body = response.body().as_deref().unwrap_or_default();
    (
        response.status(),
        String::from_utf8_lossy(body).into_owned(),
    )
}

#[tokio::test]
async fn the_upgrade_waits_for_the_hooks_lookup() {
    let (server, mut lookups) = server(Duration::from_secs(10)).await;
    let addr = server.local_addr();
    let upgrade = tokio::spawn(connect(addr, "Bearer alice"));
    let (token, answer) = support::within("the lookup", lookups.recv()).await.unwrap();
    assert_eq!(token, "Bearer alice");
    answer.send(Some("alice")).unwrap();
    let (mut ws, response) = support::within("the upgrade", upgrade)
        .await
        .unwrap()
        .unwrap();
    // The answer carries what the awaited lookup found.
    assert_eq!(response.headers().get("x-user").unwrap(), "alice");
    ws.send(Message::text("who am I?")).await.unwrap();
    let echo = support::next_message(&mut ws, "the server").await;
    assert_eq!(echo.into_text().unwrap().as_str(), "alice");

    let refused = tokio::spawn(connect(addr, "Bearer mallory"));
    let (_, answer) = support::within("the lookup", lookups.recv()).await.unwrap();
    answer.send(None).unwrap();
    let refused = support::within("the refusal", refused).await.unwrap();
    assert_eq!(
        refusal(refused),
        (StatusCode::UNAUTHORIZED, "unknown token".to_owned())
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_hook_that_panics_answers_500() {
    let (server, _lookups) = server(Duration::from_secs(10)).await;
    let refused = support::within("the answer", connect(server.local_addr(), "Bearer panic")).await;
    assert_eq!(
        refusal(refused),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error".to_owned()
        )
    );
    server.shutdown().await;
}

/// The hook's lookup never answers: the peer gets 503 at the handshake timeout, and the
/// server takes the next upgrade.
#[tokio::test]
async fn a_hook_past_the_handshake_timeout_answers_503() {
    let (server, lookups) = server(Duration::from_secs(1)).await;
    let lookups = Arc::new(Mutex::new(lookups));
    let addr = server.local_addr();
    // Each lookup's answer is dropped unanswered, except the last, which the test answers.
    let stalled = {
        let lookups = lookups.clone();
        tokio::spawn(async move {
            let (_, answer) = lookups.lock().await.recv().await.unwrap();
            answer // held, unanswered, until the test ends
        })
    };
    let refused = support::within("the answer", connect(addr, "Bearer slow")).await;
    let (status, body) = refusal(refused);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("in time"), "{body}");
    let _held = stalled.await.unwrap();

    let upgrade = tokio::spawn(connect(addr, "Bearer bob"));
    let (_, answer) = support::within("the lookup", async { lookups.lock().await.recv().await })
        .await
        .unwrap();
    answer.send(Some("bob")).unwrap();
    let (mut ws, _) = support::within("the upgrade", upgrade)
        .await
        .unwrap()
        .unwrap();
    ws.send(Message::text("who am I?")).await.unwrap();
    let echo = support::next_message(&mut ws, "the server").await;
    assert_eq!(echo.into_text().unwrap().as_str(), "bob");
    server.shutdown().await;
}
