//! `ws-health --threads 1 serve` runs on tokio's current-thread runtime and still serves and
//! supervises: a probe gets its pong. `--threads 0` is refused with exit code 2.
#![cfg(feature = "cli")]

mod support;

use support::cli::{run, Serve};

#[test]
fn cli_serves_on_one_thread() {
    let server = Serve::start(&["--threads", "1", "--ping-interval", "1s"]);
    let url = format!("ws://{}", server.addr);
    let probe = run(&[
        "probe",
        &url,
        "--once",
        "--threads",
        "1",
        "--ping-timeout",
        "2s",
    ]);
    assert!(probe.status.success(), "{probe:?}");
    assert!(
        String::from_utf8_lossy(&probe.stdout).contains("answered a ping in"),
        "{probe:?}"
    );

    let zero = run(&["serve", "--threads", "0", "--bind", "127.0.0.1:0"]);
    assert_eq!(zero.status.code(), Some(2), "{zero:?}");
    assert!(
        String::from_utf8_lossy(&zero.stderr).contains("--threads"),
        "{zero:?}"
    );
}
