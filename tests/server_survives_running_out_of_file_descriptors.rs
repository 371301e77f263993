//! Running out of file descriptors does not stop the server: while `accept` fails with
//! EMFILE, the accept loop warns (once a second) and backs off instead of spinning, the
//! connections it already serves keep working, and the connection waiting in the backlog is
//! accepted and upgraded as soon as descriptors are free again.
//!
//! The test exhausts its own process: it lowers the soft `RLIMIT_NOFILE` with util-linux
//! `prlimit` (no unsafe code, no new dependency) and fills the table with `/dev/null`. It
//! is alone in its binary, and a guard frees the descriptors and restores the limit on every
//! exit, a failed assertion included.
#![cfg(target_os = "linux")]

mod support;

use std::fs::File;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{Sink, SinkExt, Stream, StreamExt};
use support::config::{record, Captured, Recording};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::{self, Message};
use ws_health::runtime::Server;

/// "Too many open files" (asm-generic/errno-base.h).
const EMFILE: i32 = 24;
/// Generous upper bound for anything to happen on a loaded machine.
const PATIENCE: Duration = Duration::from_secs(5);

#[tokio::test]
async fn server_survives_running_out_of_file_descriptors() {
    // Current-thread runtime: the server's tasks run on this thread, so the thread-local
    // recorder sees the accept loop's warnings.
    let (log, _recording) = record();
    let supervisor = support::runtime::supervisor(Duration::from_millis(50), PATIENCE);
    let server = Server::builder(supervisor)
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let addr = server.local_addr();
    let url = format!("ws://{addr}");
    let (mut first, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    assert_echoes(&mut first, "before").await;

    // The late client's socket takes its descriptor now; connecting it later needs none,
    // while the server needs a new one for every connection it accepts.
    let late = TcpSocket::new_v4().unwrap();
    let started = Instant::now();
    let exhausted = Exhausted::fill();
    let late = late.connect(addr).await.unwrap(); // completed by the kernel, in the backlog
    let handshake = tokio::spawn(tokio_tungstenite::client_async(url.clone(), late));

    // Failed accepts paced by the backoff (5 ms doubling), warned at most once a second
    // with the count of failures each warning stands for: the first at once, the next
    // after a second, for the failures at about 5, 15, 35, 75, 155, 315, 635 and 1275 ms.
    within(PATIENCE, "two accept warnings", || {
        accept_failures(&log).len() >= 2
    })
    .await;
    let paused = started.elapsed();
    let failures = accept_failures(&log);
    for failure in &failures {
        assert!(
            failure.field("error").contains("os error 24"),
            "{failure:?}"
        );
    }
    assert_eq!(
        (failures[0].field("delay"), failures[0].field("count")),
        ("5ms", "1")
    );
    assert!(paused >= Duration::from_secs(1), "throttled: {paused:?}");
    // A loop that did not wait out its backoff would have failed thousands of times.
    let count: u32 = failures[1].field("count").parse().unwrap();
    assert!(
        (1..=8).contains(&count),
        "{count} failures in the second warning"
    );
    // The (count + 1)th failure waits 5 ms doubled `count` times, at most 1 s.
    let delay = Duration::from_millis((5u64 << count).min(1000));
    assert_eq!(failures[1].field("delay"), format!("{delay:?}"));

    // The connection already served is untouched: it echoes and is still pinged.
    assert_echoes(&mut first, "while exhausted").await;
    let pings = server.hub().snapshot()[0].pings_sent;
    within(PATIENCE, "a ping while exhausted", || {
        server.hub().snapshot()[0].pings_sent > pings
    })
    .await;
    assert_echoes(&mut first, "still pinged").await;
    assert!(!handshake.is_finished(), "upgraded without a descriptor?");
    assert_eq!(server.connections(), 1, "the late client was not accepted");

    let freed = Instant::now();
    drop(exhausted);
    let (mut late, _) = tokio::time::timeout(PATIENCE, handshake)
        .await
        .expect("the late client is accepted once descriptors are free")
        .unwrap()
        .unwrap();
    let resumed = freed.elapsed();
    let failed = accept_failures(&log).len();
    println!(
        "2 accept warnings in {paused:?}, {failed} in all; the late client upgraded \
         {resumed:?} after descriptors were freed"
    );
    assert_echoes(&mut late, "late").await;

    let (mut fresh, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    assert_echoes(&mut fresh, "fresh").await;
    assert_echoes(&mut first, "after").await;
    assert_eq!(server.connections(), 3);
    assert_eq!(accept_failures(&log).len(), failed, "accept fails no more");
    tokio::time::timeout(PATIENCE, server.shutdown())
        .await
        .expect("the server shuts down");
}

/// The process's descriptor table, full: the soft `RLIMIT_NOFILE` lowered to just above the
/// descriptors open now, every descriptor left under it taken by `/dev/null`. Dropping it
/// frees them and restores the limit.
struct Exhausted {
    files: Vec<File>,
    soft: u64,
}

impl Exhausted {
    fn fill() -> Exhausted {
        let soft = soft_nofile();
        let highest = std::fs::read_dir("/proc/self/fd")
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u64>().ok())
            .max()
            .unwrap();
        let lowered = highest + 8;
        assert!(
            lowered < soft,
            "already near the limit: {highest} of {soft}"
        );
        set_soft_nofile(lowered).unwrap();
        assert_eq!(soft_nofile(), lowered);
        let mut exhausted = Exhausted {
            files: Vec::new(),
            soft,
        };
        loop {
            match File::open("/dev/null") {
                Ok(file) => exhausted.files.push(file),
                Err(err) if err.raw_os_error() == Some(EMFILE) => return exhausted,
                Err(err) => panic!("opening /dev/null: {err}"),
            }
            assert!(
                exhausted.files.len() as u64 <= lowered,
                "the limit is ignored"
            );
        }
    }
}

impl Drop for Exhausted {
    fn drop(&mut self) {
        self.files.clear();
        let restored = set_soft_nofile(self.soft);
        if !std::thread::panicking() {
            restored.unwrap();
            assert_eq!(soft_nofile(), self.soft);
        }
    }
}

/// This process's soft `RLIMIT_NOFILE`, from `/proc/self/limits`.
fn soft_nofile() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .unwrap();
    line.split_whitespace().nth(3).unwrap().parse().unwrap()
}

