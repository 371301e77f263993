//! Timer slack: connections opened a few milliseconds apart send their pings at the same
//! instants, the next multiples of `slack` (one grid for the whole process), never before a
//! ping is due and less than `slack` after (plus tokio's millisecond). With no slack each ping
//! leaves when it is due, to the millisecond.

mod support;

use std::time::Duration;

use support::{mock_transport, ms};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Supervisor};

/// tokio's timer resolution: a deadline fires at the millisecond tick at or after it.
const TICK: Duration = Duration::from_millis(1);

/// Opens connections `gaps` apart (in ms) and returns, for each, when its first ping was
/// due and when it was flushed.
async fn first_pings(slack: Duration, gaps: &[u64]) -> Vec<(Instant, Instant)> {
    let interval = ms(1000);
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            slack,
            ..CheckSettings::every(interval, ms(500))
        })
        .build()
        .unwrap();
    let mut pings = Vec::new();
    let mut connections = Vec::new();
    for &gap in gaps {
        tokio::time::advance(ms(gap)).await;
        let (transport, mut peer) = mock_transport::pair();
        let due = Instant::now() + interval;
        connections.push(supervisor.supervise(transport));
        // Let the driver's task start now, before the clock moves on: its first ping is due
        // one interval after its first poll.
        tokio::task::yield_now().await;
        pings.push(tokio::spawn(async move {
            let Some(Message::Ping(_)) = peer.recv().await else {
                panic!("expected a ping")
            };
            (due, Instant::now())
        }));
    }
    let mut out = Vec::new();
    for ping in pings {
        out.push(ping.await.unwrap());
    }
    out
}

#[tokio::test(start_paused = true)]
async fn pings_due_within_the_slack_go_out_together() {
    let slack = ms(10);
    let pings = first_pings(slack, &[0, 1, 2, 3, 2, 1]).await;
    let first_sent = pings[0].1;
    for &(due, sent) in &pings {
        assert!(
            sent >= due && sent - due < slack + TICK,
            "a ping due at +{:?} left {:?} later (slack {slack:?})",
            due - pings[0].0,
            sent - due
        );
        let apart = sent - first_sent;
        assert_eq!(
            apart.as_nanos() % slack.as_nanos(),
            0,
            "pings left {apart:?} apart: not on one grid of {slack:?}"
        );
    }
    // Due over 9 ms, less than one slack: sent at one instant, or two if a multiple of the
    // slack falls in between.
    let mut instants: Vec<Instant> = pings.iter().map(|&(_, sent)| sent).collect();
    instants.dedup();
    assert!(instants.len() <= 2, "{} instants", instants.len());
}

#[tokio::test(start_paused = true)]
async fn without_slack_each_ping_leaves_when_it_is_due() {
    let pings = first_pings(Duration::ZERO, &[0, 1, 3]).await;
    for &(due, sent) in &pings {
        assert!(sent >= due && sent - due <= TICK, "{:?} late", sent - due);
    }
    assert_eq!(pings[1].1 - pings[0].1, ms(1));
    assert_eq!(pings[2].1 - pings[1].1, ms(3));
}
