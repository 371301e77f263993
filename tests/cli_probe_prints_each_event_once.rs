//! `ws-health probe` prints its client's events on stdout, and its stderr does not repeat
//! them as log lines: a terminal showed each twice ("connect failed: …" and a warning
//! "connection attempt failed"). `-v` brings the log lines back.
#![cfg(feature = "cli")]

mod support;

use support::cli::run;

#[test]
fn cli_probe_prints_each_event_once() {
    let url = format!("ws://{}", support::runtime::closed_port());
    let out = run(&["probe", &url, "--max-retries", "0"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("connect failed: could not connect"),
        "{stdout}"
    );
    assert!(stdout.contains("stopped: gave up"), "{stdout}");
    let repeated = ["connection attempt failed", "client stopped"];
    assert!(
        !repeated.iter().any(|line| stderr.contains(line)),
        "repeated on stderr:\n{stderr}"
    );
    // The final error, the exit's reason, is still there.
    assert!(
        stderr.contains("ws-health: error: stopped: gave up"),
        "{stderr}"
    );

    let verbose = run(&["-v", "probe", &url, "--max-retries", "0"]);
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(stderr.contains("connection attempt failed"), "{stderr}");
}
