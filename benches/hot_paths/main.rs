//! Micro-benchmarks of ws-health's hot paths (criterion), and the allocation and heap
//! figures of docs/performance.md.
//!
//! `cargo bench --bench hot_paths` first prints allocations per ping cycle and heap bytes
//! per connection (ws-health and the hand-written loop over the same in-memory transport,
//! so the figures are the supervision's own, without tungstenite's buffers or the kernel),
//! then runs:
//! - `ping_cycle/*`: one whole ping cycle over the in-memory transport with a paused clock:
//!   timer fires, check starts, ping written and flushed, pong read and matched, result
//!   judged, policy stepped, stats updated, next check scheduled;
//! - `ping_cycle_100k/*`: the same with 100,000 connections pinging in turn, so that each
//!   connection's state is cold in the CPU caches when its ping comes round, as at scale;
//! - `match_pong/*`: matching a pong to its ping among 1 or 4 in flight, recording the RTT;
//! - `policy_step`: one `PolicyEngine::observe`;
//! - `stats_update`: one RTT sample into the connection's lock-free stats;
//! - `schedule_next_check`: re-arming a connection's timer among 10,000 armed timers;
//! - `hub_counts/19000`, `hub_snapshot/19000`: a hub's counts per status and its snapshot
//!   of 19,000 live connections.

mod counting_alloc;
#[path = "../scale/handwritten_loop.rs"]
mod handwritten;
mod hub_views;
mod memory_transport;

#[allow(dead_code, unreachable_pub, unused_imports)]
#[path = "../../src/stats.rs"]
mod stats;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::Criterion;
use tokio::runtime::Runtime;
use ws_health::policy::{PolicyEngine, Rule};
use ws_health::{CheckSettings, Connection, Status, Supervisor};

use memory_transport::{Counter, MemoryTransport};

#[global_allocator]
static GLOBAL: counting_alloc::Counting = counting_alloc::Counting;

const INTERVAL: Duration = Duration::from_secs(1);

fn paused_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("tokio runtime")
}

fn supervisor() -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings::every(INTERVAL, INTERVAL))
        .build()
        .expect("valid settings")
}

async fn echo(mut conn: Connection) {
    while let Some(message) = conn.recv().await {
        if conn.send(message).await.is_err() {
            break;
        }
    }
}

/// Starts one connection of the given kind on the current runtime, as the scale bench's
/// servers do (ws-health: driver and echo handler joined on one task).
fn spawn(kind: Kind, supervisor: &Supervisor, counter: &Arc<Counter>) {
    let transport = MemoryTransport::new(true, counter.clone());
    match kind {
        Kind::WsHealth => {
            let (conn, driver) = supervisor.attach(transport, None);
            tokio::spawn(async move {
                futures_util::future::join(driver, echo(conn)).await;
            });
        }
        Kind::Handwritten => {
            tokio::spawn(handwritten::keepalive(transport, INTERVAL, INTERVAL));
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    WsHealth,
    Handwritten,
}

/// Allocations per ping cycle, and heap bytes held per connection.
fn allocation_report(kind: Kind) -> (f64, f64) {
    let rt = paused_runtime();
    let supervisor = supervisor();
    let counter = Arc::new(Counter::default());
    rt.block_on(async {
        spawn(kind, &supervisor, &counter);
        counter.wait_for(100).await;
        let before = counting_alloc::allocations();
        counter.wait_for(10_000).await;
        let per_cycle = (counting_alloc::allocations() - before) as f64 / 10_000.0;

        const N: usize = 1000;
        let transports_only = {
            let base = counting_alloc::live_bytes();
            let v: Vec<_> = (0..N)
                .map(|_| MemoryTransport::new(true, counter.clone()))
                .collect();
            let bytes = counting_alloc::live_bytes() - base;
            drop(v);
            bytes
        };
        let base = counting_alloc::live_bytes();
        for _ in 0..N {
            spawn(kind, &supervisor, &counter);
        }
        counter.wait_for(3 * N as u64).await;
        let held = counting_alloc::live_bytes() - base - transports_only;
        (per_cycle, held as f64 / N as f64)
    })
}

fn ping_cycle(c: &mut Criterion) {
    for (name, kind, connections) in [
        ("ping_cycle/ws_health", Kind::WsHealth, 1),
        ("ping_cycle/handwritten", Kind::Handwritten, 1),
        ("ping_cycle_100k/ws_health", Kind::WsHealth, 100_000),
        ("ping_cycle_100k/handwritten", Kind::Handwritten, 100_000),
    ] {
        let rt = paused_runtime();
        let supervisor = supervisor();
        let counter = Arc::new(Counter::default());
        rt.block_on(async {
            for _ in 0..connections {
                spawn(kind, &supervisor, &counter);
            }
        });
        c.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let started = std::time::Instant::now();
                    counter.wait_for(iters).await;
                    started.elapsed()
                })
            })
        });
    }
}