/// Sets this process's soft `RLIMIT_NOFILE` (the hard limit is left alone).
fn set_soft_nofile(soft: u64) -> Result<(), String> {
    let output = Command::new("prlimit")
        .arg(format!("--pid={}", std::process::id()))
        .arg(format!("--nofile={soft}:"))
        .output()
        .map_err(|err| format!("running prlimit (util-linux): {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        Err(format!(
            "prlimit --nofile={soft}: {}: {stderr}",
            output.status
        ))
    }
}

/// The accept loop's warnings so far.
fn accept_failures(log: &Recording) -> Vec<Captured> {
    log.events()
        .into_iter()
        .filter(|e| e.level == tracing::Level::WARN && e.message.starts_with("accept failed"))
        .collect()
}

/// Polls `done` until it holds, failing the test after `limit`.
async fn within(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "no {what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Sends `text` and expects it back (skipping the server's pings), within [`PATIENCE`].
async fn assert_echoes<S>(ws: &mut S, text: &str)
where
    S: Sink<Message, Error = tungstenite::Error>
        + Stream<Item = Result<Message, tungstenite::Error>>
        + Unpin,
{
    ws.send(Message::text(text)).await.unwrap();
    let echo = tokio::time::timeout(PATIENCE, async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => break other,
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{text:?} was not echoed within {PATIENCE:?}"));
    assert_eq!(echo.unwrap().unwrap(), Message::text(text));
}
