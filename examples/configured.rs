//! Policies and timings from a configuration file, by profile: the same server code, a
//! different behaviour per environment.
//!
//! The file (written to a temporary directory here; `ws-health.toml` in a service's working
//! directory, or `WS_HEALTH_CONFIG`) sets a fast ping for every profile, a `[checks.session]`
//! table for the application's own check, and a `development` profile in which a timeout
//! pages the developer (a custom action) instead of closing: a debugger pausing the client
//! answers no ping. A silent client connects under each profile: under `default` it is
//! closed with 1011, under `development` it is kept, Unhealthy, and the page is sent.
//! `WS_HEALTH_*` variables override the file (`WS_HEALTH_PING__TIMEOUT=1s`).
//!
//! Run with `cargo run --example configured`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ws_health::policy::ActionEvent;
use ws_health::runtime::{HubEvent, Server};
use ws_health::{async_trait, CheckContext, ConfigLoader, Connection, Health, HealthCheck};
use ws_health::{Status, Supervisor};

/// The configuration file of this example.
pub const CONFIG: &str = r#"
[default.ping]
interval = "200ms"
timeout = "200ms"

[default.policy]
close_timeout = "500ms"     # a silent peer answers no close frame either

[default.checks.session]    # the table of the check registered as "session"
interval = "1s"
timeout = "1s"

[development.policy]        # WS_HEALTH_PROFILE=development
on_unhealthy = [{ action = "custom", name = "page" }, { action = "log", level = "warn" }]
"#;

/// The application's own check: always valid here; its table sets when it runs.
struct Session;

#[async_trait]
impl HealthCheck for Session {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::healthy("session valid")
    }
}

/// What a silent client met under one profile.
#[derive(Debug)]
pub struct Outcome {
    pub profile: &'static str,
    /// The session check's interval, from its table.
    pub session_interval: Duration,
    /// Whether the silent client's connection became Unhealthy.
    pub unhealthy: bool,
    /// The close code, if the server closed it within two seconds of that.
    pub closed_with: Option<u16>,
    /// Pages sent by the `page` custom action.
    pub pages: usize,
}

/// Loads the file under `profile`, serves, and connects a client that never answers a ping.
pub async fn run(file: &std::path::Path, profile: &'static str) -> ws_health::Result<Outcome> {
    let config = ConfigLoader::new()
        .with_file(file)
        .with_profile(profile)
        .load()?;
    let pages = Arc::new(AtomicUsize::new(0));
    let paged = pages.clone();
    let supervisor = Supervisor::builder()
        .with_config(&config)
        .with_check("session", Session, config.check("session"))
        // Registered whatever the profile: a name in a policy must be.
        .with_custom_action("page", move |event: &ActionEvent<'_>| {
            println!(
                "  page: {} on connection {}",
                event.health, event.connection_id
            );
            paged.fetch_add(1, Ordering::Relaxed);
        })
        .build()?;
    let server = Server::builder(supervisor)
        .serve("127.0.0.1:0", |mut conn: Connection| async move {
            while conn.recv().await.is_some() {}
        })
        .await?;
    let mut events = server.hub().subscribe();

    // A WebSocket client that completes its handshake and then reads nothing: no pong.
    let url = format!("ws://{}/", server.local_addr());
    let (silent, _) = tokio_tungstenite::connect_async(&url)
        .await
        .map_err(ws_health::Error::other)?;
    // Unhealthy once the first ping goes unanswered (about 400 ms); then two seconds to see
    // what the policy does about it (a close takes `close_timeout`, 500 ms, unanswered).
    let became_unhealthy = async {
        while let Ok(event) = events.recv().await {
            if let HubEvent::StatusChanged { to, .. } = event {
                return to == Status::Unhealthy;
            }
        }
        false
    };
    let unhealthy = tokio::time::timeout(Duration::from_secs(5), became_unhealthy)
        .await
        .unwrap_or(false);
    let closed = async {
        while let Ok(event) = events.recv().await {
            if let HubEvent::Closed { disconnect, .. } = event {
                return Some(disconnect.code);
            }
        }
        None
    };
    let closed_with = tokio::time::timeout(Duration::from_secs(2), closed)
        .await
        .unwrap_or(None);
    drop(silent);
    server.shutdown().await;
    Ok(Outcome {
        profile,
        session_interval: config.check("session").interval,
        unhealthy,
        closed_with,
        pages: pages.load(Ordering::Relaxed),
    })
}

#[tokio::main]
async fn main() -> ws_health::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "ws_health=warn".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let dir = std::env::temp_dir().join(format!("ws-health-configured-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(ws_health::Error::other)?;
    let file = dir.join("ws-health.toml");
    std::fs::write(&file, CONFIG).map_err(ws_health::Error::other)?;
    let mut all_as_expected = true;
    for (profile, closed, pages) in [("default", Some(1011), 0), ("development", None, 1)] {
        let outcome = run(&file, profile).await;
        let outcome = outcome.inspect_err(|_| drop(std::fs::remove_dir_all(&dir)))?;
        let end = match outcome.closed_with {
            Some(code) => format!("closed with {code}"),
            None => "kept open".to_owned(),
        };
        println!(
            "profile {:<12} session checked every {:?}; silent client unhealthy: {}, {end}",
            outcome.profile, outcome.session_interval, outcome.unhealthy
        );
        all_as_expected &=
            outcome.unhealthy && outcome.closed_with == closed && outcome.pages == pages;
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !all_as_expected {
        eprintln!("configured: not as expected");
        std::process::exit(1);
    }
    println!("configured: all as expected");
    Ok(())
}
