//! A pong that comes after its ping was counted missed is logged with its round trip: the mark
//! of a timeout shorter than the path's round trip, not of a dead peer. It was ignored at
//! trace, so a timeout set below the round trip closed healthy peers with nothing in the logs
//! to tell them from dead ones. At info when the miss is closing the connection; at debug
//! otherwise, where it changes nothing (a connection kept by its policy, or one whose pongs
//! always queue behind data and that passes by `data_counts_as_liveness`).

mod support;

use support::logs::Captured;
use support::raw_peer::{RawPeer, PING};
use support::{mock_transport, ms, within};
use tokio::time::{sleep_until, Instant};
use ws_health::policy::{Action, Policy};
use ws_health::{CheckSettings, Supervisor};

/// The lines of `text` about a late pong.
fn late_pongs(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.contains("counted missed"))
        .collect()
}

#[tokio::test]
async fn a_pong_after_its_ping_was_missed_is_logged_at_info_as_the_miss_closes() {
    let logs = Captured::default();
    let _guard = logs.install("ws_health=info");
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            initial_delay: Some(ms(0)),
            ..CheckSettings::every(ms(60_000), ms(100))
        })
        .with_policy(support::policy_closing_within(ms(10_000)))
        .build()
        .unwrap();
    let (addr, mut conns) = support::supervised_server(supervisor).await;
    let mut peer = RawPeer::connect(addr).await;
    let conn = within("the connection", conns.recv()).await.unwrap();
    let ping = within("the ping", peer.read_frame()).await.unwrap();
    assert_eq!(ping.opcode, PING);
    // The pong only once the miss has closed the connection.
    let close = within("the close", peer.read_frame()).await.unwrap();
    assert_eq!(close.close_code(), 1011);
    peer.pong(&ping.payload).await;
    peer.close(1011, "").await;
    let end = within("the end", conn.closed()).await;
    assert_eq!(
        (end.code, end.reason.as_str()),
        (1011, "keepalive ping timeout")
    );

    let text = logs.text();
    let late = late_pongs(&text);
    assert_eq!(late.len(), 1, "{text}");
    assert!(
        late[0].contains(" INFO ") && late[0].contains("rtt="),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_pong_after_a_miss_that_changes_nothing_is_logged_at_debug() {
    let logs = Captured::default();
    let _guard = logs.install("ws_health=debug");
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            initial_delay: Some(ms(0)),
            slack: ms(0),
            ..CheckSettings::every(ms(1000), ms(100))
        })
        // Keeps the connection.
        .with_policy(Policy {
            on_unhealthy: vec![Action::Log {
                level: Default::default(),
            }],
            ..Policy::default()
        })
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(150));
    let start = Instant::now();
    let conn = supervisor.supervise(transport);
    sleep_until(start + ms(500)).await;

    let stats = conn.stats();
    assert_eq!((stats.pings_missed, stats.pongs_received), (1, 0));
    let text = logs.text();
    let late = late_pongs(&text);
    assert_eq!(late.len(), 1, "{text}");
    assert!(
        late[0].contains("DEBUG") && late[0].contains("rtt=150ms"),
        "{text}"
    );
}
