//! A client whose server is down warns of its 1st, 10th, 100th, ... failed attempt in a row,
//! with the count, and logs the others at info: 2,000 devices waiting out three outages of
//! 3 to 30 s logged 16,700 `connection attempt failed` warnings, eight per device, each
//! saying what the first had said (fleet helper). A stop the application did not ask for (a
//! final HTTP status, `max_retries`) is warned of, the failed attempt before it having been
//! at info, possibly.

mod support;

use support::logs::Captured;
use ws_health::runtime::ClientEvent;

// One test at a time: tracing caches each callsite's interest across every subscriber alive,
// and one registered while another test's is being set up can miss its filter.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn lines<'a>(text: &'a str, what: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(what)).collect()
}

/// What `filter` let through of a client's `attempts` failed attempts to a closed port,
/// closed by the application after them.
async fn failed_attempts_logged(filter: &str, attempts: usize) -> String {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install(filter);
    let client = support::runtime::quick_client_of(support::runtime::closed_port())
        .connect()
        .unwrap();
    let mut events = client.events();
    for _ in 0..attempts {
        support::runtime::next_client_event(&mut events, |e| {
            matches!(e, ClientEvent::ConnectFailed { .. })
        })
        .await;
    }
    client.close();
    support::within("the client to stop", client.stopped()).await;
    captured.text()
}

#[tokio::test(flavor = "current_thread")]
async fn a_client_waiting_out_an_outage_warns_of_its_1st_10th_and_100th_failed_attempt() {
    let text = failed_attempts_logged("warn", 12).await;
    let warned = lines(&text, "connection attempt failed");
    assert_eq!(warned.len(), 2, "{text}");
    assert!(warned[0].contains("failures=1"), "{text}");
    assert!(warned[1].contains("failures=10"), "{text}");
    // Closed by the application: no warning.
    assert!(lines(&text, "client stopped").is_empty(), "{text}");
}

#[tokio::test(flavor = "current_thread")]
async fn every_failed_attempt_is_still_logged_at_info() {
    let text = failed_attempts_logged("info", 3).await;
    let logged = lines(&text, "connection attempt failed");
    assert!(logged.len() >= 3, "{text}");
    assert!(
        logged[1].contains(" INFO ") && logged[1].contains("failures=2"),
        "{text}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_client_stopped_for_good_by_a_final_status_warns() {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install("warn");
    // A final status after two failed attempts: the third is at info.
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let addr = support::runtime::answering_server(move |_| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 2 {
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n".to_vec()
        } else {
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
        }
    })
    .await;
    let client = support::runtime::quick_client_of(addr).connect().unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(reason.to_string().contains("404"), "{reason}");
    let text = captured.text();
    let stopped = lines(&text, "client stopped");
    assert_eq!(stopped.len(), 1, "{text}");
    assert!(
        stopped[0].contains(" WARN ") && stopped[0].contains("404"),
        "{text}"
    );
}

/// An attempt whose on-connect hook fails is a failed attempt (as `max_retries` counts it):
/// warned of the 1st and 10th time in a row, and the count is not started again by the
/// socket that opened before the hook failed. Each such attempt was warned of, and a refused
/// attempt after it counted from 1 again.
#[tokio::test(flavor = "current_thread")]
async fn a_failing_on_connect_hook_is_warned_of_as_a_failed_attempt_is() {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install("warn");
    let server = support::runtime::echo_server().await;
    let client = support::runtime::quick_client(&server)
        .with_on_connect(|_| async { Err(ws_health::Error::other("subscription refused")) })
        .connect()
        .unwrap();
    let mut events = client.events();
    for _ in 0..12 {
        support::runtime::next_client_event(&mut events, |e| {
            matches!(e, ClientEvent::Disconnected { .. })
        })
        .await;
    }
    client.close();
    support::within("the client to stop", client.stopped()).await;
    let text = captured.text();
    let warned = lines(&text, "closing the connection");
    assert_eq!(warned.len(), 2, "{text}");
    assert!(warned[0].contains("failures=1"), "{text}");
    assert!(warned[1].contains("failures=10"), "{text}");
    server.shutdown().await;
}
