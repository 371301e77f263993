//! "timed out after T" names the time the run had: its timeout, or longer when the timeout
//! was extended (a ping of the run's that left late, behind our own writes, gets its full
//! timeout from when it left). It named the configured timeout in both cases. On a real
//! clock the time is named to the millisecond: it read "timed out after 10.009840958s".

mod support;

use std::time::Duration;

use bytes::Bytes;
use support::{mock_transport, ms, recorded, Recorder};
use tokio::time::{sleep_until, Instant};
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

/// Pings, then waits forever for something else.
struct PingsThenHangs;

#[async_trait]
impl HealthCheck for PingsThenHangs {
    async fn check(&self, ctx: &CheckContext) -> Health {
        let _ = ctx.ping(Bytes::from_static(b"x")).await;
        std::future::pending().await
    }
}

/// What the recorder saw of a run whose ping waits behind a held flush until 0.9 s and `past`
/// and is answered 0.3 s after it left, with when each came, from the start.
async fn run_released_at(past: Duration) -> Vec<(Duration, String)> {
    let recorder = Recorder::default();
    let settings = CheckSettings {
        initial_delay: Some(ms(0)),
        slack: ms(0),
        ..recorded(ms(10_000), ms(1000))
    };
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("pings_then_hangs", PingsThenHangs, settings)
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.hold_flushes();
    peer.answer_pings_after(ms(300));
    let start = Instant::now();
    let _conn = supervisor.supervise(transport);
    sleep_until(start + ms(900)).await;
    // Timers wake on whole milliseconds; the clock can be moved by less.
    tokio::time::advance(past).await;
    peer.release_flushes();
    sleep_until(start + ms(3000)).await;
    let events = recorder.events().into_iter();
    events.map(|e| (e.at - start, e.reason)).collect()
}

#[tokio::test(start_paused = true)]
async fn timed_out_reason_names_the_time_the_run_had() {
    // Extended at 1 s to 0.9 s + 1 s; the pong at 1.2 s; then nothing until 1.9 s.
    let events = run_released_at(Duration::ZERO).await;
    assert_eq!(events, [(ms(1900), "timed out after 1.9s".to_owned())]);
}

#[tokio::test(start_paused = true)]
async fn timed_out_reason_names_the_time_to_the_millisecond() {
    // The ping leaves at 900.3 ms, as a real clock's instants fall: its run is extended to
    // 1900.3 ms, which the reason names to the millisecond.
    let events = run_released_at(Duration::from_micros(300)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1, "timed out after 1.9s");
}
