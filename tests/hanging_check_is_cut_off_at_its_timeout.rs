//! A check that never finishes is cut off at its timeout — Unhealthy "timed out after ..."
//! — and its future dropped, while the other checks keep their schedule exactly.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{mock_transport, ms, recorded, Recorder, Steady};
use tokio::time::Instant;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

#[derive(Default)]
struct Log {
    started: Vec<Instant>,
    dropped: Vec<Instant>,
}

/// Records its start, then waits forever; records when its future is dropped.
struct Hangs(Arc<Mutex<Log>>);

struct OnDrop(Arc<Mutex<Log>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.lock().unwrap().dropped.push(Instant::now());
    }
}

#[async_trait]
impl HealthCheck for Hangs {
    async fn check(&self, _: &CheckContext) -> Health {
        self.0.lock().unwrap().started.push(Instant::now());
        let _guard = OnDrop(self.0.clone());
        std::future::pending::<()>().await;
        unreachable!()
    }
}

#[tokio::test(start_paused = true)]
async fn hanging_check_is_cut_off_at_its_timeout() {
    let recorder = Recorder::default();
    let hangs = Arc::new(Mutex::new(Log::default()));
    let steady_runs = Arc::new(Mutex::new(Vec::new()));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .with_check("hangs", Hangs(hangs.clone()), recorded(ms(4000), ms(1500)))
        .with_check(
            "steady",
            Steady(steady_runs.clone()),
            CheckSettings::every(ms(250), ms(100)),
        )
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, peer) = mock_transport::pair();
    peer.answer_pings_after(ms(3));
    let start = Instant::now();
    let conn = supervisor.supervise(transport);

    tokio::time::sleep(Duration::from_millis(10_100)).await;

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0].at - start,
        ms(5500),
        "cut off exactly at start + timeout"
    );
    assert_eq!(events[0].check, "hangs");
    assert_eq!(events[0].check_status, Status::Unhealthy);
    assert_eq!(events[0].reason, "timed out after 1.5s");

    let rel = |ts: &[Instant]| -> Vec<Duration> { ts.iter().map(|t| *t - start).collect() };
    {
        let log = hangs.lock().unwrap();
        // Runs start one interval apart, whatever their timeout cut off.
        assert_eq!(rel(&log.started), [ms(4000), ms(8000)]);
        assert_eq!(rel(&log.dropped), [ms(5500), ms(9500)]);
    }
    let steady: Vec<_> = (1..=40).map(|i| ms(250 * i)).collect();
    assert_eq!(rel(&steady_runs.lock().unwrap()), steady);
    assert_eq!(peer.pings_answered(), 10);
    let stats = conn.stats();
    assert_eq!((stats.pongs_received, stats.pings_missed), (10, 0));
    assert_eq!(conn.disconnect(), None);
}
