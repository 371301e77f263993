//! A test's metrics, recorded by a recorder of its own.

use std::future::Future;

use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use metrics_util::MetricKind;

/// One metric as recorded: kind, name, labels and value.
#[derive(Debug)]
pub struct Metric {
    pub kind: MetricKind,
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: DebugValue,
}

impl Metric {
    pub fn has_label(&self, key: &str, value: &str) -> bool {
        self.labels.iter().any(|(k, v)| k == key && v == value)
    }
}

/// Runs `test` on a current-thread runtime (its clock paused if `paused`), so that whatever
/// it spawns records into this thread's recorder, and returns what was recorded.
pub fn recorded<F: Future<Output = ()>>(paused: bool, test: impl FnOnce() -> F) -> Vec<Metric> {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(paused)
            .build()
            .unwrap();
        rt.block_on(test());
    });
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| Metric {
            kind: key.kind(),
            name: key.key().name().to_owned(),
            labels: key
                .key()
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect(),
            value,
        })
        .collect()
}

/// The sum of the counters and gauges named `name` whose labels include `labels`.
pub fn total(metrics: &[Metric], name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .iter()
        .filter(|m| m.name == name && labels.iter().all(|(k, v)| m.has_label(k, v)))
        .map(|m| match &m.value {
            DebugValue::Counter(n) => *n as f64,
            DebugValue::Gauge(g) => g.into_inner(),
            other => panic!("{name}: {other:?}"),
        })
        .sum()
}
