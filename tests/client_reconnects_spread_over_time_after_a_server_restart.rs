//! Many clients that lose their server together come back spread over the backoff window
//! (full jitter), not in one burst.

mod support;

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::runtime::{Client, ClientEvent, Server};

const CLIENTS: u64 = 20;

#[tokio::test]
async fn client_reconnects_spread_over_time_after_a_server_restart() {
    support::trace();
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let serve = |addr: std::net::SocketAddr, arrived: mpsc::UnboundedSender<Instant>| async move {
        Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(support::runtime::server_config())
            .serve(addr, move |conn: ws_health::Connection| {
                let _ = arrived.send(Instant::now());
                async move {
                    let _ = conn.closed().await;
                }
            })
            .await
            .unwrap()
    };
    let server = serve("127.0.0.1:0".parse().unwrap(), arrived_tx.clone()).await;
    let addr = server.local_addr();
    let window = Duration::from_millis(800);
    let mut clients = Vec::new();
    for seed in 0..CLIENTS {
        let client = Client::builder(format!("ws://{addr}"))
            .with_supervisor(support::runtime::quiet_supervisor())
            .with_client_config(support::runtime::client_config(window, window))
            .with_jitter_seed(seed)
            .connect()
            .unwrap();
        let events = client.events();
        clients.push((client, events));
    }
    for _ in 0..CLIENTS {
        arrived.recv().await.unwrap();
    }

    server.shutdown().await;
    let _server = serve(addr, arrived_tx).await;
    let mut times = Vec::new();
    for _ in 0..CLIENTS {
        let at = tokio::time::timeout(Duration::from_secs(10), arrived.recv())
            .await
            .expect("a client never came back")
            .unwrap();
        times.push(at);
    }
    times.sort();
    let spread = times[times.len() - 1] - times[0];
    assert!(
        spread >= window / 4,
        "all {CLIENTS} clients came back within {spread:?}: a burst"
    );
    // Uniform over 800 ms: about 1.25 clients per 50 ms. Ten in one 50 ms slice is a burst.
    let burst = times
        .iter()
        .map(|t| {
            times
                .iter()
                .filter(|u| **u >= *t && **u - *t < Duration::from_millis(50))
                .count()
        })
        .max()
        .unwrap();
    assert!(burst < 10, "{burst} clients came back within 50 ms");

    // The delays the clients reported are all different draws from the window.
    let mut delays = Vec::new();
    for (_, events) in &mut clients {
        while let Ok(event) = events.try_recv() {
            if let ClientEvent::Reconnecting { delay, .. } = event {
                assert!(delay <= window);
                delays.push(delay);
                break;
            }
        }
    }
    assert_eq!(delays.len(), CLIENTS as usize);
    delays.sort();
    delays.dedup();
    assert!(
        delays.len() > CLIENTS as usize / 2,
        "delays repeat: {delays:?}"
    );
}
