//! A check that panics on every run warns of its 1st, 10th, 100th, ... panic in a row on a
//! connection, with the count (`panics`), and logs the others at debug: every panic is still
//! logged, and a run that ends without one starts the count again. It warned on every run: at
//! 19,000 connections and a 1 s interval, 19,000 warnings a second. A check whose run panics as
//! it is cut off at its timeout (a guard's `Drop`) is counted the same way.

mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use support::logs::Captured;
use support::{mock_transport, ms, recorded, Recorder};
use ws_health::{async_trait, CheckContext, CheckSettings, Health, HealthCheck, Supervisor};

// One test at a time: tracing caches each callsite's interest across every subscriber alive,
// and one registered while another test's is being set up can miss its filter.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Counts its runs; panics in those that start while `panicking` is set.
struct Panics {
    runs: Arc<AtomicUsize>,
    panicking: Arc<AtomicBool>,
}

#[async_trait]
impl HealthCheck for Panics {
    async fn check(&self, _: &CheckContext) -> Health {
        self.runs.fetch_add(1, Ordering::Relaxed);
        if self.panicking.load(Ordering::Relaxed) {
            panic!("boom in check");
        }
        Health::healthy("fine")
    }
}

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("a guard that panics");
    }
}

/// Never finishes; panics as it is cut off.
struct HangsAndPanicsWhenCutOff;

#[async_trait]
impl HealthCheck for HangsAndPanicsWhenCutOff {
    async fn check(&self, _: &CheckContext) -> Health {
        let _guard = PanicsOnDrop;
        std::future::pending::<()>().await;
        unreachable!()
    }
}

/// A supervisor whose only check is `check`, every 10 ms with a 5 ms timeout, whose results
/// close nothing.
fn supervisor_of(check: impl HealthCheck + 'static) -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        })
        .with_check("panics", check, recorded(ms(10), ms(5)))
        .with_custom_action("record", Recorder::default())
        .build()
        .unwrap()
}

/// The events of `text` whose message is `what`, with their level and `panics` count.
fn logged<'a>(text: &'a str, what: &str) -> Vec<(&'a str, u32)> {
    let message = format!(": {what} check=");
    let lines = text.lines().filter(|l| l.contains(&message));
    let level = |l: &'a str| l.split_whitespace().nth(1).unwrap_or("");
    // 0 where there is none.
    let count = |l: &str| {
        let after = l.split_once("panics=").map_or("", |(_, after)| after);
        let digits = after.split(|c: char| !c.is_ascii_digit()).next().unwrap();
        digits.parse().unwrap_or(0)
    };
    lines.map(|l| (level(l), count(l))).collect()
}

/// Waits until `runs` reaches `n`.
async fn until_run(runs: &AtomicUsize, n: usize) {
    while runs.load(Ordering::Relaxed) < n {
        tokio::time::sleep(ms(1)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_check_that_panics_on_every_run_warns_of_its_1st_10th_and_100th_panic() {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install("ws_health=debug");
    let (runs, panicking) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicBool::new(true)),
    );
    let check = Panics {
        runs: runs.clone(),
        panicking: panicking.clone(),
    };
    let (transport, _peer) = mock_transport::pair();
    let conn = supervisor_of(check).supervise(transport);

    until_run(&runs, 120).await;
    panicking.store(false, Ordering::Relaxed);
    until_run(&runs, 121).await;
    panicking.store(true, Ordering::Relaxed);
    until_run(&runs, 123).await;

    let text = captured.text();
    let panics = logged(&text, "check panicked");
    assert_eq!(panics.len(), 122, "every panic is logged: {text}");
    let warned: Vec<u32> = (panics.iter())
        .filter(|(level, _)| *level == "WARN")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(warned, [1, 10, 100, 1], "{text}");
    let counts: Vec<u32> = panics.iter().map(|(_, n)| *n).collect();
    let expected: Vec<u32> = (1..=120).chain(1..=2).collect();
    assert_eq!(counts, expected, "{text}");
    assert!(
        (panics.iter()).all(|(level, n)| *level == "WARN" || (*level == "DEBUG" && *n != 1)),
        "{text}"
    );
    assert_eq!(conn.disconnect(), None);
}

#[tokio::test(start_paused = true)]
async fn a_check_that_panics_whenever_it_is_cut_off_warns_of_its_1st_and_10th_panic() {
    let _one = ONE_AT_A_TIME.lock().await;
    let captured = Captured::default();
    let _guard = captured.install("ws_health=debug");
    let (transport, _peer) = mock_transport::pair();
    let conn = supervisor_of(HangsAndPanicsWhenCutOff).supervise(transport);

    // A run every 10 ms or so, each cut off 5 ms after it started.
    tokio::time::sleep(ms(200)).await;

    let text = captured.text();
    let panics = logged(&text, "check panicked as its run was dropped");
    let counts: Vec<u32> = panics.iter().map(|(_, n)| *n).collect();
    assert!(counts.len() > 10, "{text}");
    assert_eq!(
        counts,
        (1..=counts.len() as u32).collect::<Vec<_>>(),
        "{text}"
    );
    let warned: Vec<u32> = (panics.iter())
        .filter(|(level, _)| *level == "WARN")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(warned, [1, 10], "{text}");
    assert_eq!(conn.disconnect(), None);
}
