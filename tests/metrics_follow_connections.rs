//! With the `metrics` feature, connections, status changes, missed pings, round trips and
//! closes are recorded through the `metrics` facade.
#![cfg(feature = "metrics")]

mod support;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;
use support::{mock_transport, ms};
use ws_health::policy::Policy;
use ws_health::{CheckSettings, Supervisor};

#[test]
fn metrics_follow_connections() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
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
            // One connection answers pings, one never does.
            let (answering, answering_peer) = mock_transport::pair();
            answering_peer.answer_pings_after(ms(1));
            let (silent, _silent_peer) = mock_transport::pair();
            let good = supervisor.supervise(answering);
            let bad = supervisor.supervise(silent);
            let end = bad.closed().await;
            assert_eq!(end.code, 1011);
            good.close(1000, "done").unwrap();
            good.closed().await;
        });
    });

    let values: Vec<_> = snapshotter.snapshot().into_vec();
    let find = |kind: MetricKind, name: &str, labels: &[(&str, &str)]| {
        values
            .iter()
            .find(|(key, _, _, _)| {
                key.kind() == kind
                    && key.key().name() == name
                    && labels
                        .iter()
                        .all(|(k, v)| key.key().labels().any(|l| l.key() == *k && l.value() == *v))
            })
            .map(|(_, _, _, value)| value)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in {values:#?}"))
    };
    assert_eq!(
        find(
            MetricKind::Counter,
            "ws_health_connections_opened_total",
            &[]
        ),
        &DebugValue::Counter(2)
    );
    assert_eq!(
        find(MetricKind::Counter, "ws_health_pings_missed_total", &[]),
        &DebugValue::Counter(1)
    );
    assert_eq!(
        find(
            MetricKind::Counter,
            "ws_health_connections_closed_total",
            &[("initiator", "policy"), ("code", "1011")]
        ),
        &DebugValue::Counter(1)
    );
    assert_eq!(
        find(
            MetricKind::Counter,
            "ws_health_status_changes_total",
            &[("check", "ping"), ("to", "unhealthy")]
        ),
        &DebugValue::Counter(1)
    );
    match find(MetricKind::Histogram, "ws_health_rtt_seconds", &[]) {
        DebugValue::Histogram(samples) => assert!(!samples.is_empty()),
        other => panic!("{other:?}"),
    }
    // Both connections have ended: the gauge is back to zero for every status it touched.
    let gauges: Vec<_> = values
        .iter()
        .filter(|(key, _, _, _)| key.key().name() == "ws_health_connections")
        .collect();
    assert!(
        gauges.len() >= 2,
        "healthy and unhealthy were touched: {gauges:#?}"
    );
    for (key, _, _, value) in gauges {
        match value {
            DebugValue::Gauge(g) => assert_eq!(g.into_inner(), 0.0, "{key:?}"),
            other => panic!("{other:?}"),
        }
    }
}

/// A driver dropped before its first poll still ends the connection, and is counted as
/// opened as well as closed: the two counters and the gauge agree.
#[test]
fn a_driver_dropped_unpolled_is_counted_opened_and_closed() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (transport, _peer) = mock_transport::pair();
            let (conn, driver) = Supervisor::new().attach(transport, None);
            drop(driver);
            assert_eq!(conn.disconnect().map(|end| end.code), Some(1006));
        });
    });
    let values = snapshotter.snapshot().into_vec();
    let value = |name: &str| {
        values
            .iter()
            .filter(|(key, _, _, _)| key.key().name() == name)
            .map(|(_, _, _, value)| match value {
                DebugValue::Counter(n) => *n as f64,
                DebugValue::Gauge(g) => g.into_inner(),
                other => panic!("{other:?}"),
            })
            .sum::<f64>()
    };
    assert_eq!(value("ws_health_connections_opened_total"), 1.0);
    assert_eq!(value("ws_health_connections_closed_total"), 1.0);
    assert_eq!(value("ws_health_connections"), 0.0);
}
