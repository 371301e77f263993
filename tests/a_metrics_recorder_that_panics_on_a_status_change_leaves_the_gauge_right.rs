//! The metrics recorder is the application's: one that panics as a connection's status
//! changes neither ends the connection nor leaves the `ws_health_connections` gauge off.
//! Before, the panic came between the gauge's -1 for the old status and the update of the
//! status the connection's gauge remembered: the task unwound, the gauge's drop took the old
//! status off a second time (healthy -1, unhealthy +1, for good), and the connection ended
//! as "dropped" (1006) instead of as its policy said (1011).
#![cfg(feature = "metrics")]

mod support;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use support::{mock_transport, ms};
use ws_health::policy::Policy;
use ws_health::{CheckSettings, Supervisor};

/// Records as the debugging recorder does, but panics when asked for the status changes'
/// counter.
struct PanicsOnAStatusChange(DebuggingRecorder);

impl Recorder for PanicsOnAStatusChange {
    fn describe_counter(&self, k: KeyName, u: Option<Unit>, d: SharedString) {
        self.0.describe_counter(k, u, d)
    }
    fn describe_gauge(&self, k: KeyName, u: Option<Unit>, d: SharedString) {
        self.0.describe_gauge(k, u, d)
    }
    fn describe_histogram(&self, k: KeyName, u: Option<Unit>, d: SharedString) {
        self.0.describe_histogram(k, u, d)
    }
    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        assert_ne!(
            key.name(),
            "ws_health_status_changes_total",
            "the recorder broke"
        );
        self.0.register_counter(key, metadata)
    }
    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.0.register_gauge(key, metadata)
    }
    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        self.0.register_histogram(key, metadata)
    }
}

#[test]
fn a_metrics_recorder_that_panics_on_a_status_change_leaves_the_gauge_right() {
    let recorder = PanicsOnAStatusChange(DebuggingRecorder::new());
    let snapshotter = recorder.0.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let supervisor = Supervisor::builder()
                .with_ping_settings(CheckSettings::every(ms(100), ms(50)))
                .with_policy(Policy {
                    close_timeout: ms(10),
                    ..Policy::default()
                })
                .build()
                .unwrap();
            // A peer that never answers: Healthy, then Unhealthy and closed by the policy.
            let (silent, _peer) = mock_transport::pair();
            let conn = supervisor.supervise(silent);
            let end = support::within("the end", conn.closed()).await;
            assert_eq!(end.code, 1011, "{end}");
        });
    });
    let gauges: Vec<_> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == "ws_health_connections")
        .collect();
    assert!(gauges.len() >= 2, "healthy and unhealthy: {gauges:#?}");
    for (key, _, _, value) in gauges {
        match value {
            DebugValue::Gauge(g) => assert_eq!(g.into_inner(), 0.0, "{key:?}"),
            other => panic!("{other:?}"),
        }
    }
}
