//! A business check composed with the default ping: "is this session still authorised?"
//!
//! The session is per-connection state the application owns: it is handed to the supervisor
//! with `supervise_with_state`, and the check reads it with `CheckContext::state`. When the
//! application revokes the session, the check fails and its *own* `on_unhealthy` action
//! closes the connection with 1008 "session expired"; the ping check keeps the policy's
//! default (1011 "keepalive ping timeout").
//!
//! Runs server and client in one process on loopback: `cargo run --example custom_check`

use std::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tracing::info;
use ws_health::policy::{Action, Policy};
use ws_health::tungstenite::Message;
use ws_health::{async_trait, CheckContext, CheckSettings, Disconnect, Health, HealthCheck};
use ws_health::{Status, Supervisor};

type BoxError = Box<dyn Error + Send + Sync>;

/// Per-connection state, owned by the application and shared with the checks.
#[derive(Debug, Default)]
pub struct Session {
    revoked: AtomicBool,
}

/// Healthy while the connection's session is authorised.
///
/// One instance serves every connection of the supervisor, so it keeps no per-connection
/// data itself: that comes from `ctx.state()`.
struct SessionAuthorised;

#[async_trait]
impl HealthCheck for SessionAuthorised {
    async fn check(&self, ctx: &CheckContext) -> Health {
        match ctx.state::<Session>() {
            None => Health::unhealthy("no session attached to the connection"),
            Some(s) if s.revoked.load(Ordering::Relaxed) => Health::unhealthy("session revoked"),
            Some(_) => Health::healthy("session authorised"),
        }
    }
}

/// What happened, seen from both ends.
#[derive(Debug)]
pub struct Outcome {
    /// How the server's supervised connection ended.
    pub server: Disconnect,
    /// The close frame the client received: (code, reason).
    pub client: Option<(u16, String)>,
    /// The connection's status just before it ended.
    pub last_status: Status,
}

pub async fn run() -> Result<Outcome, BoxError> {
    let every_100ms = CheckSettings::every(Duration::from_millis(100), Duration::from_secs(2));
    // This check's own action replaces the policy's default `close 1011` when it fails.
    let session = CheckSettings {
        on_unhealthy: Some(vec![Action::Close {
            code: 1008, // policy violation
            reason: Some("session expired".into()),
        }]),
        ..every_100ms.clone()
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(every_100ms) // the default ping/pong, just faster
        .with_check("session", SessionAuthorised, session)
        .with_policy(Policy {
            close_timeout: Duration::from_secs(1),
            ..Policy::default()
        })
        .build()?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = tokio::spawn(client(format!("ws://{}", listener.local_addr()?)));

    // Server: accept, then supervise with this connection's session attached.
    let (tcp, _) = listener.accept().await?;
    let ws = tokio_tungstenite::accept_async(tcp).await?;
    let state = Arc::new(Session::default());
    let mut conn = supervisor.supervise_with_state(ws, state.clone());

    // Elsewhere in the application, the session is revoked after a while.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        info!("application: revoking the session");
        state.revoked.store(true, Ordering::Relaxed);
    });

    // The application's own work: an echo. It needs to know nothing about health.
    while let Some(message) = conn.recv().await {
        info!(
            text = message.to_text().unwrap_or("<binary>"),
            "server: echoing"
        );
        conn.send(message).await.ok();
    }
    let server = conn.closed().await;
    let last_status = conn.health().status(); // the last status published
    info!(%server, latency = ?conn.latency(), "server: connection ended");
    let client = client.await??;
    Ok(Outcome {
        server,
        client,
        last_status,
    })
}

/// A plain tokio-tungstenite client: it keeps reading (so it answers pings) until the
/// server closes.
async fn client(url: String) -> Result<Option<(u16, String)>, BoxError> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    ws.send(Message::text("hello")).await?;
    let mut close = None;
    while let Some(message) = ws.next().await {
        match message? {
            Message::Close(Some(frame)) => {
                info!(code = u16::from(frame.code), reason = %frame.reason, "client: server closed");
                close = Some((frame.code.into(), frame.reason.to_string()));
            }
            Message::Text(text) => info!(%text, "client: got echo"),
            _ => {}
        }
    }
    Ok(close)
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "ws_health=info,custom_check=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let outcome = run().await?;
    println!(
        "server saw: {} (status {})",
        outcome.server, outcome.last_status
    );
    println!("client saw: {:?}", outcome.client);
    if outcome.server.code != 1008 || outcome.client != Some((1008, "session expired".into())) {
        return Err("expected the session check to close the connection with 1008".into());
    }
    Ok(())
}
