//! The metrics recorder is the application's: one that panics as a connection ends does not
//! keep the end from the connection's waiters. Before, the panic unwound out of the end
//! before its wake-ups, and `closed` never returned.
#![cfg(feature = "metrics")]

mod support;

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use support::mock_transport;
use ws_health::Supervisor;

/// Panics when asked for the closes' counter.
struct PanicsAtTheEnd;

impl Recorder for PanicsAtTheEnd {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        assert_ne!(
            key.name(),
            "ws_health_connections_closed_total",
            "the recorder broke"
        );
        Counter::noop()
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

#[test]
fn a_metrics_recorder_that_panics_at_the_end_keeps_no_waiter_waiting() {
    metrics::with_local_recorder(&PanicsAtTheEnd, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let (transport, peer) = mock_transport::pair();
            let conn = Supervisor::new().supervise(transport);
            peer.end();
            let end = support::within("the end", conn.closed()).await;
            assert_eq!(end.code, 1006, "{end}");
        });
    });
}
