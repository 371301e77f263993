//! The server runtime's idle connections sleep: each holds at least 4 KiB of tungstenite's
//! buffers less than with sleeping turned off (`socket.sleep_when_idle = false`), counted by
//! a global allocator over a hundred connections, the same server otherwise. (The scale
//! benchmark's RSS would show it too; this shows it in the test suite.)

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use tokio::sync::mpsc;
use ws_health::config::SocketConfig;
use ws_health::runtime::Server;
use ws_health::Connection;

use support::RawPeer;

/// The bytes allocated and not yet freed, by every thread of this test binary.
static LIVE: AtomicIsize = AtomicIsize::new(0);

struct Counting;

// SAFETY: forwards to the system allocator, counting sizes on the side.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static HEAP: Counting = Counting;

const PEERS: usize = 100;

/// The heap each idle connection of a server with `sleeps` holds, in bytes.
async fn heap_per_connection(sleeps: bool) -> isize {
    let (started, mut handlers) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_socket_config(SocketConfig {
            sleep_when_idle: sleeps,
            ..SocketConfig::default()
        })
        .serve("127.0.0.1:0", move |conn: Connection| {
            let started = started.clone();
            async move {
                let _ = started.send(());
                let _ = conn.closed().await;
            }
        })
        .await
        .unwrap();
    let addr = server.local_addr();
    // A first connection, so that what is made once (lazy statics, slab pages) is not
    // counted against the others.
    let mut peers = vec![RawPeer::connect(addr).await];
    support::within("the first handler", handlers.recv()).await;
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..PEERS {
        peers.push(RawPeer::connect(addr).await);
    }
    for _ in 0..PEERS {
        support::within("every handler", handlers.recv()).await;
    }
    let per_connection = (LIVE.load(Ordering::Relaxed) - before) / PEERS as isize;
    drop(peers);
    server.shutdown().await;
    per_connection
}

#[tokio::test]
async fn server_connections_sleep_while_idle() {
    // A first round grows what the process keeps (the runtime's, tracing's), charged to
    // neither.
    let _ = heap_per_connection(true).await;
    let awake = heap_per_connection(false).await;
    let asleep = heap_per_connection(true).await;
    assert!(
        awake - asleep >= 4096,
        "asleep {asleep} B per connection, awake {awake} B: not asleep"
    );
}
