//! A check whose own actions only log does not switch the policy off for the others. The
//! connection became Unhealthy through it, and its own log ran instead of the policy's
//! close; a second check that then fails, and names no actions of its own, gets the policy's
//! close. Before, nothing ran (the connection stayed Unhealthy, which is no change), and a
//! dead peer or a revoked session was never closed. The policy's actions still run once per
//! status reached, not once per check; a non-critical check's own `on_degraded` for the
//! connection's change leaves them owed too; a reload whose own actions did not run again
//! keeps them owed.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use support::mock_transport::{self, close_of};
use support::ms;
use ws_health::policy::{Action, LogLevel};
use ws_health::supervisor::Initiator;
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Unhealthy while the test holds the session revoked.
struct Session(Arc<AtomicBool>);

#[async_trait]
impl HealthCheck for Session {
    async fn check(&self, _: &CheckContext) -> Health {
        if self.0.load(Ordering::Relaxed) {
            Health::unhealthy("session revoked")
        } else {
            Health::healthy("session valid")
        }
    }
}

fn only_logs() -> Option<Vec<Action>> {
    Some(vec![Action::Log {
        level: LogLevel::Warn,
    }])
}

/// The next frame that is not a ping.
async fn next_not_ping(peer: &mut mock_transport::MockPeer) -> Message {
    support::within("a close frame", async {
        loop {
            match peer.recv().await.expect("dropped without a close frame") {
                Message::Ping(_) => continue,
                other => break other,
            }
        }
    })
    .await
}

