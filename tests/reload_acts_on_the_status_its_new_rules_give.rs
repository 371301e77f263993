//! A reload whose rules change the status the results already seen give is acted on at once:
//! a failing check made critical closes the connection with 1011, and a degraded check
//! disabled makes it Healthy again. Without this, the first would never close (Unhealthy
//! to Unhealthy is no change at the next result) and the second would read Degraded forever.

mod support;

use std::sync::Arc;

use support::mock_transport::{self, close_of};
use support::ms;
use tokio::sync::Notify;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Config, Health, HealthCheck, Status, Supervisor,
};

/// Always stale.
struct Feed;

#[async_trait]
impl HealthCheck for Feed {
    async fn check(&self, _: &CheckContext) -> Health {
        Health::unhealthy("feed stale")
    }
}

fn ping() -> CheckSettings {
    CheckSettings::every(ms(500), ms(200))
}

fn feed(critical: bool, enabled: bool) -> CheckSettings {
    CheckSettings {
        critical,
        enabled,
        ..CheckSettings::every(ms(1000), ms(200))
    }
}

/// A supervisor whose lenient `feed` check has made its connection Degraded.
async fn degraded() -> (Supervisor, ws_health::Connection, mock_transport::MockPeer) {
    degraded_with(feed(false, true), &support::Recorder::default()).await
}

/// As [`degraded`], the `feed` check with `settings` (lenient), and `recorder` registered as
/// the custom action "record".
async fn degraded_with(
    settings: CheckSettings,
    recorder: &support::Recorder,
) -> (Supervisor, ws_health::Connection, mock_transport::MockPeer) {
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("feed", Feed, settings)
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    health.changed().await.unwrap();
    assert_eq!(health.borrow().status(), Status::Degraded);
    (supervisor, conn, peer)
}

/// The next change of health, which must come before the feed check's next run.
async fn changed(health: &mut tokio::sync::watch::Receiver<Health>) {
    tokio::time::timeout(ms(900), health.changed())
        .await
        .expect("the reload changed nothing before the next result")
        .unwrap();
}

/// A `feed` check whose own `on_unhealthy` is the "record" custom action.
fn recording(critical: bool) -> CheckSettings {
    CheckSettings {
        on_unhealthy: Some(vec![ws_health::policy::Action::Custom {
            name: "record".into(),
        }]),
        ..feed(critical, true)
    }
}

/// Waits until the connection's reason names `check`: it has run and failed.
async fn failed(health: &mut tokio::sync::watch::Receiver<Health>, check: &str) {
    while !health
        .borrow_and_update()
        .reason()
        .starts_with(&format!("{check}:"))
    {
        health.changed().await.unwrap();
    }
}

fn config(feed: CheckSettings) -> Config {
    let mut config = Config {
        ping: ping(),
        ..Config::default()
    };
    config.checks.insert("feed".into(), feed);
    config
}

#[tokio::test(start_paused = true)]
async fn failing_check_made_critical_closes_the_connection() {
    let (supervisor, conn, mut peer) = degraded().await;
    let mut health = conn.watch_health();
    supervisor.reload(&config(feed(true, true))).unwrap();

    changed(&mut health).await;
    let unhealthy = health.borrow().clone();
    assert_eq!(unhealthy.status(), Status::Unhealthy);
    assert_eq!(unhealthy.reason(), "feed: configuration reloaded");
    let close = peer.next_answering_pings().await.expect("a close frame");
    assert_eq!(close_of(&close), (1011, "configuration reloaded".into()));
}

#[tokio::test(start_paused = true)]
async fn degraded_check_disabled_makes_the_connection_healthy() {
    let (supervisor, conn, peer) = degraded().await;
    let mut health = conn.watch_health();
    supervisor.reload(&config(feed(false, false))).unwrap();

    changed(&mut health).await;
    assert_eq!(health.borrow().status(), Status::Healthy);
    assert_eq!(health.borrow().reason(), "feed: configuration reloaded");
    // It stays so: the disabled check runs no more, and the pings are answered.
    tokio::time::sleep(ms(5000)).await;
    assert_eq!(conn.health().status(), Status::Healthy);
    assert_eq!(conn.disconnect(), None);
    assert!(peer.pings_answered() >= 10);
}

