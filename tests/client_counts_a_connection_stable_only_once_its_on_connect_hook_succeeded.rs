//! The backoff resets after a connection stable for `client.stable_after`, counted from the
//! end of its on-connect hook: a hook that runs longer than `stable_after` and then fails
//! does not make a stable connection, so the retries' numbers keep growing (they stayed at
//! 1, the backoff at its first window, when the time in the hook counted).
//!
//! On the real clock: a paused one jumps ahead whenever loopback delivery lags behind the
//! runtime, and could fail an attempt before its hook ran. A hook that never makes a stable
//! connection does so however late it ends, so load cannot make this test fail; the time in
//! the hook (300 ms) always exceeds `stable_after` (200 ms), so counting it always resets.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ws_health::runtime::{Client, ClientEvent, Server};
use ws_health::Error;

const STABLE_AFTER: Duration = Duration::from_millis(200);
const IN_THE_HOOK: Duration = Duration::from_millis(300);

#[tokio::test]
async fn client_counts_a_connection_stable_only_once_its_on_connect_hook_succeeded() {
    support::trace();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let mut config =
        support::runtime::client_config(Duration::from_millis(100), Duration::from_secs(5));
    config.stable_after = STABLE_AFTER;
    config.connect_timeout = Duration::from_secs(10);
    let hooks_run = Arc::new(AtomicUsize::new(0));
    let hooks = hooks_run.clone();
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(config)
        .with_jitter_seed(7)
        .with_on_connect(move |_| {
            let hooks = hooks.clone();
            async move {
                tokio::time::sleep(IN_THE_HOOK).await;
                hooks.fetch_add(1, Ordering::SeqCst);
                Err(Error::other(std::io::Error::other("not subscribed")))
            }
        })
        .connect()
        .unwrap();
    let mut events = client.events();

    let mut attempts = Vec::new();
    while attempts.len() < 3 {
        // Each connection is ended by its hook's failure, then retried.
        let end = support::runtime::next_client_event(&mut events, |e| {
            matches!(
                e,
                ClientEvent::Disconnected { .. }
                    | ClientEvent::ConnectFailed { .. }
                    | ClientEvent::Reconnecting { .. }
                    | ClientEvent::Stopped { .. }
            )
        })
        .await;
        let ClientEvent::Disconnected { disconnect, .. } = end else {
            panic!("not ended by the hook: {end:?}");
        };
        assert_eq!(disconnect.code, 1011, "{disconnect}");
        assert!(disconnect.reason.contains("not subscribed"), "{disconnect}");
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
    let hooks_run = hooks_run.load(Ordering::SeqCst);
    assert!(
        hooks_run >= 3,
        "the hook ran to its end {hooks_run} time(s)"
    );
    client.close();
    server.shutdown().await;
}
