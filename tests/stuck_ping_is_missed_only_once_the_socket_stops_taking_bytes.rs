//! The write-progress rule, on a paused clock: a ping stuck behind our own writes (flushes
//! held, as on a full socket) gets another timeout at each deadline for as long as the
//! socket's byte count moved since the flush stalled or since the previous deadline, and is
//! missed at the first deadline where it did not. One connection's socket drains until
//! 2.55 s and then stops: its ping, due at 1 s, is missed at 3.5 s (deadlines at 1.5, 2, 2.5
//! and 3 s each saw bytes taken). The other's drains the same way and its flush then goes
//! through at 2.75 s: its ping is answered, not missed. Without a count the same ping is
//! missed at 1.5 s (`pong_deadline_and_rtt_run_from_the_flush.rs`).

mod support;

use support::mock_transport::{self, MockPeer};
use support::{ms, policy_closing_within};
use tokio::time::{sleep_until, Instant};
use ws_health::check::PingCheck;
use ws_health::lean::WriteProgress;
use ws_health::supervisor::{ConnectionInfo, Initiator};
use ws_health::{CheckSettings, Connection, Supervisor};

#[tokio::test(start_paused = true)]
async fn stuck_ping_is_missed_only_once_the_socket_stops_taking_bytes() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(exact(CheckSettings::every(ms(1000), ms(500))))
        .with_policy(policy_closing_within(ms(250)))
        .build()
        .unwrap();
    let start = Instant::now();
    let connections = [stuck(&supervisor), stuck(&supervisor)];

    // Both sockets take bytes every 100 ms from 1.05 s to 2.55 s, between the deadlines.
    for k in 0..16 {
        sleep_until(start + ms(1050 + 100 * k)).await;
        for (_, _, progress) in &connections {
            progress.add(1000);
        }
    }
    // The second one's flush then completes, and its peer answers at once.
    sleep_until(start + ms(2750)).await;
    let (answered, answered_peer, _) = &connections[1];
    answered_peer.answer_pings_after(ms(10));
    answered_peer.release_flushes();

    let (stuck, _, _) = &connections[0];
    sleep_until(start + ms(3499)).await;
    assert_eq!(stuck.disconnect(), None, "missed while the socket drained");
    assert!(stuck.health().is_healthy(), "{}", stuck.health());
    let end = support::within("the miss", stuck.closed()).await;
    assert_eq!(
        Instant::now() - start,
        ms(3500 + 250),
        "missed at 3.5 s, dropped at the close timeout"
    );
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    assert_eq!(end.reason, "keepalive ping timeout");
    assert_eq!(stuck.stats().pings_missed, 1);

    assert_eq!(answered.disconnect(), None);
    assert!(answered.health().is_healthy(), "{}", answered.health());
    let stats = answered.stats();
    // Answered, and the next ping (due at once: the first run overran its interval) too.
    assert!(
        stats.pongs_received >= 1 && stats.pings_missed == 0,
        "{stats:?}"
    );
    assert_eq!(stats.latency, ms(10));
}

/// Two ping checks stuck behind the same slow drain, their deadlines in one pass: each judges
/// the bytes taken since its own last look, so the second is not missed because the first
/// looked just before it.
#[tokio::test(start_paused = true)]
async fn two_checks_stuck_behind_one_drain_each_get_their_extension() {
    let settings = exact(CheckSettings::every(ms(1000), ms(500)));
    let supervisor = Supervisor::builder()
        .with_ping_settings(settings.clone())
        .with_check("second ping", PingCheck, settings)
        .with_policy(policy_closing_within(ms(250)))
        .build()
        .unwrap();
    let start = Instant::now();
    let (conn, peer, progress) = stuck(&supervisor);

    for k in 0..16 {
        sleep_until(start + ms(1050 + 100 * k)).await;
        progress.add(1000);
    }
    sleep_until(start + ms(2750)).await;
    peer.answer_pings_after(ms(10));
    peer.release_flushes();
    sleep_until(start + ms(2800)).await;

    assert_eq!(conn.disconnect(), None);
    assert!(conn.health().is_healthy(), "{}", conn.health());
    let stats = conn.stats();
    assert!(
        stats.pongs_received >= 2 && stats.pings_missed == 0,
        "{stats:?}"
    );
}

/// A connection whose flushes are held, as on a full socket, with the count of the bytes its
/// socket takes.
fn stuck(supervisor: &Supervisor) -> (Connection, MockPeer, WriteProgress) {
    let (transport, peer) = mock_transport::pair();
    let progress = WriteProgress::new();
    let info = ConnectionInfo::new().with_write_progress(progress.clone());
    let (conn, driver) = supervisor.attach_with(transport, info);
    tokio::spawn(driver);
    peer.hold_flushes();
    (conn, peer, progress)
}

/// No timer slack: its grid is counted from one instant of the process, which another test
/// of this binary may have set off tokio's millisecond ticks, and each deadline computed from
/// a late wake-up would then fall on the next step of that grid.
fn exact(settings: CheckSettings) -> CheckSettings {
    CheckSettings {
        slack: std::time::Duration::ZERO,
        ..settings
    }
}

/// Bytes taken early in a stall are not progress for a run started after them: with a
/// threshold of two, a socket that took bytes once and then nothing closes at the second
/// run's first deadline, not one timeout later.
#[tokio::test(start_paused = true)]
async fn a_run_started_during_a_stall_counts_only_later_bytes() {
    let supervisor = Supervisor::builder()
        .with_ping_settings(exact(CheckSettings {
            failure_threshold: 2,
            ..CheckSettings::every(ms(1000), ms(500))
        }))
        .with_policy(policy_closing_within(ms(250)))
        .build()
        .unwrap();
    let start = Instant::now();
    let (conn, _peer, progress) = stuck(&supervisor);
    sleep_until(start + ms(1050)).await;
    progress.add(1000);

    // The first run: extended at 1.5 s (bytes since the stall), missed at 2 s; the second,
    // started then, missed at its first deadline, 2.5 s.
    let end = support::within("the second miss", conn.closed()).await;
    assert_eq!(Instant::now() - start, ms(2500 + 250));
    assert_eq!((end.initiator, end.code), (Initiator::Policy, 1011));
    assert_eq!(conn.stats().pings_missed, 2);
}
