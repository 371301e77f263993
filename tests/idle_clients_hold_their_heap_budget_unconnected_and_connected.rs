//! A client nobody asks for events holds little heap: counted by a global allocator over a
//! few hundred clients, unconnected (each waiting out the backoff after a failed attempt) and
//! connected to a server in another process (`ws-health serve`, whose heap is not counted), and
//! held to a budget. An IoT gateway or a load tester holds thousands of clients; 2,000 of them
//! held 33 KB each unconnected and 43 KB connected, 20.7 KB of it the room for 256 events made
//! whether or not the application ever called `Client::events` (fleet helper).
//!
//! `cargo test --test idle_clients_hold_their_heap_budget_unconnected_and_connected -- --nocapture`
//! prints the figures.
#![cfg(feature = "cli")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ws_health::config::{Backoff, ClientConfig};
use ws_health::runtime::{Client, ClientBuilder};
use ws_health::tungstenite::http::HeaderMap;

use support::cli::Serve;
use support::heap;

#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

const CLIENTS: usize = 200;

/// The heap a client nobody asked for events may hold while it waits to retry, in bytes:
/// 8,883 B measured; 32,355 B with the events' channel made with the client, 12,003 B with
/// the attempt's state inline in the client's task.
const UNCONNECTED_BUDGET: isize = 11 * 1024;

/// The heap a client nobody asked for events may hold while connected and idle, in bytes:
/// 11,007 B measured; 34,410 B with the events' channel made with the client, 14,092 B with
/// the attempt's state inline in the client's task.
const CONNECTED_BUDGET: isize = 13 * 1024;

/// Retries an hour or so apart: no client retries while it is counted.
fn patient() -> ClientConfig {
    ClientConfig {
        backoff: Backoff {
            initial: Duration::from_secs(3600),
            multiplier: 2.0,
            max: Duration::from_secs(3600),
        },
        ..ClientConfig::default()
    }
}

/// Where the clients are counted.
enum Wait {
    /// Each client waits out the backoff after its handshake headers hook (a token service
    /// that is down, say) failed its first attempt, which fails without I/O; the hook counts
    /// its calls here.
    Unconnected(Arc<AtomicUsize>),
    /// Each client is connected to `ws-health serve` in another process, and idle.
    Connected(Serve),
}

impl Wait {
    fn client(&self) -> ClientBuilder {
        match self {
            Wait::Unconnected(failed) => {
                let failed = failed.clone();
                Client::builder("ws://127.0.0.1:9/feed")
                    .with_client_config(patient())
                    .with_handshake_headers(move || {
                        let failed = failed.clone();
                        async move {
                            failed.fetch_add(1, Ordering::Relaxed);
                            Err::<HeaderMap, _>("the token service is down")
                        }
                    })
            }
            Wait::Connected(serve) => {
                Client::builder(format!("ws://{}/feed", serve.addr)).with_client_config(patient())
            }
        }
    }

    /// Until every one of `clients` is where it is counted.
    async fn until_settled(&self, clients: &[Client]) {
        match self {
            // On this current-thread runtime a client's task runs on from its hook's failure
            // to its backoff's sleep in the poll that sees it; this task runs between two.
            Wait::Unconnected(failed) => {
                support::within("every client's first attempt", async {
                    while failed.load(Ordering::Relaxed) < clients.len() {
                        tokio::task::yield_now().await;
                    }
                })
                .await
            }
            Wait::Connected(_) => {
                for client in clients {
                    support::within("every client connected", client.connected())
                        .await
                        .unwrap();
                }
            }
        }
    }
}

/// The heap each of `CLIENTS` clients holds where `wait` counts them, in bytes; a first
/// client, made before the count, pays for what is made once (lazy statics, slab pages).
async fn heap_per_client(wait: Wait) -> isize {
    // Room for every client first: the `Client`s themselves are the application's.
    let mut clients = Vec::with_capacity(1 + CLIENTS);
    clients.push(wait.client().connect().unwrap());
    wait.until_settled(&clients).await;
    let before = heap::live();
    for _ in 0..CLIENTS {
        clients.push(wait.client().connect().unwrap());
    }
    wait.until_settled(&clients).await;
    let per_client = (heap::live() - before) / CLIENTS as isize;
    for client in &clients {
        client.close();
    }
    for client in &clients {
        support::within("the clients to stop", client.stopped()).await;
    }
    per_client
}

async fn unconnected() -> isize {
    heap_per_client(Wait::Unconnected(Arc::default())).await
}

async fn connected() -> isize {
    heap_per_client(Wait::Connected(Serve::start(&[]))).await
}

#[tokio::test(flavor = "current_thread")]
async fn idle_clients_hold_their_heap_budget_unconnected_and_connected() {
    // A first round grows what the process keeps (the runtime's, tracing's), charged to
    // neither.
    let _ = unconnected().await;
    let unconnected = unconnected().await;
    let connected = connected().await;
    println!("{unconnected} B per unconnected client, {connected} B per connected client");
    assert!(
        unconnected <= UNCONNECTED_BUDGET,
        "{unconnected} B per unconnected client, over the budget of {UNCONNECTED_BUDGET} B"
    );
    assert!(
        connected <= CONNECTED_BUDGET,
        "{connected} B per connected client, over the budget of {CONNECTED_BUDGET} B"
    );
}
