//! With `server.workers = 2`, each connection runs on one of the server's two worker threads,
//! the one serving the fewest; it is supervised there (pinged on that thread's timer), and a
//! graceful shutdown closes it with 1001 and ends both threads before it returns.

mod support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

#[tokio::test]
async fn server_spreads_connections_over_its_worker_threads() {
    support::trace();
    let server = Server::builder(support::runtime::supervisor(
        Duration::from_millis(100),
        Duration::from_secs(5),
    ))
    .with_server_config(ServerConfig {
        workers: 2,
        ..support::runtime::server_config()
    })
    .serve("127.0.0.1:0", support::runtime::thread_name)
    .await
    .unwrap();
    let url = format!("ws://{}", server.local_addr());

    let mut clients = Vec::new();
    let mut threads = Vec::new();
    for _ in 0..4 {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        ws.send(Message::text("which thread?")).await.unwrap();
        let name = loop {
            match ws.next().await {
                Some(Ok(Message::Text(name))) => break name.to_string(),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => panic!("expected the thread's name, got {other:?}"),
            }
        };
        threads.push(name);
        clients.push(ws);
    }
    // Each new connection went to the worker with the fewest: they alternate.
    assert_eq!(
        threads,
        [
            "ws-health-worker-0",
            "ws-health-worker-1",
            "ws-health-worker-0",
            "ws-health-worker-1"
        ]
    );

    // Supervised on its worker: the ping timer runs there.
    for ws in &mut clients {
        let ping = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Ping(_))) => break,
                    Some(Ok(_)) => continue,
                    other => panic!("expected a ping, got {other:?}"),
                }
            }
        })
        .await;
        assert!(ping.is_ok(), "no ping from a worker within 5 s");
    }

    let shutdown = tokio::spawn(server.shutdown());
    for mut ws in clients {
        let (code, reason) = support::next_close(&mut ws, "a client").await;
        assert_eq!((code, reason.as_str()), (1001, "going away"));
    }
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown took longer than its timeout")
        .unwrap();
    // A joined thread is listed in /proc until the kernel has reaped it, a moment later.
    support::within("the worker threads to be gone after shutdown", async {
        while worker_threads() > 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// Threads of this process named like the server's workers (Linux: `/proc/self/task`).
fn worker_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.starts_with("ws-health-work"))
        .count()
}
