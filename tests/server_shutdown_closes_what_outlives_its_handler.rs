//! A graceful shutdown closes with 1001 a connection whose handler has returned while a clone
//! of its sender keeps it open (a broadcast list), in both ways of running handlers; and it
//! does not wait for a refusal (HTTP 503) that a silent peer never reads. Before, the first
//! ended with 1006 at the shutdown timeout and the second held shutdown for the handshake
//! timeout.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ws_health::config::ServerConfig;
use ws_health::runtime::Server;
use ws_health::{Connection, Sender};

/// Far beyond the bounds asserted below: reaching either would fail them.
const LONG: Duration = Duration::from_secs(30);

fn patient() -> ServerConfig {
    ServerConfig {
        handshake_timeout: LONG,
        shutdown_timeout: LONG,
        max_connections: 1,
        ..ServerConfig::default()
    }
}

async fn shutdown_closes_a_connection_kept_past_its_handler(joined: bool) {
    let kept: Arc<Mutex<Vec<Sender>>> = Arc::default();
    let list = kept.clone();
    // Counts the connections the accept loop has taken: once it has seen the silent one, its
    // refusal is under way (the filter, the limit and the spawn are one synchronous step).
    let accepted = Arc::new(AtomicUsize::new(0));
    let counted = accepted.clone();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(patient())
        .with_accept_filter(move |_, _| {
            counted.fetch_add(1, Ordering::SeqCst);
            true
        })
        .with_handler_in_driver_task(joined)
        .serve("127.0.0.1:0", move |conn: Connection| {
            // Subscribed: kept in the list, the handler returns at once.
            list.lock().unwrap().push(conn.sender());
            async {}
        })
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    support::within("the subscription", async {
        while kept.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
    })
    .await;
    // Over the limit of one, and silent: its refusal waits for a request it never sends.
    let _silent = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    support::within("the refusal", async {
        while accepted.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
    })
    .await;

    let shutdown = tokio::spawn(server.shutdown());
    let (code, reason) = support::next_close(&mut ws, "the subscriber").await;
    assert_eq!((code, reason.as_str()), (1001, "going away"));
    support::within("the shutdown", shutdown).await.unwrap();
}

#[tokio::test]
async fn with_the_handler_on_a_task_of_its_own() {
    shutdown_closes_a_connection_kept_past_its_handler(false).await;
}

#[tokio::test]
async fn with_the_handler_in_the_drivers_task() {
    shutdown_closes_a_connection_kept_past_its_handler(true).await;
}