/// Fails once released, announcing when it started.
struct Held {
    started: Arc<Notify>,
    release: Arc<Notify>,
}

#[async_trait]
impl HealthCheck for Held {
    async fn check(&self, _: &CheckContext) -> Health {
        self.started.notify_one();
        self.release.notified().await;
        Health::unhealthy("feed stale")
    }
}

/// A run in flight when its check is disabled ends without a result: finished, it would be
/// judged by a default (critical) rule and close a healthy connection.
#[tokio::test(start_paused = true)]
async fn run_in_flight_of_a_check_disabled_has_no_result() {
    let (started, release) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let held = Held {
        started: started.clone(),
        release: release.clone(),
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("feed", held, feed(false, true))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);

    started.notified().await;
    supervisor.reload(&config(feed(false, false))).unwrap();
    // Its result wakes the driver, which takes the reload first.
    release.notify_one();
    tokio::time::sleep(ms(1000)).await;
    assert_eq!(conn.health().status(), Status::Healthy, "{}", conn.health());
    assert_eq!(conn.disconnect(), None);
}

/// A reload changes no check's own status, so a check's own actions, which follow that
/// status, do not run again: a failing check with its own `on_unhealthy` (which ran when it
/// failed) made critical takes the connection to Unhealthy with no second run of them, and
/// not the policy's close either (the check's own actions stand in for the policy's).
#[tokio::test(start_paused = true)]
async fn a_reload_does_not_run_a_checks_own_actions_again() {
    let recorder = support::Recorder::default();
    let (supervisor, conn, _peer) = degraded_with(recording(false), &recorder).await;
    let mut health = conn.watch_health();
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());

    supervisor.reload(&config(recording(true))).unwrap();
    changed(&mut health).await;
    assert_eq!(health.borrow().status(), Status::Unhealthy);
    let events = recorder.events();
    assert_eq!(events.len(), 1, "ran again at the reload: {events:?}");
    let closed = tokio::time::timeout(ms(500), conn.closed()).await;
    assert!(
        closed.is_err(),
        "the policy's close ran in its stead: {closed:?}"
    );
}

/// Own actions a reload gives a check (or changes) did not run when it changed: they run at
/// the reload. A failing check made critical with its own close closes with that code.
#[tokio::test(start_paused = true)]
async fn a_reload_runs_own_actions_it_gave_the_check() {
    let (supervisor, conn, mut peer) = degraded().await;
    let mut health = conn.watch_health();
    let closing = CheckSettings {
        on_unhealthy: Some(vec![ws_health::policy::Action::Close {
            code: 4001,
            reason: None,
        }]),
        ..feed(true, true)
    };
    supervisor.reload(&config(closing)).unwrap();

    changed(&mut health).await;
    assert_eq!(health.borrow().status(), Status::Unhealthy);
    let close = peer.next_answering_pings().await.expect("a close frame");
    assert_eq!(close_of(&close), (4001, "configuration reloaded".into()));
}

/// A check the reload disables runs none of its own actions, even ones the reload gave it:
/// the connection's recovery runs the policy's.
#[tokio::test(start_paused = true)]
async fn a_check_disabled_by_a_reload_runs_no_own_actions() {
    use ws_health::policy::Action;
    let recorder = support::Recorder::default();
    let (supervisor, conn, _peer) = degraded_with(feed(false, true), &recorder).await;
    let mut health = conn.watch_health();

    let disabled = CheckSettings {
        on_recovered: Some(vec![Action::Custom {
            name: "record".into(),
        }]),
        ..feed(false, false)
    };
    supervisor.reload(&config(disabled)).unwrap();
    changed(&mut health).await;
    assert_eq!(health.borrow().status(), Status::Healthy);
    let events = recorder.events();
    assert!(
        events.is_empty(),
        "a disabled check's own action ran: {events:?}"
    );
}

