//! A server that held thousands of connections at once gives back what it kept for each of
//! them once they have ended, as the hub's map does: a game backend's evening peak must not
//! stay in its heap until the process restarts. Measured with a counting global allocator
//! around a peak of real loopback connections.
//!
//! The supervisor's list of live drivers (so that a reload reaches them) and the server's list
//! of tasks waiting for its shutdown were slabs, which keep their largest size for good: 128 KiB
//! each after a peak of 5,000 connections, 32 bytes per connection of the peak (4 MiB after
//! 100,000), found by a churn run whose heap stayed 259 KB above its baseline after a peak of
//! 6,000.
//!
//! `cargo test --test server_gives_back_the_memory_of_a_peak_once_its_connections_end --
//! --nocapture` prints the figures.

mod support;

use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::mpsc;
use ws_health::{Server, Supervisor};

use support::heap;
use support::RawPeer;

#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

/// Connections open at once at the peak.
const PEAK: usize = 3000;

/// Heap the process may keep per connection of the peak once they have all ended, in bytes:
/// 10 measured, nearly all of it tokio's (the run queue of this one-thread runtime keeps room
/// for the 4,096 tasks the end of the peak woke at once: 32 KiB); 53 when the server's two lists
/// kept their peak's size (two tables of 4,096 entries of 16 bytes).
const KEPT_PER_PEAK_CONNECTION: isize = 16;

#[tokio::test]
async fn server_gives_back_the_memory_of_a_peak_once_its_connections_end() {
    // Both ends of every connection are in this process.
    rlimit::increase_nofile_limit(2 * PEAK as u64 + 256).unwrap();
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let server = Server::builder(Supervisor::new())
        .listen(listener, move |conn| {
            let started = started_tx.clone();
            async move {
                // Sent at the handler's first poll, beside which the connection's task waits
                // for the server's shutdown: both are registered once this is received.
                let _ = started.send(());
                let _ = conn.closed().await;
            }
        })
        .unwrap();

    // A first small peak makes what the server keeps however few its connections are.
    peak(&server, &mut started, 64).await;
    let before = heap::live();
    peak(&server, &mut started, PEAK).await;
    let kept = heap::live() - before;
    let per_connection = kept / PEAK as isize;
    println!("kept {kept} B after a peak of {PEAK} connections: {per_connection} B each");
    assert!(
        per_connection <= KEPT_PER_PEAK_CONNECTION,
        "the server kept {kept} B after a peak of {PEAK} connections ({per_connection} B each, \
         at most {KEPT_PER_PEAK_CONNECTION} B expected)"
    );
    server.shutdown().await;
}

/// Opens `n` connections to `server`, holds them all at once, then ends them and waits until
/// the server has dropped every one of its connection tasks.
async fn peak(server: &Server, started: &mut mpsc::UnboundedReceiver<()>, n: usize) {
    let mut peers = Vec::with_capacity(n);
    for _ in 0..n {
        peers.push(RawPeer::connect(server.local_addr()).await);
    }
    for _ in 0..n {
        started.recv().await.unwrap();
    }
    assert_eq!(server.connections(), n);
    drop(peers);
    tokio::time::timeout(Duration::from_secs(30), async {
        server.hub().wait_empty().await;
        // The tasks end right behind their drivers, and the accept loop then reaps them, a
        // batch per turn: no timer, only turns. Each `yield_now` on this one thread lets every
        // task that is ready run once, so once the heap stays the same over a few of them,
        // nothing is left to run.
        while server.connections() > 0 {
            tokio::task::yield_now().await;
        }
        let mut same = 0;
        while same < 16 {
            let live = heap::live();
            tokio::task::yield_now().await;
            same = if heap::live() == live { same + 1 } else { 0 };
        }
    })
    .await
    .expect("every connection ended");
}
