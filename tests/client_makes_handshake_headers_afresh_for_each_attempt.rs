//! `with_handshake_headers` is called for every attempt, and what it gives replaces the
//! request's headers of the same names: a reconnect presents a fresh token, not the one the
//! client was built with. Its error and its panic fail the attempt, named, and are retried.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::{header, HeaderMap, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_makes_handshake_headers_afresh_for_each_attempt() {
    support::trace();
    // Each connection: read the Authorization values of the handshake, report them, and
    // close with 1012 (service restart), which the client retries.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen_tx, mut seen) = mpsc::unbounded_channel::<Vec<String>>();
    tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let seen_tx = seen_tx.clone();
            #[allow(clippy::result_large_err)] // tungstenite's callback returns a response
            let record = |request: &Request, response: Response| {
                let values = request.headers().get_all(header::AUTHORIZATION);
                let values = values.iter().map(|v| v.to_str().unwrap().to_owned());
                seen_tx.send(values.collect()).unwrap();
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
    request.headers_mut().insert(
        header::AUTHORIZATION,
        HeaderValue::from_static("Bearer stale"),
    );
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
                if call == 0 {
                    return Err("the token service is down".into());
                }
                let mut headers = HeaderMap::new();
                let token = HeaderValue::try_from(format!("Bearer token-{call}"))?;
                headers.insert(header::AUTHORIZATION, token);
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(headers)
            }
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    for error in [
        "handshake headers: the token service is down",
        "handshake headers hook panicked: the token cache is poisoned",
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
    // in place of the one the request was built with.
    for token in ["Bearer token-2", "Bearer token-3"] {
        let values = support::within("a handshake", seen.recv()).await.unwrap();
        assert_eq!(values, [token]);
    }
    client.close();
    client.stopped().await;
}
