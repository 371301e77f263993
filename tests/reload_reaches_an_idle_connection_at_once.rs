//! A reload reaches a connection asleep on its timer at once, and reschedules the run it
//! was waiting for on the new interval: a connection pinging every 60 s, reloaded at 1 s to
//! ping every 2 s, pings at 2 s (the first point of its new grid), not at 60 s;
//! reloaded back to 60 s, it waits the whole new interval from its last ping. A first run
//! after an explicit initial delay keeps its time, and a check enabled again keeps its place
//! in the cycle.

mod support;

use std::time::Duration;

use support::mock_transport;
use tokio::time::{sleep_until, Instant};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Config, Supervisor};

fn every(interval: Duration) -> CheckSettings {
    CheckSettings {
        slack: Duration::ZERO,
        jitter: Duration::ZERO,
        ..CheckSettings::every(interval, Duration::from_secs(1))
    }
}

/// A connection supervised with `ping` from the start of a paused clock.
struct Pinged {
    supervisor: Supervisor,
    peer: support::MockPeer,
    start: Instant,
    _conn: ws_health::Connection,
}

impl Pinged {
    fn new(ping: CheckSettings) -> Pinged {
        let supervisor = Supervisor::builder()
            .with_ping_settings(ping)
            .build()
            .unwrap();
        let (transport, peer) = mock_transport::pair();
        let conn = supervisor.supervise(transport);
        Pinged {
            supervisor,
            peer,
            start: Instant::now(),
            _conn: conn,
        }
    }

    /// Reloads `ping` at `at` (from the start), with no ping before.
    async fn reload(&mut self, at: Duration, ping: CheckSettings) {
        sleep_until(self.start + at).await;
        assert!(self.peer.try_recv().is_none(), "a ping before the reload");
        let config = Config {
            ping,
            ..Config::default()
        };
        self.supervisor.reload(&config).unwrap();
    }

    /// Reloads `ping` at `at` (from the start); the time of the next ping, answered.
    async fn reload_then_ping(&mut self, at: Duration, ping: CheckSettings) -> Duration {
        self.reload(at, ping).await;
        let Some(Message::Ping(payload)) = self.peer.recv().await else {
            panic!("no ping");
        };
        self.peer.pong(payload);
        self.start.elapsed()
    }
}

#[tokio::test(start_paused = true)]
async fn reload_reaches_an_idle_connection_at_once() {
    let (minute, two) = (Duration::from_secs(60), Duration::from_secs(2));
    let mut conn = Pinged::new(every(minute));
    let first = conn
        .reload_then_ping(Duration::from_secs(1), every(two))
        .await;
    assert_eq!(first, two, "the first ping's time");
    // Back to a minute, at 2.5 s: the next ping a minute after the last, at 62 s.
    let second = conn
        .reload_then_ping(Duration::from_millis(2500), every(minute))
        .await;
    assert_eq!(second, Duration::from_secs(62), "the second ping's time");
}

/// Moved onto the new spacing, a connection keeps its place in the cycle: reloaded at 5 s
/// from a minute to 2 s, it pings at 6 s (its grid through 0 s: 0, 2, 4, 6), not at the
/// reload, where every connection of the supervisor would ping in step.
#[tokio::test(start_paused = true)]
async fn a_reload_keeps_each_connection_s_place_in_the_cycle() {
    let mut conn = Pinged::new(every(Duration::from_secs(60)));
    let first = conn
        .reload_then_ping(Duration::from_secs(5), every(Duration::from_secs(2)))
        .await;
    assert_eq!(first, Duration::from_secs(6), "the first ping's time");
}

fn with_delay(interval: Duration, initial_delay: Duration) -> CheckSettings {
    CheckSettings {
        initial_delay: Some(initial_delay),
        ..every(interval)
    }
}

/// A first run after an explicit `initial_delay` keeps its time through a reload, whatever
/// the new settings say of an initial delay (which is for connections opened after it).
#[tokio::test(start_paused = true)]
async fn a_reload_keeps_a_first_run_s_initial_delay() {
    let (ten, minute) = (Duration::from_secs(10), Duration::from_secs(60));
    let mut conn = Pinged::new(with_delay(minute, ten));
    let first = conn
        .reload_then_ping(
            Duration::from_secs(1),
            with_delay(Duration::from_secs(2), ten),
        )
        .await;
    assert_eq!(first, ten, "the first ping's time");

    let mut conn = Pinged::new(with_delay(minute, Duration::from_secs(5)));
    let first = conn
        .reload_then_ping(Duration::from_secs(1), every(Duration::from_secs(120)))
        .await;
    assert_eq!(
        first,
        Duration::from_secs(5),
        "the first ping's time, delay dropped"
    );

    // Judged by how the first run was scheduled, not by the plan before the last reload.
    let mut conn = Pinged::new(with_delay(minute, Duration::from_secs(5)));
    conn.reload(Duration::from_secs(1), every(minute)).await;
    let first = conn
        .reload_then_ping(Duration::from_secs(2), every(Duration::from_secs(120)))
        .await;
    assert_eq!(first, Duration::from_secs(5), "after a second reload");
}

/// A first run an interval after the start (no initial delay) moves onto the new grid,
/// even if the new settings bring an initial delay.
#[tokio::test(start_paused = true)]
async fn a_reload_moves_a_first_run_without_initial_delay() {
    let mut conn = Pinged::new(every(Duration::from_secs(60)));
    let new = with_delay(Duration::from_secs(2), Duration::from_secs(10));
    let first = conn.reload_then_ping(Duration::from_secs(1), new).await;
    assert_eq!(first, Duration::from_secs(2), "the first ping's time");

    // Also when an earlier reload brought the delay.
    let mut conn = Pinged::new(every(Duration::from_secs(60)));
    let delayed = with_delay(Duration::from_secs(60), Duration::from_secs(10));
    conn.reload(Duration::from_secs(1), delayed).await;
    let first = conn
        .reload_then_ping(Duration::from_millis(1500), every(Duration::from_secs(2)))
        .await;
    assert_eq!(first, Duration::from_secs(2), "after a second reload");
}

/// A check disabled and enabled again runs at the next point of its grid, not at once,
/// where every connection of the supervisor would run it in step.
#[tokio::test(start_paused = true)]
async fn a_check_enabled_again_keeps_its_place_in_the_cycle() {
    let two = Duration::from_secs(2);
    let mut conn = Pinged::new(every(two));
    let off = CheckSettings {
        enabled: false,
        ..every(two)
    };
    conn.reload(Duration::from_secs(1), off).await;
    let first = conn
        .reload_then_ping(Duration::from_millis(11_500), every(two))
        .await;
    assert_eq!(first, Duration::from_secs(12), "the first ping's time");

    // Enabled again with a new interval while its next point still lies ahead: the new
    // grid, as for an enabled check (60 s grid through 0; 2 s apart from 21 s: 22 s).
    let minute = Duration::from_secs(60);
    let mut conn = Pinged::new(every(minute));
    let off = CheckSettings {
        enabled: false,
        ..every(minute)
    };
    conn.reload(Duration::from_secs(10), off).await;
    let first = conn
        .reload_then_ping(Duration::from_secs(21), every(two))
        .await;
    assert_eq!(first, Duration::from_secs(22), "with a new interval");
}
