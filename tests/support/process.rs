//! Child processes with a bound: a test fails instead of waiting forever, and leaves no
//! process behind.

use std::io::Read;
use std::ops::{Deref, DerefMut};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Runs `command` to completion, its output captured; kills it and fails after `limit`.
pub fn output_within(mut command: Command, limit: Duration) -> Output {
    let mut child = Guard::spawn(
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    // Read on threads, so that a child filling a pipe is not stalled by our waiting.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.unwrap().read_to_end(&mut bytes).unwrap();
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status = child.wait_within(&format!("{command:?}"), limit);
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// A child process killed and reaped on drop: a test that fails halfway leaves nothing
/// running. Derefs to the [`Child`].
#[derive(Debug)]
pub struct Guard(Child);

impl Guard {
    pub fn spawn(command: &mut Command) -> Guard {
        Guard(
            command
                .spawn()
                .unwrap_or_else(|err| panic!("{command:?} did not start: {err}")),
        )
    }

    /// Waits for the exit; fails after `limit` (and the drop kills it).
    pub fn wait_within(&mut self, what: &str, limit: Duration) -> ExitStatus {
        wait_within(&mut self.0, what, limit)
    }
}

impl Deref for Guard {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl DerefMut for Guard {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for `child` to exit, or panics naming `what` after `limit` (the child left to its
/// owner's kill-on-drop). Polls for the exit (it has no event to await); the child is
/// signalled only through its handle, never by a pid that could have been reused.
pub fn wait_within(child: &mut Child, what: &str, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not exit within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Reads `pipe` line by line, on a thread, up to the first line `wanted` picks; returns it
/// (without its newline) and the pipe, of which nothing past that line was read. Panics
/// with what was read if the pipe ends first or `limit` passes (the thread then ends when
/// the child, killed by its guard, closes the pipe).
pub fn line_within<R: Read + Send + 'static>(
    mut pipe: R,
    limit: Duration,
    wanted: impl Fn(&str) -> bool + Send + 'static,
) -> (String, R) {
    let read = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let reading = read.clone();
    std::thread::spawn(move || {
        let mut line = Vec::new();
        let mut byte = [0u8];
        loop {
            match pipe.read(&mut byte) {
                Ok(1) => reading.lock().unwrap().push(byte[0]),
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                _ => return, // the pipe ended: `tx` dropped
            }
            if byte[0] != b'\n' {
                line.push(byte[0]);
                continue;
            }
            let text = String::from_utf8_lossy(&line).into_owned();
            line.clear();
            if wanted(&text) {
                let _ = tx.send((text, pipe));
                return;
            }
        }
    });
    let found = rx.recv_timeout(limit);
    let read = String::from_utf8_lossy(&read.lock().unwrap()).into_owned();
    found.unwrap_or_else(|err| match err {
        RecvTimeoutError::Timeout => panic!("no line wanted within {limit:?}; read: {read:?}"),
        RecvTimeoutError::Disconnected => panic!("the pipe ended; read: {read:?}"),
    })
}
