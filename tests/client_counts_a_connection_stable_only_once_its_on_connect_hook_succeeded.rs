//! The backoff resets after a connection stable for `client.stable_after`, counted from the
//! end of its on-connect hook: a hook that runs longer than `stable_after` and then fails
//! does not make a stable connection, so the retries' numbers keep growing (they stayed at
//! 1, the backoff at its first window, when the time in the hook counted).

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::Error;

#[tokio::test(start_paused = true)]
async fn client_counts_a_connection_stable_only_once_its_on_connect_hook_succeeded() {
    support::trace();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let mut config =
        support::runtime::client_config(Duration::from_millis(100), Duration::from_secs(5));
    config.stable_after = Duration::from_secs(2);
    config.connect_timeout = Duration::from_secs(10);
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config)
        .with_jitter_seed(7)
        .with_on_connect(|_| async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Err(Error::other(std::io::Error::other("not subscribed")))
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    let mut attempts = Vec::new();
    while attempts.len() < 3 {
        let event = support::runtime::next_client_event(&mut events, |e| {
            matches!(
                e,
                ClientEvent::Reconnecting { .. } | ClientEvent::Stopped { .. }
            )
        })
        .await;
        let ClientEvent::Reconnecting { attempt, .. } = event else {
            panic!("{event:?}");
        };
        attempts.push(attempt);
    }
    assert_eq!(attempts, [1, 2, 3], "the backoff was reset");
    client.close();
    server.shutdown().await;
}
