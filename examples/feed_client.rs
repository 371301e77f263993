//! A feed client that stays subscribed across a server restart.
//!
//! - `with_handshake_headers` presents a fresh bearer token on every attempt: the feed takes
//!   each token once (401 for one it has seen, as a presentation of the first token shows at
//!   the end), so a client with the token it was built with could never come back.
//! - The on-connect hook subscribes and awaits the feed's acknowledgement with
//!   `Sender::request`; the acknowledgement never reaches the application's `recv`.
//! - `connected()` waits for a subscribed connection; `recv` then reads ticks across
//!   the feed's restart, which the client rides out by reconnecting (1012 is not a final
//!   code) with the next token.
//!
//! Runs the feed and the client in one process on loopback:
//! `cargo run --example feed_client`

use std::error::Error;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{header, HeaderMap, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tracing::info;
use ws_health::config::{Backoff, ClientConfig};
use ws_health::runtime::Client;
use ws_health::tungstenite::Message;

type BoxError = Box<dyn Error + Send + Sync>;

/// Ticks the feed sends per connection before it restarts.
const TICKS_PER_CONNECTION: usize = 3;
const SUBSCRIBE: &str = r#"{"op":"subscribe","channel":"trades"}"#;
const SUBSCRIBED: &str = r#"{"op":"subscribed","channel":"trades"}"#;

/// What the client saw, and what the feed was shown.
#[derive(Debug)]
pub struct Outcome {
    /// The Authorization header of each handshake the feed accepted.
    pub tokens: Vec<String>,
    /// Every message the application received.
    pub received: Vec<String>,
    /// The HTTP status the feed answered the first token with when it came again.
    pub reused_token: Result<u16, String>,
}

pub async fn run() -> Result<Outcome, BoxError> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}", listener.local_addr()?);
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let mut feed = tokio::spawn(feed(listener, tokens.clone()));

    // The token service: a new token for every attempt.
    let issued = Arc::new(AtomicU32::new(0));
    let client = Client::builder(url.as_str())
        .with_client_config(ClientConfig {
            backoff: Backoff {
                initial: Duration::from_millis(10),
                multiplier: 2.0,
                max: Duration::from_millis(100),
            },
            ..ClientConfig::default()
        })
        .with_handshake_headers(move || {
            let token = issued.fetch_add(1, Ordering::Relaxed) + 1;
            async move {
                let mut headers = HeaderMap::new();
                let value = HeaderValue::try_from(format!("Bearer token-{token}"))?;
                headers.insert(header::AUTHORIZATION, value);
                Ok::<_, BoxError>(headers)
            }
        })
        .with_on_connect(|sender| async move {
            let ack = sender
                .request(Message::text(SUBSCRIBE), Duration::from_secs(5), |m| {
                    m.to_text().is_ok_and(|t| t == SUBSCRIBED)
                })
                .await?;
            info!(%ack, "subscribed");
            Ok(())
        })
        .connect()?;
    let mut client = client;
    // The client retries without end by default: bound the wait.
    tokio::time::timeout(Duration::from_secs(5), client.connected()).await??;

    let mut received = Vec::new();
    while received.len() < 2 * TICKS_PER_CONNECTION {
        let message = tokio::select! {
            message = client.recv() => message.ok_or("the client stopped")?,
            ended = &mut feed => return Err(format!("the feed ended: {ended:?}").into()),
        };
        info!(%message, "received");
        received.push(message.into_text()?.as_str().to_owned());
    }
    client.close();
    client.stopped().await;
    let tokens = tokens.lock().map_err(|_| "poisoned")?.clone();

    // The first token again: refused.
    let mut request = url.as_str().into_client_request()?;
    let first = HeaderValue::from_static("Bearer token-1");
    request.headers_mut().insert(header::AUTHORIZATION, first);
    let reused_token = match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Ok(response.status().as_u16())
        }
        other => Err(format!(
            "not refused with an HTTP answer: {:?}",
            other.map(|_| ())
        )),
    };
    feed.abort();
    Ok(Outcome {
        tokens,
        received,
        reused_token,
    })
}

/// The feed: accepts a token once, acknowledges a subscription and sends a few ticks; the
/// first connection then ends with a restart (1012), the next lasts until the client closes.
async fn feed(listener: TcpListener, tokens: Arc<Mutex<Vec<String>>>) -> Result<(), BoxError> {
    for connection in 1.. {
        let (tcp, _) = listener.accept().await?;
        let tokens = tokens.clone();
        #[allow(clippy::result_large_err)] // tungstenite's callback returns a response
        let authorise = move |request: &Request, response: Response| {
            let token = request.headers().get(header::AUTHORIZATION);
            let token = token.and_then(|t| t.to_str().ok()).unwrap_or_default();
            let mut seen = tokens.lock().expect("tokens");
            if !token.starts_with("Bearer token-") || seen.iter().any(|t| t == token) {
                let mut refused = ErrorResponse::new(Some("token refused".into()));
                *refused.status_mut() = StatusCode::UNAUTHORIZED;
                return Err(refused);
            }
            seen.push(token.to_owned());
            Ok(response)
        };
        let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, authorise).await else {
            continue;
        };
        // A connection that fails is this connection's end, not the feed's.
        if let Err(err) = serve(ws, connection == 1).await {
            info!(%err, "feed: a connection failed");
        }
    }
    Ok(())
}

/// One subscriber: acknowledges its subscription, sends the ticks, and restarts (closes
/// with 1012) if `restart`; then reads (answering pings) until the close handshake ends.
async fn serve(
    mut ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    restart: bool,
) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    while let Some(message) = ws.next().await {
        if message?.to_text().is_ok_and(|t| t == SUBSCRIBE) {
            break;
        }
    }
    ws.send(Message::text(SUBSCRIBED)).await?;
    for tick in 1..=TICKS_PER_CONNECTION {
        ws.send(Message::text(format!("tick {tick}"))).await?;
    }
    if restart {
        let restart = CloseFrame {
            code: CloseCode::Restart,
            reason: "restarting".into(),
        };
        ws.close(Some(restart)).await?;
    }
    while let Some(Ok(_)) = ws.next().await {}
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "ws_health=info,feed_client=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let outcome = run().await?;
    println!("tokens presented: {:?}", outcome.tokens);
    println!("received: {:?}", outcome.received);
    if outcome.received.iter().any(|m| m == SUBSCRIBED) {
        return Err("an acknowledgement reached the application".into());
    }
    let fresh = outcome.tokens.len() >= 2 && outcome.tokens[0] != outcome.tokens[1];
    if !fresh || outcome.reused_token != Ok(401) {
        return Err("expected a fresh token per attempt, and a reused one refused".into());
    }
    println!(
        "\nfeed_client: all as expected (a fresh token per attempt, ticks across the restart)"
    );
    Ok(())
}
