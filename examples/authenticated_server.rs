//! A server that authenticates each upgrade and closes a session the application revokes.
//!
//! - `with_handshake_async` reads the bearer token of each upgrade request and looks it up in
//!   the session store, awaiting it before the upgrade is answered: an unknown token is
//!   refused with 401 and a `WWW-Authenticate` challenge; a known one makes the connection's
//!   state, its user's session. (`with_handshake` takes a hook that need not await.)
//! - A session check, next to the default ping, reads that state with `CheckContext::state`
//!   every 100 ms; its own `on_unhealthy` action closes a revoked session's connection with
//!   1008 "session revoked", and only that one.
//! - The handler reads the same session with `Sender::state` to sign its echoes.
//!
//! Runs the server and three clients in one process on loopback:
//! `cargo run --example authenticated_server`

use std::collections::HashMap;
use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{header, HeaderValue, StatusCode};
use tracing::info;
use ws_health::policy::Action;
use ws_health::runtime::{Refusal, Server};
use ws_health::tungstenite::Message;
use ws_health::Supervisor;
use ws_health::{async_trait, CheckContext, CheckSettings, Connection, Health, HealthCheck};

type BoxError = Box<dyn Error + Send + Sync>;
type WebSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A user's session, shared by the application (which may revoke it), the session check
/// and the handler.
#[derive(Debug)]
pub struct Session {
    user: &'static str,
    revoked: AtomicBool,
}

/// The application's sessions, by token: a stand-in for a store that is awaited (Redis, a
/// database).
struct Sessions(tokio::sync::RwLock<HashMap<&'static str, Arc<Session>>>);

impl Sessions {
    async fn lookup(&self, token: &str) -> Option<Arc<Session>> {
        self.0.read().await.get(token).cloned()
    }
}

/// Healthy while the connection's session stands.
struct SessionValid;

#[async_trait]
impl HealthCheck for SessionValid {
    async fn check(&self, ctx: &CheckContext) -> Health {
        match ctx.state::<Session>() {
            Some(s) if s.revoked.load(Ordering::Relaxed) => Health::unhealthy("session revoked"),
            Some(_) => Health::healthy("session valid"),
            None => Health::unhealthy("no session"),
        }
    }
}

/// What each client saw.
#[derive(Debug)]
pub struct Outcome {
    /// The HTTP status and `WWW-Authenticate` challenge the unknown token was answered with.
    pub unknown_token: Result<(u16, String), String>,
    /// The echo alice got before her session was revoked.
    pub alice_echo: String,
    /// The close frame alice got: (code, reason).
    pub alice_closed: Option<(u16, String)>,
    /// The echo bob got after alice was closed: his session stands.
    pub bob_echo: String,
}

pub async fn run() -> Result<Outcome, BoxError> {
    let sessions = Arc::new(Sessions(tokio::sync::RwLock::new(
        [("alice-token", "alice"), ("bob-token", "bob")]
            .into_iter()
            .map(|(token, user)| {
                let session = Session {
                    user,
                    revoked: AtomicBool::new(false),
                };
                (token, Arc::new(session))
            })
            .collect(),
    )));

    let every_100ms = CheckSettings::every(Duration::from_millis(100), Duration::from_secs(2));
    let session_check = CheckSettings {
        on_unhealthy: Some(vec![Action::Close {
            code: 1008, // policy violation
            reason: Some("session revoked".into()),
        }]),
        ..every_100ms
    };
    let supervisor = Supervisor::builder()
        .with_check("session", SessionValid, session_check)
        .build()?;
    let known = sessions.clone();
    let server = Server::builder(supervisor)
        .with_handshake_async(move |handshake| {
            let known = known.clone();
            async move {
                let token = handshake.request().headers().get(header::AUTHORIZATION);
                let token = token.and_then(|t| t.to_str().ok());
                let token = token
                    .and_then(|t| t.strip_prefix("Bearer "))
                    .map(str::to_owned);
                let session = match token {
                    Some(token) => known.lookup(&token).await,
                    None => None,
                };
                match session {
                    Some(session) => Ok(handshake.accept(session)),
                    None => Err(Refusal::new(StatusCode::UNAUTHORIZED, "unknown token")
                        .with_header(
                            header::WWW_AUTHENTICATE,
                            HeaderValue::from_static("Bearer realm=\"chat\""),
                        )),
                }
            }
        })
        .serve("127.0.0.1:0", signed_echo)
        .await?;
    let url = format!("ws://{}/chat", server.local_addr());

    let unknown_token = match connect(&url, "mallory-token").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(answer)) => {
            let challenge = answer.headers().get(header::WWW_AUTHENTICATE);
            let challenge = challenge.and_then(|c| c.to_str().ok()).unwrap_or_default();
            Ok((answer.status().as_u16(), challenge.to_owned()))
        }
        other => Err(format!(
            "not refused with an HTTP answer: {:?}",
            other.map(|_| ())
        )),
    };
    let mut alice = connect(&url, "alice-token").await?;
    let mut bob = connect(&url, "bob-token").await?;
    let alice_echo = ask(&mut alice, "hello").await?;

    info!("application: revoking alice's session");
    let alice_session = sessions.lookup("alice-token").await.ok_or("no alice")?;
    alice_session.revoked.store(true, Ordering::Relaxed);
    let alice_closed = closed(&mut alice).await?;
    // Three more runs of bob's session check: his connection stands.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let bob_echo = ask(&mut bob, "still here").await?;
    bob.close(None).await?;
    closed(&mut bob).await?;
    server.shutdown().await;
    Ok(Outcome {
        unknown_token,
        alice_echo,
        alice_closed,
        bob_echo,
    })
}

