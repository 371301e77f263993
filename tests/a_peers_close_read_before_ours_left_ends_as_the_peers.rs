//! The peer's close read while the application's has not left yet ends the connection as the
//! peer's, with its code: ours is never sent. It used to end as ours, so a reconnecting
//! client whose on-connect hook failed as the server closed with a final code (4001, say)
//! retried forever, never seeing that code. A policy's close keeps its outcome: its code and
//! its `reconnect` are the policy's decision.

mod support;

use support::{mock_transport, ms, policy_closing_within};
use ws_health::policy::Action;
use ws_health::{CheckSettings, Initiator, Supervisor};

#[tokio::test(start_paused = true)]
async fn a_peers_close_read_before_ours_left_ends_as_the_peers() {
    let (transport, peer) = mock_transport::pair();
    // The driver is spawned, not yet polled: both closes wait for its first poll.
    let conn = Supervisor::new().supervise(transport);
    peer.close(4001, "session revoked");
    conn.close(1011, "on-connect hook failed").unwrap();
    let end = support::within("the end", conn.closed()).await;
    assert_eq!(
        (end.initiator, end.code, end.reason.as_str()),
        (Initiator::Peer, 4001, "session revoked"),
        "{end}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_policys_reconnect_is_kept_when_the_peers_close_crosses_it() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            on_unhealthy: Some(vec![Action::Reconnect]),
            ..CheckSettings::every(ms(100), ms(50))
        })
        .with_policy(policy_closing_within(ms(300)))
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    // Nothing leaves: the ping is missed, and the policy's close waits to be written.
    peer.hold_writes();
    let conn = supervisor.supervise(transport);
    tokio::time::sleep(ms(200)).await;
    peer.close(4001, "session revoked");
    let end = support::within("the end", conn.closed()).await;
    assert_eq!(end.initiator, Initiator::Policy, "{end}");
    assert!(end.reconnect, "{end}");
}
