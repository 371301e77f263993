//! A check that panics is contained: its run counts as Unhealthy with the panic message, it
//! runs again on schedule, and the other checks, the ping and the connection carry on.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::{mock_transport, ms, recorded, Recorder, Steady};
use tokio::time::Instant;
use ws_health::tungstenite::Message;
use ws_health::{
    async_trait, CheckContext, CheckSettings, Health, HealthCheck, Status, Supervisor,
};

/// Records when it runs, then panics.
struct Panics(Arc<Mutex<Vec<Instant>>>);

#[async_trait]
impl HealthCheck for Panics {
    async fn check(&self, _: &CheckContext) -> Health {
        self.0.lock().unwrap().push(Instant::now());
        panic!("boom in check");
    }
}

#[tokio::test(start_paused = true)]
async fn panicking_check_is_contained() {
    let recorder = Recorder::default();
    let panic_runs = Arc::new(Mutex::new(Vec::new()));
    let steady_runs = Arc::new(Mutex::new(Vec::new()));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(ms(1000), ms(500)))
        .with_check(
            "panics",
            Panics(panic_runs.clone()),
            recorded(ms(2000), ms(500)),
        )
        .with_check(
            "steady",
            Steady(steady_runs.clone()),
            CheckSettings::every(ms(300), ms(100)),
        )
        .with_custom_action("record", recorder.clone())
        .build()
        .unwrap();
    let (transport, mut peer) = mock_transport::pair();
    peer.answer_pings_after(ms(2));
    let start = Instant::now();
    let mut conn = supervisor.supervise(transport);

    tokio::time::sleep(Duration::from_millis(6100)).await;

    let events = recorder.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event.at - start, ms(2000));
    assert_eq!(event.check, "panics");
    assert_eq!(event.check_status, Status::Unhealthy);
    assert_eq!(event.reason, "check panicked: boom in check");
    assert_eq!(conn.health().status(), Status::Unhealthy);
    assert_eq!(
        conn.health().reason(),
        "panics: check panicked: boom in check"
    );

    // It ran again on its own schedule; the other checks never missed a beat.
    let since = |runs: &Mutex<Vec<Instant>>| -> Vec<Duration> {
        runs.lock().unwrap().iter().map(|t| *t - start).collect()
    };
    assert_eq!(since(&panic_runs), [ms(2000), ms(4000), ms(6000)]);
    let steady: Vec<_> = (1..=20).map(|i| ms(300 * i)).collect();
    assert_eq!(since(&steady_runs), steady);
    assert_eq!(peer.pings_answered(), 6);
    let stats = conn.stats();
    assert_eq!((stats.pongs_received, stats.pings_missed), (6, 0));
    assert_eq!(stats.latency, ms(2));

    // The supervisor is alive: messages still flow both ways.
    assert_eq!(conn.disconnect(), None);
    peer.text("still there?");
    assert_eq!(conn.recv().await, Some(Message::text("still there?")));
    conn.send(Message::text("yes")).await.unwrap();
    assert_eq!(peer.recv().await, Some(Message::text("yes")));
}