/// A dry run turned into enforcement: a connection Unhealthy under a policy that only logs is
/// closed by the reload that gives the policy its close, though its status does not change
/// (Unhealthy to Unhealthy at the next result is no change, which runs nothing).
#[tokio::test(start_paused = true)]
async fn new_actions_for_the_status_the_connection_is_in_run_at_the_reload() {
    use ws_health::policy::{Action, LogLevel, Policy};
    let log_only = Policy {
        on_unhealthy: vec![Action::Log {
            level: LogLevel::Warn,
        }],
        ..Policy::default()
    };
    let mut dry_run = config(feed(true, true));
    dry_run.policy = log_only;
    let supervisor = Supervisor::builder()
        .with_config(&dry_run)
        .with_check("feed", Feed, feed(true, true))
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    health.changed().await.unwrap();
    assert_eq!(health.borrow().status(), Status::Unhealthy);

    // The same policy again changes nothing: the connection stays, through later results.
    supervisor.reload(&dry_run).unwrap();
    tokio::time::sleep(ms(2500)).await;
    assert_eq!(conn.disconnect(), None);

    let enforced = config(feed(true, true));
    supervisor.reload(&enforced).unwrap();
    // Before the feed check's next run: the reload itself closes.
    let close = tokio::time::timeout(ms(400), peer.next_answering_pings())
        .await
        .expect("no close at the reload")
        .expect("a close frame");
    assert_eq!(close_of(&close), (1011, "feed: feed stale".into()));
}

/// The policy's list owed since a check's own list ran in its place (a check that only
/// records) runs at the reload that raises another failing check's weight to the connection's
/// status, as it would at that check's result.
#[tokio::test(start_paused = true)]
async fn the_policys_owed_list_runs_for_a_check_a_reload_makes_critical() {
    let recorder = support::Recorder::default();
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("session", Feed, recording(true))
        .with_check("feed", Feed, feed(false, true))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    // Unhealthy by `session` (its own list ran), then `feed` failed behind it.
    failed(&mut health, "feed").await;
    assert_eq!(health.borrow().status(), Status::Unhealthy);
    assert_eq!(recorder.events().len(), 1);
    assert_eq!(conn.disconnect(), None);

    let mut made_critical = config(feed(true, true));
    made_critical
        .checks
        .insert("session".into(), recording(true));
    supervisor.reload(&made_critical).unwrap();
    let close = tokio::time::timeout(ms(400), peer.next_answering_pings())
        .await
        .expect("no close at the reload")
        .expect("a close frame");
    assert_eq!(close_of(&close).0, 1011);
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());
}

/// A reload runs only what the list due at the connection's status gained: an action it had
/// already ran when the connection got there and does not run again.
#[tokio::test(start_paused = true)]
async fn a_reload_runs_only_the_actions_the_list_gained() {
    use ws_health::policy::{Action, Policy};
    let recorder = support::Recorder::default();
    let record = Action::Custom {
        name: "record".into(),
    };
    let recording = |also: Option<Action>| {
        let mut config = config(feed(true, true));
        config.policy = Policy {
            on_unhealthy: [Some(record.clone()), also].into_iter().flatten().collect(),
            ..Policy::default()
        };
        config
    };
    let supervisor = Supervisor::builder()
        .with_config(&recording(None))
        .with_check("feed", Feed, feed(true, true))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    health.changed().await.unwrap();
    assert_eq!(recorder.events().len(), 1);

    let close = Action::Close {
        code: 4000,
        reason: None,
    };
    supervisor.reload(&recording(Some(close))).unwrap();
    let close = tokio::time::timeout(ms(400), peer.next_answering_pings())
        .await
        .expect("no close at the reload")
        .expect("a close frame");
    assert_eq!(close_of(&close).0, 4000);
    assert_eq!(
        recorder.events().len(),
        1,
        "ran again: {:?}",
        recorder.events()
    );
}

/// A check with its own list for the status, which ran when it failed, is not the one the
/// policy's list is owed to when a reload raises its weight: its own list does not run again,
/// and the policy's (a close) stays owed.
#[tokio::test(start_paused = true)]
async fn the_policys_owed_list_is_not_run_for_a_check_with_its_own() {
    let recorder = support::Recorder::default();
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("session", Feed, recording(true))
        .with_check("feed", Feed, recording(false))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    failed(&mut health, "feed").await;
    assert_eq!(recorder.events().len(), 2, "{:?}", recorder.events());

    let mut made_critical = config(recording(true));
    made_critical
        .checks
        .insert("session".into(), recording(true));
    supervisor.reload(&made_critical).unwrap();
    let closed = tokio::time::timeout(ms(400), conn.closed()).await;
    assert!(closed.is_err(), "the policy's close ran: {closed:?}");
    assert_eq!(
        recorder.events().len(),
        2,
        "ran again: {:?}",
        recorder.events()
    );
}

