//! Overriding one part of the default ping/pong check, and "calling super" for the rest.
//!
//! `HealthCheck`'s defaults are one-line calls to public free functions (`ping_pong`,
//! `random_payload`, `judge_rtt`), so an override can do its own work and then delegate:
//!
//! - `judge` is overridden so that a pong slower than a bound makes the connection
//!   Degraded; faster pongs go to the default `judge_rtt`.
//! - `check` is overridden to do extra work before each run, then calls the default
//!   `ping_pong(self, ctx)`, which in turn calls our `judge`.
//!
//! A client answers its first pings at once, the next few late, then at once again: the
//! connection goes Healthy → Degraded → Healthy. Run: `cargo run --example override_default`

use std::error::Error;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpListener;
use tracing::info;
use ws_health::check::{judge_rtt, ping_pong};
use ws_health::policy::Policy;
use ws_health::tungstenite::Message;
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status};
use ws_health::{Disconnect, Supervisor};

type BoxError = Box<dyn Error + Send + Sync>;

/// The default ping/pong, except that a pong slower than `bound` is Degraded.
struct BoundedRtt {
    bound: Duration,
    runs: AtomicU32,
}

#[async_trait]
impl HealthCheck for BoundedRtt {
    /// Extra work first, then "super": the default check, which sends `self.payload()`,
    /// awaits the pong and returns `self.judge(rtt)`.
    async fn check(&self, ctx: &CheckContext) -> Health {
        let run = self.runs.fetch_add(1, Ordering::Relaxed) + 1;
        let smoothed = ctx.stats().smoothed_rtt;
        info!(run, ?smoothed, "pinging");
        ping_pong(self, ctx).await
    }

    /// One decision changed; everything else is the default judgement.
    fn judge(&self, rtt: Duration) -> Health {
        if rtt > self.bound {
            Health::degraded(format!("pong took {rtt:.0?}, over {:?}", self.bound)).with_rtt(rtt)
        } else {
            judge_rtt(rtt)
        }
    }
}

/// What the server saw.
#[derive(Debug)]
pub struct Outcome {
    /// Every status the connection went through, starting with the first.
    pub statuses: Vec<Status>,
    /// How many times the overridden `check` ran.
    pub runs: u32,
    pub end: Disconnect,
}

pub async fn run() -> Result<Outcome, BoxError> {
    let interval = Duration::from_millis(100);
    // Far above a loopback round trip, even on a loaded machine: only the held pongs cross it.
    let bound = Duration::from_millis(400);
    // An `Arc<impl HealthCheck>` is a check too: we keep a handle to read its counter.
    let ping = Arc::new(BoundedRtt {
        bound,
        runs: AtomicU32::new(0),
    });
    let supervisor = Supervisor::builder()
        .with_ping(ping.clone()) // replaces the built-in "ping" check's implementation
        .with_ping_settings(CheckSettings::every(interval, Duration::from_secs(2)))
        .with_policy(Policy {
            close_timeout: Duration::from_secs(1),
            ..Policy::default() // Degraded and recovery are logged
        })
        .build()?;

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let client = tokio::spawn(client(
        format!("ws://{}", listener.local_addr()?),
        bound * 2,
    ));
    let (tcp, _) = listener.accept().await?;
    let conn = supervisor.supervise(tokio_tungstenite::accept_async(tcp).await?);

    // Follow the connection's status until it has degraded and recovered (or 10 s passed).
    let mut health = conn.watch_health();
    let mut statuses = vec![health.borrow_and_update().status()];
    let recovered =
        |s: &[Status]| s.contains(&Status::Degraded) && s.last() == Some(&Status::Healthy);
    let follow = async {
        while !recovered(&statuses) {
            health.changed().await?;
            let now = health.borrow_and_update().clone();
            info!(%now, "server: status changed");
            statuses.push(now.status());
        }
        Ok::<_, BoxError>(())
    };
    tokio::time::timeout(Duration::from_secs(10), follow).await??;
    conn.close(1000, "seen enough")?;
    let end = conn.closed().await;
    info!(%end, latency = ?conn.latency(), "server: connection ended");
    client.await??;
    Ok(Outcome {
        statuses,
        runs: ping.runs.load(Ordering::Relaxed),
        end,
    })
}

/// Reads (and so answers pings) as usual, except that it sits on pings 4 to 6 for `delay`
/// before reading on: tungstenite sends the pong on the next read, so it leaves late.
async fn client(url: String, delay: Duration) -> Result<(), BoxError> {
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
    let mut pings = 0;
    while let Some(message) = ws.next().await {
        if let Message::Ping(_) = message? {
            pings += 1;
            if (4..=6).contains(&pings) {
                tokio::time::sleep(delay).await;
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "ws_health=info,override_default=info".into());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();

    let outcome = run().await?;
    println!("statuses: {:?}", outcome.statuses);
    println!("overridden check ran {} times", outcome.runs);
    println!("ended: {}", outcome.end);
    if outcome.statuses != [Status::Healthy, Status::Degraded, Status::Healthy] {
        return Err("expected the connection to go healthy -> degraded -> healthy".into());
    }
    Ok(())
}
