//! Child processes with a bound: a test fails instead of waiting forever.

use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `command` to completion, its output captured; kills it and fails after `limit`.
pub fn output_within(mut command: Command, limit: Duration) -> Output {
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("{command:?} did not start: {err}"));
    let id = child.id();
    let (done, finished) = mpsc::channel();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(limit).is_err() {
            // SAFETY: kill(2) has no memory-safety preconditions.
            unsafe { libc::kill(id as libc::pid_t, libc::SIGKILL) };
        }
    });
    let output = child.wait_with_output().expect("the child's output");
    let killed = done.send(()).is_err();
    watchdog.join().unwrap();
    assert!(
        !killed,
        "{command:?} did not end within {limit:?}: {output:?}"
    );
    output
}
