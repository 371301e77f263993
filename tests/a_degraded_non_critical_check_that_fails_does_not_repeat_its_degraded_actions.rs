//! A non-critical check weighs Degraded whether it is Degraded or Unhealthy: when a degraded one
//! fails, its weight does not rise, so neither its own `on_degraded` nor the policy's list, owed
//! since another check's own actions ran, runs for it. (Found by mutation testing: the driver's
//! test for a rise with `<=` for `<` ran the feed's `on_degraded` again, from Degraded to
//! Degraded, and passed the policy's other tests.)

mod support;

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use support::mock_transport;
use support::{ms, Recorder, Scripted};
use ws_health::policy::Action;
use ws_health::{CheckSettings, Status, Supervisor};

/// A non-critical check run every second, on an exact grid.
fn non_critical() -> CheckSettings {
    CheckSettings {
        critical: false,
        slack: ms(0),
        ..CheckSettings::every(ms(1000), ms(500))
    }
}

fn record() -> Option<Vec<Action>> {
    Some(vec![Action::Custom {
        name: "record".into(),
    }])
}

#[tokio::test(start_paused = true)]
async fn a_degraded_non_critical_check_that_fails_does_not_repeat_its_degraded_actions() {
    let recorder = Recorder::default();
    let feed = Arc::new(AtomicU8::new(0));
    let supervisor = Supervisor::builder()
        .with_check(
            "session",
            Scripted(Arc::new(AtomicU8::new(2))), // fails from its first run
            CheckSettings {
                on_unhealthy: record(),
                ..non_critical()
            },
        )
        .with_check(
            "feed",
            Scripted(feed.clone()),
            CheckSettings {
                on_degraded: record(),
                ..non_critical()
            },
        )
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let _conn = supervisor.supervise(transport);

    // 1 s: the session fails, with its own action: the connection is Degraded and the policy's
    // `on_degraded` is owed. 2 s: the feed degrades and runs its own. 3 s: the feed fails.
    tokio::time::sleep(ms(1500)).await;
    feed.store(1, Ordering::Relaxed);
    tokio::time::sleep(ms(1000)).await;
    feed.store(2, Ordering::Relaxed);
    tokio::time::sleep(ms(1000)).await;

    let seen: Vec<_> = recorder
        .events()
        .into_iter()
        .map(|e| (e.check, e.check_status, e.from, e.to))
        .collect();
    assert_eq!(
        seen,
        [
            (
                "session".into(),
                Status::Unhealthy,
                Status::Healthy,
                Status::Unhealthy
            ),
            (
                "feed".into(),
                Status::Degraded,
                Status::Healthy,
                Status::Degraded
            ),
        ]
    );
}