#[tokio::test(start_paused = true)]
async fn a_revoked_session_is_closed_by_the_policy_behind_a_ping_that_only_logs() {
    let revoked = Arc::new(AtomicBool::new(false));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            on_unhealthy: only_logs(),
            ..CheckSettings::every(ms(100), ms(50))
        })
        .with_check(
            "session",
            Session(revoked.clone()),
            CheckSettings::every(ms(100), ms(50)),
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair(); // it never answers a ping
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    support::within("a change", health.changed()).await.unwrap();
    assert_eq!(health.borrow_and_update().status(), Status::Unhealthy);
    assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    assert!(conn.disconnect().is_none(), "the ping only logs");

    revoked.store(true, Ordering::Relaxed);
    let close = next_not_ping(&mut peer).await;
    assert_eq!(close_of(&close), (1011, "session revoked".into()));
    peer.close(1011, "");
    let end = support::within("the close", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
}

#[tokio::test(start_paused = true)]
async fn a_dead_peer_is_closed_by_the_policy_behind_a_session_check_that_only_logs() {
    let revoked = Arc::new(AtomicBool::new(true));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_check(
            "session",
            Session(revoked.clone()),
            CheckSettings {
                on_unhealthy: only_logs(),
                ..CheckSettings::every(ms(100), ms(50))
            },
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    support::within("a change", health.changed()).await.unwrap();
    let unhealthy = health.borrow_and_update().clone();
    assert_eq!(unhealthy.reason(), "session: session revoked");
    // Held Unhealthy by the session, only logged: pings go on being answered (on the paused
    // clock, three intervals pass).
    tokio::time::sleep(ms(350)).await;
    assert!(peer.pings_answered() >= 3, "{}", peer.pings_answered());
    assert!(conn.disconnect().is_none(), "the session only logs");

    peer.stop_answering_pings();
    let close = next_not_ping(&mut peer).await;
    assert_eq!(close_of(&close), (1011, "keepalive ping timeout".into()));
    peer.close(1011, "");
    let end = support::within("the close", conn.closed()).await;
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
}

/// Once the policy's actions have run for a status, a second check that fails there does
/// not run them again: a custom alert for "the connection became Unhealthy" fires once.
#[tokio::test(start_paused = true)]
async fn the_policy_runs_once_per_status_reached() {
    use std::sync::atomic::AtomicUsize;
    use ws_health::policy::{ActionEvent, CustomAction, Policy};

    struct Count(Arc<AtomicUsize>);
    impl CustomAction for Count {
        fn run(&self, _: &ActionEvent<'_>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
    let alerts = Arc::new(AtomicUsize::new(0));
    let revoked = Arc::new(AtomicBool::new(false));
    let supervisor = Supervisor::builder()
        .with_policy(Policy {
            on_unhealthy: vec![Action::Custom {
                name: "alert".into(),
            }],
            ..Policy::default()
        })
        .with_custom_action("alert", Count(alerts.clone()))
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_check(
            "session",
            Session(revoked.clone()),
            CheckSettings::every(ms(100), ms(50)),
        )
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair(); // it never answers a ping
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();

    support::within("a change", health.changed()).await.unwrap();
    assert_eq!(health.borrow_and_update().status(), Status::Unhealthy);
    assert_eq!(alerts.load(Ordering::Relaxed), 1);
    revoked.store(true, Ordering::Relaxed);
    // Two more rounds of both checks, the session failing in each.
    for _ in 0..4 {
        assert!(matches!(peer.recv().await, Some(Message::Ping(_))));
    }
    assert_eq!(alerts.load(Ordering::Relaxed), 1);
    assert!(conn.disconnect().is_none());
}

/// A check whose result the test sets: 0 Healthy, 1 Degraded, 2 Unhealthy.
struct Level(Arc<std::sync::atomic::AtomicU8>);

#[async_trait]
impl HealthCheck for Level {
    async fn check(&self, _: &CheckContext) -> Health {
        match self.0.load(Ordering::Relaxed) {
            0 => Health::healthy("fine"),
            1 => Health::degraded("lagging"),
            _ => Health::unhealthy("gone"),
        }
    }
}

/// Counts its runs, by the status it was run for.
struct Count(Arc<std::sync::atomic::AtomicUsize>);

impl ws_health::policy::CustomAction for Count {
    fn run(&self, _: &ws_health::policy::ActionEvent<'_>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

fn custom(name: &str) -> Vec<Action> {
    vec![Action::Custom { name: name.into() }]
}

/// A non-critical check with its own `on_degraded` (and no `on_unhealthy`) that fails makes
/// the connection Degraded and runs its own list for that; the policy's `on_degraded` is
/// owed to the next check that degrades it, and a later Unhealthy result of the first (its
/// weight stays Degraded) runs nothing more.
#[tokio::test(start_paused = true)]
async fn a_non_critical_checks_own_list_for_the_connection_leaves_the_policy_owed() {
    use std::sync::atomic::{AtomicU8, AtomicUsize};
    let (feed, session) = (Arc::new(AtomicU8::new(0)), Arc::new(AtomicU8::new(0)));
    let (policy_alerts, own_alerts) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let supervisor = Supervisor::builder()
        .with_policy(ws_health::policy::Policy {
            on_degraded: custom("policy"),
            ..ws_health::policy::Policy::default()
        })
        .with_custom_action("policy", Count(policy_alerts.clone()))
        .with_custom_action("own", Count(own_alerts.clone()))
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_check(
            "feed",
            Level(feed.clone()),
            CheckSettings {
                critical: false,
                on_degraded: Some(custom("own")),
                ..CheckSettings::every(ms(100), ms(50))
            },
        )
        .with_check(
            "session",
            Level(session.clone()),
            CheckSettings::every(ms(100), ms(50)),
        )
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);

    feed.store(2, Ordering::Relaxed); // Unhealthy, but not critical: Degraded
    tokio::time::sleep(ms(150)).await;
    assert_eq!(
        conn.health().status(),
        Status::Degraded,
        "{}",
        conn.health()
    );
    assert_eq!(own_alerts.load(Ordering::Relaxed), 1);
    assert_eq!(policy_alerts.load(Ordering::Relaxed), 0);

    session.store(1, Ordering::Relaxed); // Degraded too: the policy's list is its
    tokio::time::sleep(ms(300)).await;
    assert_eq!(policy_alerts.load(Ordering::Relaxed), 1);
    assert_eq!(
        own_alerts.load(Ordering::Relaxed),
        1,
        "the feed's own ran again"
    );
    assert!(conn.disconnect().is_none());
}

/// A reload that makes a failing non-critical check critical moves the connection to
/// Unhealthy; the check's own `on_unhealthy` ran when it failed and does not run again, so
/// the policy's close stays owed: the ping that fails next gets it.
#[tokio::test(start_paused = true)]
async fn a_reload_whose_own_actions_do_not_run_again_leaves_the_policy_owed() {
    use std::sync::atomic::AtomicU8;
    let session = Arc::new(AtomicU8::new(2));
    let logs_only = CheckSettings {
        critical: false,
        on_unhealthy: only_logs(),
        ..CheckSettings::every(ms(100), ms(50))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_check("session", Level(session.clone()), logs_only.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    tokio::time::sleep(ms(150)).await;
    assert_eq!(
        conn.health().status(),
        Status::Degraded,
        "{}",
        conn.health()
    );

    let mut config = ws_health::Config {
        ping: CheckSettings::every(ms(100), ms(50)),
        ..ws_health::Config::default()
    };
    config.checks.insert(
        "session".into(),
        CheckSettings {
            critical: true,
            ..logs_only
        },
    );
    supervisor.reload(&config).unwrap();
    tokio::time::sleep(ms(150)).await;
    assert_eq!(
        conn.health().status(),
        Status::Unhealthy,
        "{}",
        conn.health()
    );
    assert!(conn.disconnect().is_none(), "the session only logs");

    peer.stop_answering_pings();
    let close = next_not_ping(&mut peer).await;
    assert_eq!(close_of(&close), (1011, "keepalive ping timeout".into()));
}
