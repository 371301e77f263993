//! Many clients that lose their server together come back spread over the backoff window
//! (full jitter), not in one burst: each waits a delay of its own before it comes back.

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
        support::within("the clients' first connections", arrived.recv())
            .await
            .unwrap();
    }

    // No client can notice the loss before this.
    let lost = Instant::now();
    server.shutdown().await;
    let _server = serve(addr, arrived_tx).await;
    let mut times = Vec::new();
    for _ in 0..CLIENTS {
        let at = support::within("a client to come back", arrived.recv())
            .await
            .unwrap();
        times.push(at - lost);
    }
    times.sort();

    // The delays the clients announced (the first after the loss; a retry that found no
    // server yet only waits longer): different draws spread over the window. Fixed by
    // the seeds, so this cannot flake.
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
    let spread = delays[delays.len() - 1] - delays[0];
    assert!(spread >= window / 2, "announced delays within {spread:?}");
    let mut distinct = delays.clone();
    distinct.dedup();
    assert!(
        distinct.len() > CLIENTS as usize / 2,
        "delays repeat: {delays:?}"
    );

    // And each waited its delay: the k-th arrival came no sooner after the loss than the
    // k-th shortest delay. Clients that came back at once fail this; a loaded machine only
    // makes arrivals later, so it cannot. (How bunched the arrivals are is not checked: a
    // stall of the runtime that all 20 clients share bunches them too.)
    for (k, (at, delay)) in times.iter().zip(&delays).enumerate() {
        assert!(
            at >= delay,
            "arrival {k} came {at:?} after the loss, before the {k}-th shortest delay \
             {delay:?}: {times:?}"
        );
    }
}