/// Echoes every message, signed with the user of the connection's session.
async fn signed_echo(mut conn: Connection) {
    let user = conn.sender().state::<Session>().map_or("?", |s| s.user);
    while let Some(message) = conn.recv().await {
        let text = message.to_text().unwrap_or("<binary>");
        if conn
            .send(Message::text(format!("{user}: {text}")))
            .await
            .is_err()
        {
            break;
        }
    }
}

async fn connect(
    url: &str,
    token: &str,
) -> Result<WebSocket, tokio_tungstenite::tungstenite::Error> {
    let mut request = url.into_client_request()?;
    let bearer = HeaderValue::try_from(format!("Bearer {token}"))?;
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    Ok(tokio_tungstenite::connect_async(request).await?.0)
}

/// Sends `text` and returns the answer (reading, and so answering pings, meanwhile).
async fn ask(ws: &mut WebSocket, text: &str) -> Result<String, BoxError> {
    ws.send(Message::text(text)).await?;
    while let Some(message) = ws.next().await {
        if let Message::Text(answer) = message? {
            info!(%answer, "client: got");
            return Ok(answer.as_str().to_owned());
        }
    }
    Err("the connection ended without an answer".into())
}

/// Reads until the server closes; the close frame's code and reason.
async fn closed(ws: &mut WebSocket) -> Result<Option<(u16, String)>, BoxError> {
    let mut close = None;
    while let Some(message) = ws.next().await {
        if let Message::Close(Some(frame)) = message? {
            info!(code = u16::from(frame.code), reason = %frame.reason, "client: closed");
            close = Some((frame.code.into(), frame.reason.to_string()));
        }
    }
    Ok(close)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "ws_health=info,authenticated_server=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let outcome = run().await?;
    println!("{outcome:#?}");
    if outcome.alice_closed != Some((1008, "session revoked".into())) {
        return Err("expected the revoked session to be closed with 1008".into());
    }
    if !matches!(outcome.unknown_token, Ok((401, _))) || outcome.bob_echo != "bob: still here" {
        return Err("expected an unknown token refused with 401, and bob served on".into());
    }
    println!("\nauthenticated_server: all as expected (401, then 1008 for the revoked session)");
    Ok(())
}
