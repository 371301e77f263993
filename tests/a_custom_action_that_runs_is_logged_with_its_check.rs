//! A custom action that runs is logged at debug with its name, the check whose result ran
//! it, and the change: an action that logs nothing itself (a page sent elsewhere, a counter)
//! left no trace in ws-health's log of a check whose own list held only it (feed helper).

mod support;

use support::logs::Captured;
use support::{mock_transport, ms};
use ws_health::policy::{Action, ActionEvent, Policy};
use ws_health::{CheckSettings, Supervisor};

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_custom_action_that_runs_is_logged_with_its_check() {
    let logs = Captured::default();
    let _guard = logs.install("ws_health=debug");
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_policy(Policy {
            on_unhealthy: vec![Action::Custom {
                name: "page".into(),
            }],
            ..Policy::default()
        })
        .with_custom_action("page", |_: &ActionEvent<'_>| {})
        .build()
        .unwrap();
    // A peer that never answers: Unhealthy at the first ping's timeout.
    let (silent, _peer) = mock_transport::pair();
    let conn = supervisor.supervise(silent);
    tokio::time::sleep(ms(200)).await;
    let text = logs.text();
    let line = text
        .lines()
        .find(|l| l.contains("running custom action"))
        .unwrap_or_else(|| panic!("no custom action logged:\n{text}"));
    for field in [
        "action=\"page\"",
        "check=\"ping\"",
        "from=healthy",
        "to=unhealthy",
    ] {
        assert!(line.contains(field), "{field} missing: {line}");
    }
    drop(conn);
}
