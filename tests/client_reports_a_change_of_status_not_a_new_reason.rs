//! `ClientEvent::HealthChanged` comes when the connection's status changes, not when only its
//! reason is restated (a check recovered while another holds the status): the hub's events
//! and the client's agree, and `probe` prints no extra status line.

mod support;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use support::{ms, Scripted};
use tokio::sync::watch;
use ws_health::runtime::ClientEvent;
use ws_health::{CheckSettings, Health, Status, Supervisor};

/// Waits for the connection's reason to start with `prefix`. The health watch wakes on a new
/// reason, where the client's events (what this test checks) do not.
async fn reason_starts(health: &mut watch::Receiver<Health>, prefix: &str) {
    support::within(
        "the reason",
        health.wait_for(|h| h.reason().starts_with(prefix)),
    )
    .await
    .map(drop)
    .expect("the connection ended");
}

#[tokio::test]
async fn client_reports_a_change_of_status_not_a_new_reason() {
    support::trace();
    let server = support::runtime::echo_server().await;
    let (a, b) = (Arc::new(AtomicU8::new(0)), Arc::new(AtomicU8::new(0)));
    let lenient = CheckSettings {
        critical: false, // Unhealthy weighs Degraded
        ..CheckSettings::every(ms(20), ms(100))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(10_000), ms(10_000)))
        .with_check(
            "a",
            Scripted(a.clone()),
            CheckSettings::every(ms(20), ms(100)),
        )
        .with_check("b", Scripted(b.clone()), lenient)
        .build()
        .unwrap();
    let client = support::runtime::quick_client(&server)
        .with_supervisor(supervisor)
        .connect()
        .unwrap();
    let mut events = client.events();
    support::within("connected", client.connected())
        .await
        .unwrap();
    // Watched before the checks are scripted, so that no change can be missed.
    let mut health = client.sender().expect("connected").watch_health();

    a.store(1, Ordering::Relaxed); // Degraded: a change
    reason_starts(&mut health, "a: slow").await;
    b.store(2, Ordering::Relaxed); // still Degraded: a new reason
    reason_starts(&mut health, "b: stale").await;
    a.store(0, Ordering::Relaxed); // still Degraded, held by b: a new reason
    reason_starts(&mut health, "a: fine; b still degraded").await;
    b.store(0, Ordering::Relaxed); // Healthy: a change

    // Every event up to the last change, in the order the client's task emitted them.
    let mut statuses = Vec::new();
    support::within("the change to Healthy", async {
        while statuses.last() != Some(&Status::Healthy) {
            if let ClientEvent::HealthChanged { status, .. } = events.recv().await.unwrap() {
                statuses.push(status);
            }
        }
    })
    .await;
    assert_eq!(statuses, [Status::Degraded, Status::Healthy]);
    client.close();
}
