//! With the `metrics` feature, connections, status changes, missed pings, round trips and
//! closes are recorded through the `metrics` facade.
#![cfg(feature = "metrics")]

mod support;

use metrics_util::debugging::DebugValue;
use metrics_util::MetricKind;
use support::{mock_transport, ms};
use ws_health::policy::Policy;
use ws_health::{CheckSettings, Supervisor};

#[test]
fn metrics_follow_connections() {
    let recorded = support::metrics::recorded(true, || async {
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

    let total = |name, labels: &[(&str, &str)]| support::metrics::total(&recorded, name, labels);
    assert_eq!(total("ws_health_connections_opened_total", &[]), 2.0);
    assert_eq!(total("ws_health_pings_missed_total", &[]), 1.0);
    let closed = [("initiator", "policy"), ("code", "1011")];
    assert_eq!(total("ws_health_connections_closed_total", &closed), 1.0);
    let unhealthy = [("check", "ping"), ("to", "unhealthy")];
    assert_eq!(total("ws_health_status_changes_total", &unhealthy), 1.0);
    let rtt = recorded
        .iter()
        .find(|m| m.name == "ws_health_rtt_seconds" && m.kind == MetricKind::Histogram);
    match rtt.map(|m| &m.value) {
        Some(DebugValue::Histogram(samples)) => assert!(!samples.is_empty()),
        other => panic!("{other:?}"),
    }
    // Both connections have ended: the gauge is back to zero for every status it touched.
    let gauges: Vec<_> = recorded
        .iter()
        .filter(|m| m.name == "ws_health_connections")
        .collect();
    assert!(
        gauges.len() >= 2,
        "healthy and unhealthy were touched: {gauges:#?}"
    );
    for gauge in gauges {
        match &gauge.value {
            DebugValue::Gauge(g) => assert_eq!(g.into_inner(), 0.0, "{gauge:?}"),
            other => panic!("{other:?}"),
        }
    }
}

/// A driver dropped before its first poll still ends the connection, and is counted as
/// opened as well as closed: the two counters and the gauge agree.
#[test]
fn a_driver_dropped_unpolled_is_counted_opened_and_closed() {
    let recorded = support::metrics::recorded(false, || async {
        let (transport, _peer) = mock_transport::pair();
        let (conn, driver) = Supervisor::new().attach(transport, None);
        drop(driver);
        assert_eq!(conn.disconnect().map(|end| end.code), Some(1006));
    });
    let total = |name| support::metrics::total(&recorded, name, &[]);
    assert_eq!(total("ws_health_connections_opened_total"), 1.0);
    assert_eq!(total("ws_health_connections_closed_total"), 1.0);
    assert_eq!(total("ws_health_connections"), 0.0);
}
