//! A custom action is told the connection's state and peer address: an action that pages
//! about a device names it without a lookup in the hub (before, it had only the id).

mod support;

use std::sync::{Arc, Mutex};

use support::{mock_transport, ms};
use ws_health::policy::{Action, ActionEvent, Policy};
use ws_health::supervisor::ConnectionInfo;
use ws_health::{CheckSettings, Supervisor};

struct Device {
    name: &'static str,
}

#[tokio::test(start_paused = true)]
async fn custom_action_reads_the_connections_state_and_peer() {
    let paged = Arc::new(Mutex::new(Vec::new()));
    let page = {
        let paged = paged.clone();
        move |event: &ActionEvent<'_>| {
            let device = event.state::<Device>().map(|d| d.name);
            let wrong_type = event.state::<String>().is_some();
            paged.lock().unwrap().push((device, wrong_type, event.peer));
        }
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
        .with_policy(Policy {
            on_unhealthy: vec![Action::Custom {
                name: "page".into(),
            }],
            ..Policy::default()
        })
        .with_custom_action("page", page)
        .build()
        .unwrap();
    let peer = "192.0.2.7:4000".parse().unwrap();
    // A peer that never answers: Unhealthy at the first ping's timeout.
    let (silent, _silent_peer) = mock_transport::pair();
    let info = ConnectionInfo::new()
        .with_peer(peer)
        .with_state(Arc::new(Device { name: "meter-17" }));
    let (conn, driver) = supervisor.attach_with(silent, info);
    tokio::spawn(driver);
    let (bare, _bare_peer) = mock_transport::pair();
    let bare = supervisor.supervise(bare);

    tokio::time::sleep(ms(200)).await;
    let mut paged = paged.lock().unwrap().clone();
    paged.sort();
    assert_eq!(
        paged,
        [(None, false, None), (Some("meter-17"), false, Some(peer))]
    );
    drop((conn, bare));
}
