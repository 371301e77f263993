//! `ws-health serve` runs its connections on worker threads of its own, one per core by
//! default and N with `--threads N`, and still serves and supervises: a probe gets its pong.
//! (`--threads 1`, everything on one thread: `cli_serves_on_one_thread.rs`.)
#![cfg(all(feature = "cli", target_os = "linux"))]

mod support;

use support::cli::{run, Serve};

/// The threads of process `pid` named like the server's workers.
fn worker_threads(pid: u32) -> usize {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("/proc is readable");
    tasks
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.starts_with("ws-health-work"))
        .count()
}

#[test]
fn cli_serve_runs_its_connections_on_worker_threads() {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let default = Serve::start(&[]);
    // "listening on" is printed after the workers started.
    let expected = if cores == 1 { 0 } else { cores };
    assert_eq!(worker_threads(default.child.id()), expected);

    let three = Serve::start(&["--threads", "3", "--ping-interval", "1s"]);
    assert_eq!(worker_threads(three.child.id()), 3);
    let url = format!("ws://{}", three.addr);
    let probe = run(&["probe", &url, "--once", "--ping-timeout", "2s"]);
    assert!(probe.status.success(), "{probe:?}");
    assert!(
        String::from_utf8_lossy(&probe.stdout).contains("answered a ping in"),
        "{probe:?}"
    );
}