/// The owed list goes to the first check that rose with no own list for it, not merely the
/// first that rose: a check with its own list made critical beside one without does not
/// keep the policy's close from the other.
#[tokio::test(start_paused = true)]
async fn the_policys_owed_list_goes_to_a_check_without_its_own_beside_one_with() {
    let recorder = support::Recorder::default();
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("session", Feed, recording(true))
        .with_check("feed_a", Feed, recording(false))
        .with_check("feed_b", Feed, feed(false, true))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    failed(&mut health, "feed_b").await;
    assert_eq!(recorder.events().len(), 2, "{:?}", recorder.events());

    let mut all_critical = config(feed(true, true));
    all_critical
        .checks
        .insert("session".into(), recording(true));
    all_critical.checks.insert("feed_a".into(), recording(true));
    all_critical
        .checks
        .insert("feed_b".into(), feed(true, true));
    supervisor.reload(&all_critical).unwrap();
    let close = tokio::time::timeout(ms(400), peer.next_answering_pings())
        .await
        .expect("no close at the reload")
        .expect("a close frame");
    assert_eq!(close_of(&close).0, 1011);
    assert_eq!(
        recorder.events().len(),
        2,
        "ran again: {:?}",
        recorder.events()
    );
}

/// A reload that raises two failing checks at once, the first with its own list (which ran
/// when it failed), runs the policy's list for the second, which has none, as the second's
/// result would have had they risen one after the other. Before, the policy's close stayed
/// owed to a check that had already risen, and the connection stayed open, Unhealthy.
#[tokio::test(start_paused = true)]
async fn a_reload_that_raises_two_checks_runs_the_policys_list_for_the_one_without_its_own() {
    let recorder = support::Recorder::default();
    let supervisor = Supervisor::builder()
        .with_ping_settings(ping())
        .with_check("session", Feed, recording(false))
        .with_check("feed", Feed, feed(false, true))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    failed(&mut health, "feed").await;
    assert_eq!(health.borrow().status(), Status::Degraded);
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());

    let mut both_critical = config(feed(true, true));
    both_critical
        .checks
        .insert("session".into(), recording(true));
    supervisor.reload(&both_critical).unwrap();
    let close = tokio::time::timeout(ms(400), peer.next_answering_pings())
        .await
        .expect("no close at the reload")
        .expect("a close frame");
    assert_eq!(close_of(&close), (1011, "configuration reloaded".into()));
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());
}

/// A dry run turned into enforcement behind a check whose own list only records: `auth`
/// (registered first) holds the connection at Unhealthy with its own list, and `feed`, with
/// none, failed behind it under a policy that only logs. The reload that gives the policy its
/// close closes: the list due for `feed` gained it. Before, only the first check at the
/// status was asked what its list gained.
#[tokio::test(start_paused = true)]
async fn a_dry_run_turned_into_enforcement_closes_behind_a_check_with_its_own_list() {
    use ws_health::policy::{Action, LogLevel, Policy};
    let recorder = support::Recorder::default();
    let mut enforced = config(feed(true, true));
    enforced.checks.insert("auth".into(), recording(true));
    let dry_run = Config {
        policy: Policy {
            on_unhealthy: vec![Action::Log {
                level: LogLevel::Warn,
            }],
            ..Policy::default()
        },
        ..enforced.clone()
    };
    let supervisor = Supervisor::builder()
        .with_config(&dry_run)
        .with_check("auth", Feed, recording(true))
        .with_check("feed", Feed, feed(true, true))
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(1));
    let conn = supervisor.supervise(transport);
    let mut health = conn.watch_health();
    failed(&mut health, "feed").await;
    assert_eq!(health.borrow().status(), Status::Unhealthy);
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());
    assert_eq!(conn.disconnect(), None);

    supervisor.reload(&enforced).unwrap();
    let close = tokio::time::timeout(ms(400), peer.next_answering_pings())
        .await
        .expect("no close at the reload")
        .expect("a close frame");
    assert_eq!(close_of(&close).0, 1011);
    assert_eq!(recorder.events().len(), 1, "{:?}", recorder.events());
}
