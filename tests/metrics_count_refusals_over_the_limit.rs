//! Each connection refused over `max_connections` is counted in
//! `ws_health_connections_refused_total{answer="503"}`: a refusal is logged only at debug
//! (the limit being reached, once, at warn), so the count is what an operator watches.
#![cfg(feature = "metrics")]

mod support;

use metrics_util::debugging::DebugValue;
use tokio_tungstenite::tungstenite;

#[test]
fn metrics_count_refusals_over_the_limit() {
    let recorded = support::metrics::recorded(false, || async {
        let server = support::runtime::echo_server_with_limit(1).await;
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
    let refused: Vec<_> = recorded
        .iter()
        .filter(|m| m.name == "ws_health_connections_refused_total")
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].labels, [("answer".to_owned(), "503".to_owned())]);
    assert_eq!(refused[0].value, DebugValue::Counter(3));
}
