//! `with_handshake_headers` is called for every attempt, and what it gives replaces the
//! request's headers of the same names and keeps the others: a reconnect presents a fresh
//! token, not the one the client was built with. Its error and its panics fail the attempt,
//! named, and are retried; a stuck hook is named at the connect timeout; a header of the
//! WebSocket handshake's own stops the client, since no retry could send it. A 401 is
//! retried with the hook's next token (an expired one), once: refused again, the client
//! stops; a client without a hook stops at the first.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::http::{header, HeaderMap, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use ws_health::config::ClientConfig;
use ws_health::runtime::{Client, ClientEvent, Refusal, StopCause};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The values of `name` in a handshake request.
fn values(request: &Request, name: &str) -> Vec<String> {
    let values = request.headers().get_all(name).iter();
    values.map(|v| v.to_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn client_makes_handshake_headers_afresh_for_each_attempt() {
    support::trace();
    // Each connection: report the handshake's headers, and close with 1012 (service
    // restart), which the client retries.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<[Vec<String>; 3]>();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let seen_tx = seen_tx.clone();
            #[allow(clippy::result_large_err)] // tungstenite's callback returns a response
            let record = |request: &Request, response: Response| {
                let names = ["authorization", "x-trace", "x-client"];
                seen_tx
                    .send(names.map(|name| values(request, name)))
                    .unwrap();
                Ok(response)
            };
            let mut ws = tokio_tungstenite::accept_hdr_async(tcp, record)
                .await
                .unwrap();
            let frame = CloseFrame {
                code: CloseCode::Restart,
                reason: "restart".into(),
            };
            // The client may be gone already; what matters is the handshake above.
            let _ = ws.close(Some(frame)).await;
        }
    });

    let mut request = format!("ws://{addr}").into_client_request().unwrap();
    let headers = request.headers_mut();
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Bearer stale"),
    );
    headers.insert("x-client", HeaderValue::from_static("test"));
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let client = Client::builder(request)
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ))
        .with_handshake_headers(move || {
            let call = counted.fetch_add(1, Ordering::SeqCst);
            assert!(call != 1, "the token cache is poisoned");
            async move {
                match call {
                    0 => return Err("the token service is down".into()),
                    2 => panic!("the token future panicked"),
                    _ => {}
                }
                let mut headers = HeaderMap::new();
                let token = HeaderValue::try_from(format!("Bearer token-{call}"))?;
                headers.insert(header::AUTHORIZATION, token);
                headers.append("x-trace", HeaderValue::from_static("a"));
                headers.append("x-trace", HeaderValue::from_static("b"));
                Ok::<_, BoxError>(headers)
            }
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    for error in [
        "handshake headers: the token service is down",
        "handshake headers hook panicked: the token cache is poisoned",
        "handshake headers hook panicked: the token future panicked",
    ] {
        let event = support::runtime::next_client_event(&mut events, |e| {
            matches!(
                e,
                ClientEvent::ConnectFailed { .. } | ClientEvent::Connected { .. }
            )
        })
        .await;
        let ClientEvent::ConnectFailed { error: failed } = event else {
            panic!("{event:?}");
        };
        assert_eq!(failed, error);
    }
    // Failed attempts never reached the server; the next two did, each with its own token
    // in place of the one the request was built with, every value of a repeated header, and
    // the request's other headers.
    for token in ["Bearer token-3", "Bearer token-4"] {
        let [authorization, trace, client] =
            support::within("a handshake", seen.recv()).await.unwrap();
        assert_eq!(authorization, [token]);
        assert_eq!(trace, ["a", "b"]);
        assert_eq!(client, ["test"]);
    }
    client.close();
    client.stopped().await;
}

/// A client of a port nothing listens on, that gives up at its first failure.
fn client_giving_up_at_once(connect_timeout: Duration) -> ws_health::runtime::ClientBuilder {
    let addr = support::runtime::closed_port();
    Client::builder(format!("ws://{addr}")).with_client_config(ClientConfig {
        connect_timeout,
        max_retries: Some(0),
        ..ClientConfig::default()
    })
}

#[tokio::test]
async fn a_handshake_header_of_the_protocol_stops_the_client() {
    let client = client_giving_up_at_once(Duration::from_secs(10))
        .with_handshake_headers(|| async {
            let mut headers = HeaderMap::new();
            headers.insert("Sec-WebSocket-Key", HeaderValue::from_static("AAAA"));
            Ok::<_, BoxError>(headers)
        })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(reason.cause, StopCause::FinalError { status: None, .. }),
        "{reason}"
    );
    assert_eq!(
        reason.to_string(),
        "handshake headers: `sec-websocket-key` belongs to the WebSocket handshake and cannot \
         be set"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stuck_handshake_headers_hook_is_named_at_the_connect_timeout() {
    let client = client_giving_up_at_once(Duration::from_secs(3))
        .with_handshake_headers(std::future::pending::<Result<HeaderMap, BoxError>>)
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert_eq!(
        reason.to_string(),
        "gave up at the first failure (client.max_retries = 0): the handshake headers hook did \
         not finish within the connect timeout (3s)"
    );
}

/// A server that refuses the first `refusals` handshakes with 401 and accepts the others.
async fn refusing(refusals: usize) -> std::net::SocketAddr {
    let server = ws_health::runtime::Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake({
            let seen = AtomicUsize::new(0);
            move |_| {
                if seen.fetch_add(1, Ordering::SeqCst) < refusals {
                    Err(Refusal::new(StatusCode::UNAUTHORIZED, "token expired"))
                } else {
                    Ok(Arc::new(()))
                }
            }
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let addr = server.local_addr();
    drop(server); // the handle only: the server goes on until the test's runtime ends
    addr
}

#[tokio::test]
async fn a_401_is_retried_with_fresh_credentials_and_stops_a_client_without_them() {
    let addr = refusing(1).await;
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(ClientConfig {
            max_retries: Some(1),
            ..support::runtime::client_config(Duration::from_millis(10), Duration::from_millis(10))
        })
        .with_handshake_headers(|| async { Ok::<_, BoxError>(HeaderMap::new()) })
        .connect()
        .unwrap();
    support::within("the retry with fresh credentials", client.connected())
        .await
        .unwrap();
    client.close();

    let addr = refusing(1).await;
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(ClientConfig {
            max_retries: Some(1),
            ..support::runtime::client_config(Duration::from_millis(10), Duration::from_millis(10))
        })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(
            reason.cause,
            StopCause::FinalError {
                status: Some(401),
                ..
            }
        ),
        "{reason}"
    );
    let reason = reason.to_string();
    assert!(
        reason.contains("answered HTTP 401 Unauthorized: token expired"),
        "{reason}"
    );
}

/// Fresh credentials refused twice in a row are not a token that expired on its way: the
/// client stops, however many retries `client.max_retries` allows (none set: forever).
#[tokio::test]
async fn fresh_credentials_refused_twice_stop_the_client() {
    let addr = refusing(usize::MAX).await;
    let client = Client::builder(format!("ws://{addr}"))
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ))
        .with_handshake_headers(|| async { Ok::<_, BoxError>(HeaderMap::new()) })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(
            reason.cause,
            StopCause::FinalError {
                status: Some(401),
                ..
            }
        ),
        "{reason}"
    );
    let reason = reason.to_string();
    assert!(
        reason.ends_with("answered HTTP 401 Unauthorized: token expired (fresh credentials refused twice in a row)"),
        "{reason}"
    );
}
