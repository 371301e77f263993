//! A server that accepts and closes at once is not hammered: the client does not reset its
//! backoff after such a connection, so each retry's window doubles, and each retry waits
//! the delay it announced.

mod support;

use std::time::Duration;

use rand::{Rng, SeedableRng};
use tokio::sync::mpsc;
use tokio::time::Instant;
use ws_health::config::Backoff;
use ws_health::runtime::client::full_jitter;
use ws_health::runtime::{Client, ClientEvent, Server};

const SEED: u64 = 42;
const RETRIES: u32 = 6;

#[tokio::test]
async fn client_backs_off_longer_from_a_server_that_closes_at_once() {
    support::trace();
    let (accepted_tx, mut accepted) = mpsc::unbounded_channel();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", move |conn: ws_health::Connection| {
            let _ = accepted_tx.send(Instant::now());
            async move {
                conn.close(1011, "try again later").unwrap();
                let _ = conn.closed().await;
            }
        })
        .await
        .unwrap();
    let config = support::runtime::client_config(Duration::from_millis(20), Duration::from_secs(5));
    let backoff: Backoff = config.backoff;
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config)
        .with_jitter_seed(SEED)
        .connect()
        .unwrap();
    let mut events = client.events();

    // The delays the pure backoff function gives for this seed, attempt after attempt.
    let mut rng = rand::rngs::StdRng::seed_from_u64(SEED);
    let expected: Vec<Duration> = (0..RETRIES)
        .map(|attempt| full_jitter(&backoff, attempt, rng.random()))
        .collect();

    let mut announced = Vec::new();
    let mut last_accept = support::within("the first connection", accepted.recv())
        .await
        .unwrap();
    while announced.len() < RETRIES as usize {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("no event")
            .unwrap();
        if let ClientEvent::Reconnecting { attempt, delay } = event {
            assert_eq!(
                attempt as usize,
                announced.len() + 1,
                "the backoff was reset"
            );
            assert!(delay <= backoff.cap(attempt - 1));
            let next_accept = support::within("the retry's connection", accepted.recv())
                .await
                .unwrap();
            let gap = next_accept - last_accept;
            assert!(
                gap >= delay,
                "retried after {gap:?}, before its delay {delay:?}"
            );
            last_accept = next_accept;
            announced.push(delay);
        }
    }
    assert_eq!(announced, expected);
    client.close();
}
