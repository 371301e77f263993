//! `hub_counts/19000` and `hub_snapshot/19000`: a hub's views of 19,000 live connections.

use std::hint::black_box;
use std::sync::Arc;

use criterion::Criterion;
use ws_health::runtime::{Hub, Side};
use ws_health::supervisor::ConnectionInfo;

use crate::memory_transport::{Counter, MemoryTransport};

const CONNECTIONS: usize = 19_000;

pub(crate) fn hub_views(c: &mut Criterion) {
    let rt = crate::paused_runtime();
    let _guard = rt.enter();
    let hub = Hub::new();
    let supervisor = crate::supervisor();
    let counter = Arc::new(Counter::default());
    // Registered as they are attached; held unpolled, the connections stay live and Healthy.
    let live: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let info = ConnectionInfo::new().with_observer(hub.observer(Side::Server));
            supervisor.attach_with(MemoryTransport::new(true, counter.clone()), info)
        })
        .collect();
    assert_eq!(hub.len(), CONNECTIONS);
    c.bench_function(&format!("hub_counts/{CONNECTIONS}"), |b| {
        b.iter(|| black_box(hub.counts()))
    });
    c.bench_function(&format!("hub_snapshot/{CONNECTIONS}"), |b| {
        b.iter(|| black_box(hub.snapshot()))
    });
    drop(live);
}