fn match_pong(c: &mut Criterion) {
    let now = tokio::time::Instant::now();
    for in_flight in [1usize, 4] {
        let payloads: Vec<_> = (0..in_flight)
            .map(|_| ws_health::check::random_payload())
            .collect();
        let newest = payloads[in_flight - 1].clone();
        let mut table = ws_health::supervisor::bench::PongTable::with_in_flight(&payloads);
        c.bench_function(&format!("match_pong/{in_flight}_in_flight"), |b| {
            b.iter(|| assert!(table.answer(black_box(&newest), now)))
        });
    }
}

fn policy_step(c: &mut Criterion) {
    let mut engine = PolicyEngine::new([Rule::default()]);
    c.bench_function("policy_step", |b| {
        b.iter(|| black_box(engine.observe(black_box(0), black_box(Status::Healthy))))
    });
}

fn stats_update(c: &mut Criterion) {
    let cell = stats::StatsCell::new(tokio::time::Instant::now());
    let mut rtt = Duration::from_micros(100);
    c.bench_function("stats_update", |b| {
        b.iter(|| {
            rtt += Duration::from_nanos(1);
            cell.record_rtt(black_box(rtt));
        })
    });
}

fn schedule_next_check(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("tokio runtime");
    let _guard = rt.enter();
    let now = tokio::time::Instant::now();
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut timers: Vec<_> = (0..10_000u64)
        .map(|i| {
            Box::pin(tokio::time::sleep_until(
                now + INTERVAL + Duration::from_micros(i),
            ))
        })
        .collect();
    for t in &mut timers {
        let _ = t.as_mut().poll(&mut cx);
    }
    let mut i = 0usize;
    let mut at = now + INTERVAL;
    c.bench_function("schedule_next_check", |b| {
        b.iter(|| {
            i = (i + 1) % timers.len();
            at += Duration::from_micros(7);
            timers[i].as_mut().reset(black_box(at));
        })
    });
}

use std::future::Future;

/// What a connection holds inline, in bytes: the streams, and ws-health's driver future
/// (over the in-memory transport, which is smaller than a TCP stream's `LeanStream`).
fn print_sizes() {
    use std::mem::size_of;
    use tokio::net::TcpStream;
    let rt = paused_runtime();
    let _guard = rt.enter();
    let counter = Arc::new(Counter::default());
    let (_conn, driver) = supervisor().attach(MemoryTransport::new(true, counter), None);
    println!(
        "sizes: LeanStream<TcpStream> {} B, WebSocketStream<TcpStream> {} B, driver future {} B",
        size_of::<ws_health::LeanStream<TcpStream>>(),
        size_of::<tokio_tungstenite::WebSocketStream<TcpStream>>(),
        std::mem::size_of_val(&driver),
    );
}

fn main() {
    print_sizes();
    for kind in [Kind::WsHealth, Kind::Handwritten] {
        let (per_cycle, per_conn) = allocation_report(kind);
        println!(
            "{kind:?}: {per_cycle:.2} allocations per ping cycle; {per_conn:.0} heap bytes per \
             connection (supervision and task only: no tungstenite buffers, no socket)"
        );
    }
    let mut c = Criterion::default().configure_from_args();
    ping_cycle(&mut c);
    match_pong(&mut c);
    policy_step(&mut c);
    stats_update(&mut c);
    schedule_next_check(&mut c);
    hub_views::hub_views(&mut c);
    c.final_summary();
}
