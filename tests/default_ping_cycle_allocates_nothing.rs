//! The built-in ping check runs inline in the driver, also as `Arc<PingCheck>` or `Box<…>`: a
//! steady ping cycle (timer, ping, pong, judgement, policy step, stats) makes no heap
//! allocation. A check that overrides a
//! default method runs as a boxed future, which this counter does see.

#[allow(dead_code)]
#[path = "../benches/hot_paths/counting_alloc.rs"]
mod counting_alloc;
#[path = "../benches/hot_paths/memory_transport.rs"]
mod memory_transport;
mod support;

use std::sync::Arc;
use std::time::Duration;

use memory_transport::{Counter, MemoryTransport};
use support::runtime::echo;
use support::OwnJudgement;
use ws_health::check::PingCheck;
use ws_health::{CheckSettings, Supervisor};

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

/// Allocations per ping cycle over 1,000 cycles of one warm connection.
fn allocations_per_cycle(supervisor: Supervisor) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let counter = Arc::new(Counter::default());
    rt.block_on(async {
        let (conn, driver) = supervisor.attach(MemoryTransport::new(true, counter.clone()), None);
        tokio::spawn(futures_util::future::join(driver, echo(conn)));
        counter.wait_for(100).await;
        let before = counting_alloc::allocations();
        counter.wait_for(1000).await;
        (counting_alloc::allocations() - before) as f64 / 1000.0
    })
}

#[test]
fn default_ping_cycle_allocates_nothing() {
    let every_second = CheckSettings::every(Duration::from_secs(1), Duration::from_secs(1));
    let builtin = Supervisor::builder()
        .with_ping_settings(every_second.clone())
        .build()
        .unwrap();
    assert_eq!(allocations_per_cycle(builtin), 0.0);

    // The built-in check given explicitly, shared or boxed: still inline.
    let shared = Supervisor::builder()
        .with_ping(Arc::new(PingCheck))
        .with_ping_settings(every_second.clone())
        .build()
        .unwrap();
    assert_eq!(allocations_per_cycle(shared), 0.0);
    let boxed = Supervisor::builder()
        .with_ping(Box::new(PingCheck))
        .with_ping_settings(every_second.clone())
        .build()
        .unwrap();
    assert_eq!(allocations_per_cycle(boxed), 0.0);

    let overridden = Supervisor::builder()
        .with_ping(OwnJudgement)
        .with_ping_settings(every_second)
        .build()
        .unwrap();
    let boxed = allocations_per_cycle(overridden);
    assert!(
        boxed >= 2.0,
        "the boxed path allocates its futures: {boxed}"
    );
}
