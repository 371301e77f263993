//! Accepted connections dropped before supervision are counted by reason: a peer that never
//! completes its handshake (a slowloris) under `handshake_timeout`, one whose request is no
//! WebSocket upgrade under `handshake_failed`. Both are logged at debug only.
#![cfg(feature = "metrics")]

mod support;

use std::time::Duration;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

#[test]
fn metrics_count_connections_dropped_before_supervision() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        // One thread: the connections' tasks record into this thread's recorder.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = Server::builder(support::runtime::quiet_supervisor())
                .with_server_config(ServerConfig {
                    handshake_timeout: Duration::from_millis(200),
                    ..support::runtime::server_config()
                })
                .serve("127.0.0.1:0", support::runtime::echo)
                .await
                .unwrap();
            let addr = server.local_addr();
            // Silent: the server gives up after its handshake timeout and closes.
            let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
            // Not an upgrade: the handshake fails at once.
            let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
            plain
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            for stream in [&mut silent, &mut plain] {
                let mut rest = Vec::new();
                let read = stream.read_to_end(&mut rest);
                support::within("the server to drop it", read)
                    .await
                    .unwrap();
            }
            server.shutdown().await;
        });
    });
    let values = snapshotter.snapshot().into_vec();
    let count = |reason: &str| {
        values
            .iter()
            .filter(|(key, _, _, _)| {
                key.key().name() == "ws_health_connections_dropped_total"
                    && key.key().labels().any(|l| l.value() == reason)
            })
            .map(|(_, _, _, value)| match value {
                DebugValue::Counter(n) => *n,
                other => panic!("{other:?}"),
            })
            .sum::<u64>()
    };
    assert_eq!(count("handshake_timeout"), 1);
    assert_eq!(count("handshake_failed"), 1);
}
