//! Each connection refused over `max_connections` is counted in
//! `ws_health_connections_refused_total{answer="503"}`: a refusal is logged only at debug
//! (the limit being reached, once, at warn), so the count is what an operator watches.
#![cfg(feature = "metrics")]

mod support;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use tokio_tungstenite::tungstenite;
use ws_health::config::ServerConfig;
use ws_health::runtime::Server;

#[test]
fn metrics_count_refusals_over_the_limit() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        // One thread: the accept loop records into this thread's recorder.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let server = Server::builder(support::runtime::quiet_supervisor())
                .with_server_config(ServerConfig {
                    max_connections: 1,
                    ..support::runtime::server_config()
                })
                .serve("127.0.0.1:0", support::runtime::echo)
                .await
                .unwrap();
            let url = format!("ws://{}", server.local_addr());
            let (_kept, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
            for _ in 0..3 {
                match tokio_tungstenite::connect_async(&url).await {
                    Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
                    other => panic!("expected HTTP 503, got {:?}", other.map(|_| ())),
                }
            }
            server.shutdown().await;
        });
    });
    let refused: Vec<_> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == "ws_health_connections_refused_total")
        .map(|(key, _, _, value)| {
            let labels: Vec<_> = key
                .key()
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            (labels, value)
        })
        .collect();
    assert_eq!(
        refused,
        [(
            vec![("answer".to_owned(), "503".to_owned())],
            DebugValue::Counter(3)
        )]
    );
}
