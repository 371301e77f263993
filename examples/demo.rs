//! ws-health at work: a supervised echo server and three clients, in one process.
//!
//! - `healthy` answers everything, until the server shuts down (1001);
//! - `silent` stops reading after its hello, so it never pongs: 1011 "keepalive ping timeout";
//! - `forgetful` keeps ponging but stops answering the application's `{"op":"ping"}`
//!   heartbeat after two: the heartbeat check fails twice in a row, 4000 "heartbeat lost".
//!
//! `cargo run --example demo` (RUST_LOG overrides the log filter). It checks its own
//! outcome: exit code 0 only if each client ended as described.

use std::error::Error;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tracing::info;
use ws_health::check::Heartbeat;
use ws_health::policy::{Action, LogLevel, Policy};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Disconnect, Stats, Status, Supervisor};

type BoxError = Box<dyn Error + Send + Sync>;
const PING: &str = r#"{"op":"ping"}"#;
const PONG: &str = r#"{"op":"pong"}"#;

/// What the server saw of one connection.
#[derive(Debug)]
pub struct Report {
    pub client: String,
    pub statuses: Vec<Status>,
    pub end: Disconnect,
    pub stats: Stats,
}

pub async fn run() -> Result<Vec<Report>, BoxError> {
    let warn = Action::Log {
        level: LogLevel::Warn,
    };
    // A business check: the application-level heartbeat `{"op":"ping"}` is answered by
    // `{"op":"pong"}`; the answer goes to the check, every other message to the application.
    let heartbeat = Heartbeat::new(
        Message::text(PING),
        |m: &Message| matches!(m, Message::Text(t) if t.as_str() == PONG),
    );
    // It starts after 1 s, runs every 500 ms, must be answered within 500 ms and needs two
    // failures in a row; its own actions close with 4000.
    let heartbeat_settings = CheckSettings {
        initial_delay: Some(ms(1000)),
        failure_threshold: 2,
        on_unhealthy: Some(vec![warn.clone(), close(4000, Some("heartbeat lost"))]),
        ..CheckSettings::every(ms(500), ms(500))
    };
    let supervisor = Supervisor::builder()
        // Ping every 250 ms; no pong within 1 s is Unhealthy.
        .with_ping_settings(CheckSettings::every(ms(250), ms(1000)))
        .with_check("heartbeat", heartbeat, heartbeat_settings)
        .with_policy(Policy {
            // The default (close 1011 with the failing check's reason), logged first.
            on_unhealthy: vec![warn, close(1011, None)],
            close_timeout: ms(500),
            ..Policy::default()
        })
        .build()?;

    // The server: every accepted connection is supervised and served by `serve`.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("ws://{}", listener.local_addr()?);
    let (shutdown, shutting_down) = watch::channel(false);
    let (reports, mut reported) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (supervisor, reports, stop) =
                (supervisor.clone(), reports.clone(), shutting_down.clone());
            tokio::spawn(async move {
                tcp.set_nodelay(true)?; // or Nagle holds a ping behind a small write
                let ws = tokio_tungstenite::accept_async(tcp).await?;
                reports.send(serve(supervisor.supervise(ws), stop).await)?;
                Ok::<_, BoxError>(())
            });
        }
    });

    let clients =
        [("healthy", usize::MAX), ("silent", 0), ("forgetful", 2)].map(|(name, answers)| {
            tokio::spawn(client(url.clone(), name, answers, shutdown.subscribe()))
        });
    // `silent` and `forgetful` are closed by the supervisor; then the server shuts down.
    let mut done = Vec::new();
    while done.len() < 2 {
        done.push(reported.recv().await.ok_or("server stopped")?);
    }
    info!("shutting down the server");
    shutdown.send(true)?;
    done.push(reported.recv().await.ok_or("server stopped")?);
    for client in clients {
        client.await??;
    }
    Ok(done)
}

/// The application's side of one connection: learn the client's name, echo, follow health.
async fn serve(mut conn: Connection, mut shutdown: watch::Receiver<bool>) -> Report {
    let mut health = conn.watch_health();
    let mut statuses = vec![Status::Healthy];
    let client = conn
        .recv()
        .await
        .and_then(|m| m.into_text().ok())
        .unwrap_or_default();
    loop {
        tokio::select! {
            message = conn.recv() => match message {
                Some(message) => drop(conn.send(message).await),
                None => break,
            },
            Ok(()) = health.changed() => statuses.push(health.borrow_and_update().status()),
            Ok(()) = shutdown.changed() => drop(conn.close(1001, "server shutting down")),
        }
    }
    // The last change (Unhealthy, before a close by policy) can be ready together with the
    // end, and `select!` may have taken the end first.
    if health.has_changed().unwrap_or(false) {
        statuses.push(health.borrow_and_update().status());
    }
    let end = conn.closed().await;
    info!(%client, %end, latency = ?conn.latency(), "connection ended");
    Report {
        client: client.to_string(),
        statuses,
        end,
        stats: conn.stats(),
    }
}

/// A tokio-tungstenite client that answers `answers` heartbeats. With 0 it stops reading
/// altogether after its hello, so tungstenite never sends the pongs it owes.
async fn client(
    url: String,
    name: &str,
    answers: usize,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), BoxError> {
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, None, true).await?;
    ws.send(Message::text(name)).await?;
    if answers == 0 {
        return Ok(shutdown.changed().await?); // holds `ws` without polling it
    }
    let mut answered = 0;
    while let Some(message) = ws.next().await {
        match message? {
            Message::Text(t) if t.as_str() == PING && answered < answers => {
                answered += 1;
                ws.send(Message::text(PONG)).await?;
                ws.send(Message::text("still here")).await?; // echoed by the server
            }
            Message::Close(frame) => info!(name, ?frame, "client: server closed"),
            _ => {}
        }
    }
    Ok(())
}

fn ms(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn close(code: u16, reason: Option<&str>) -> Action {
    let reason = reason.map(String::from);
    Action::Close { code, reason }
}

/// Prints one line per connection; returns whether each ended as the demo intends.
pub fn summarize(reports: &[Report]) -> bool {
    let expected = [("healthy", 1001), ("silent", 1011), ("forgetful", 4000)];
    println!("\nclient     statuses            latency  smoothed   pongs/pings  end");
    for Report {
        client,
        statuses,
        end,
        stats: s,
    } in reports
    {
        let statuses: Vec<_> = statuses.iter().map(|s| s.as_str()).collect();
        let (pongs, pings) = (s.pongs_received, s.pings_sent);
        // No round trip before the first pong: "-", not zero.
        let shown = |d: Duration| match pongs {
            0 => "-".to_owned(),
            _ => format!("{d:.1?}"),
        };
        let (rtt, srtt) = (shown(s.latency), shown(s.smoothed_rtt));
        let statuses = statuses.join(">");
        println!("{client:<10} {statuses:<18} {rtt:>8} {srtt:>9} {pongs:>7}/{pings:<5} {end}");
    }
    reports.len() == expected.len()
        && (reports.iter()).all(|r| expected.contains(&(&*r.client, r.end.code)))
}

#[tokio::main]
async fn main() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "ws_health=info,demo=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let failure = match tokio::time::timeout(Duration::from_secs(60), run()).await {
        Ok(Ok(reports)) if summarize(&reports) => return println!("\ndemo: all as expected"),
        Ok(Ok(_)) => "a connection did not end as expected".to_string(),
        Ok(Err(err)) => err.to_string(),
        Err(_) => "did not finish within 60 s".to_string(),
    };
    eprintln!("\ndemo FAILED: {failure}");
    std::process::exit(1);
}
