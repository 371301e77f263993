//! `ws_health::metrics::describe` gives the recorder a description and a unit for every
//! metric in the `metrics` module's table (a Prometheus exporter's `# HELP`), so that an
//! operator's dashboard says what each one counts; the table is read from the source, so a
//! metric added to it without a description fails here.
#![cfg(feature = "metrics")]

use metrics::Unit;
use metrics_util::debugging::DebuggingRecorder;
use metrics_util::MetricKind;

/// Each metric of the module's table: its name and kind.
fn table() -> Vec<(String, MetricKind)> {
    include_str!("../src/metrics.rs")
        .lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("//! | `ws_health_")?.split('|');
            let name = format!("ws_health_{}", cells.next()?.trim().trim_end_matches('`'));
            let kind = match cells.next()?.trim() {
                "counter" => MetricKind::Counter,
                "gauge" => MetricKind::Gauge,
                "histogram" => MetricKind::Histogram,
                other => panic!("{name}: kind {other:?}"),
            };
            Some((name, kind))
        })
        .collect()
}

#[test]
fn metrics_are_described_to_the_recorder() {
    let metrics = table();
    assert_eq!(metrics.len(), 8, "{metrics:?}");
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        ws_health::metrics::describe();
        // The debugging recorder reports descriptions of metrics it has seen.
        for (name, kind) in &metrics {
            match kind {
                MetricKind::Counter => drop(metrics::counter!(name.clone())),
                MetricKind::Gauge => drop(metrics::gauge!(name.clone())),
                MetricKind::Histogram => drop(metrics::histogram!(name.clone())),
            }
        }
    });
    let snapshot = snapshotter.snapshot().into_vec();
    for (name, kind) in &metrics {
        let (_, unit, description, _) = snapshot
            .iter()
            .find(|(key, ..)| key.key().name() == name && key.kind() == *kind)
            .unwrap_or_else(|| panic!("{name} not recorded"));
        let described = description.as_ref().map(|d| d.to_string());
        assert!(
            described.as_ref().is_some_and(|d| d.len() > 10),
            "{name}: {described:?}"
        );
        let expected = match name.ends_with("_seconds") {
            true => Unit::Seconds,
            false => Unit::Count,
        };
        assert_eq!(*unit, Some(expected), "{name}");
    }
}
