//! A shutdown that outlives its timeout drops the connections still open, and returns only
//! once each is gone: its socket closed, its hub entry removed. Before, a driver on a task of
//! its own was only aborted, and one that was being polled then (here, a check that blocks in
//! `block_in_place`) was dropped after `shutdown` had returned.

mod support;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::Notify;
use ws_health::config::ServerConfig;
use ws_health::policy::Policy;
use ws_health::runtime::Server;
use ws_health::Supervisor;
use ws_health::{async_trait, CheckContext, CheckSettings, Connection, Health, HealthCheck};

/// Far beyond the shutdown timeout: the peer never answers the close, so the driver would
/// wait this long for it, and nothing else in the test runs this long.
const LONG: Duration = Duration::from_secs(60);

/// A check whose first run holds its driver in the middle of a poll until released.
struct BlocksOnce {
    entered: Arc<Notify>,
    release: Mutex<Option<mpsc::Receiver<()>>>,
}

#[async_trait]
impl HealthCheck for BlocksOnce {
    async fn check(&self, _: &CheckContext) -> Health {
        if let Some(release) = self.release.lock().unwrap().take() {
            self.entered.notify_one();
            // The runtime goes on without this thread meanwhile: only the driver waits.
            tokio::task::block_in_place(|| release.recv().ok());
        }
        Health::healthy("released")
    }
}

async fn shutdown_waits_for_a_driver_it_dropped(joined: bool) {
    let entered = Arc::new(Notify::new());
    let (release, released) = mpsc::channel();
    let blocks = BlocksOnce {
        entered: entered.clone(),
        release: Mutex::new(Some(released)),
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(LONG, LONG))
        .with_check(
            "blocks",
            blocks,
            CheckSettings {
                initial_delay: Some(Duration::ZERO),
                ..CheckSettings::every(LONG, LONG)
            },
        )
        .with_policy(Policy {
            close_timeout: LONG,
            ..Policy::default()
        })
        .build()
        .unwrap();
    let server = Server::builder(supervisor)
        .with_server_config(ServerConfig {
            shutdown_timeout: Duration::from_millis(100),
            ..ServerConfig::default()
        })
        .with_handler_in_driver_task(joined)
        .serve("127.0.0.1:0", |conn: Connection| async move {
            // Ignores the shutdown and keeps its connection.
            std::future::pending::<()>().await;
            drop(conn);
        })
        .await
        .unwrap();
    let hub = server.hub().clone();
    let url = format!("ws://{}", server.local_addr());
    // Never polled after the handshake: the server's 1001 goes unanswered.
    let (ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // The check's first run: the driver is now in the middle of a poll.
    support::within("the blocking check", entered.notified()).await;

    let mut shutdown = tokio::spawn(server.shutdown());
    // The shutdown timeout passes and the connection is dropped; the driver cannot be until
    // its check lets it go. (A window, not a synchronisation: a shutdown that waits
    // for the driver never returns within it, one that does not returns after 100 ms.)
    let returned = tokio::time::timeout(Duration::from_secs(1), &mut shutdown).await;
    let live = hub.len();
    release.send(()).unwrap();
    if returned.is_ok() {
        assert_eq!(
            live, 0,
            "shutdown returned while a driver was still running"
        );
    }
    support::within("the shutdown", shutdown).await.unwrap();
    assert!(
        hub.is_empty(),
        "shutdown returned while {} connection(s) were still live",
        hub.len()
    );
    // The server's side is closed: the peer reads to the end.
    let _: Vec<_> = support::within("the end of the stream", ws.collect()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_handler_on_a_task_of_its_own() {
    shutdown_waits_for_a_driver_it_dropped(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_handler_in_the_drivers_task() {
    shutdown_waits_for_a_driver_it_dropped(true).await;
}
