//! A reader that closes its end of the pipe (`ws-health probe URL | head -2`) ends `probe`
//! quietly with exit 0, and leaves `serve` serving with one note on stderr: `println!`
//! panicked on the closed pipe, `probe` with exit 101 and `serve`'s printer thread for good.
#![cfg(all(feature = "cli", unix))]

mod support;

use std::io::Read;
use std::process::Stdio;

use futures_util::{SinkExt, StreamExt};
use support::cli::{command, command_for, Serve, PATIENCE};
use support::process::{line_within, Guard};
use tokio_tungstenite::tungstenite::Message;

/// Connects, has a message echoed, and closes: two events for `serve` to print.
async fn echo_once(url: &str) {
    let (mut ws, _) = support::within("a connection", tokio_tungstenite::connect_async(url))
        .await
        .unwrap();
    ws.send(Message::text("hi")).await.unwrap();
    let echoed = support::within("the echo", ws.next()).await;
    assert_eq!(echoed.unwrap().unwrap(), Message::text("hi"));
    let _ = ws.close(None).await;
}

#[test]
fn cli_stops_printing_when_its_reader_goes() {
    let log = std::env::temp_dir().join(format!("ws-health-serve-{}.log", std::process::id()));
    let mut serve = Serve::start_with_stderr(&[], std::fs::File::create(&log).unwrap());
    let url = format!("ws://{}", serve.addr);
    drop(serve.child.stdout.take()); // the reader has its address and goes
    let runtime = tokio::runtime::Runtime::new().unwrap();

    // probe: its first line read, then its reader gone.
    let mut probe = Guard::spawn(
        command()
            .args(["probe", &url, "--ping-interval", "100ms"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    );
    // Its first lines, up to the connection.
    let stdout = probe.stdout.take().unwrap();
    let (_, stdout) = line_within(stdout, PATIENCE, |line| line.starts_with("connected to "));
    drop(stdout);
    let mut probe_stderr = probe.stderr.take().unwrap();
    let status = probe.wait_within("probe", PATIENCE);
    let mut text = String::new();
    probe_stderr.read_to_string(&mut text).unwrap();
    assert!(status.success(), "{status:?}: {text}");
    assert!(!text.contains("panicked"), "{text}");

    // serve: still serving after events it could not print.
    runtime.block_on(async {
        echo_once(&url).await;
        echo_once(&url).await;
    });
    let pid = serve.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success());
    let status = serve.wait_within(PATIENCE);
    let text = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_file(&log);
    assert!(status.success(), "{status:?}: {text}");
    assert!(!text.contains("panicked"), "{text}");
    assert_eq!(text.matches("stdout closed").count(), 1, "{text}");
}

/// With stdout and stderr on one pipe (`ws-health serve 2>&1 | grep -m1 listening`), the
/// reader's going leaves stderr closed too: `serve` goes on serving and still shuts down
/// gracefully on SIGTERM, closing its connections with 1001. Before, its notes on stderr
/// (`eprintln!`) panicked: the shutdown note ended the process with 101 and no close.
#[test]
fn cli_serve_shuts_down_gracefully_when_stderr_is_gone_too() {
    let mut child = Guard::spawn(
        command_for("sh")
            .args(["-c", "exec \"$0\" serve --bind 127.0.0.1:0 2>&1"])
            .arg(support::cli::BIN)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped()),
    );
    let stdout = child.stdout.take().unwrap();
    let (first, reader) = line_within(stdout, PATIENCE, |line| line.starts_with("listening on "));
    let url = format!(
        "ws://{}",
        first.trim().strip_prefix("listening on ").unwrap()
    );
    drop(reader); // the reader has its address and goes: stdout and stderr are closed
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut kept = runtime.block_on(async {
        echo_once(&url).await; // events it cannot print, and its note about them
        let (ws, _) = support::within("a connection", tokio_tungstenite::connect_async(&url))
            .await
            .unwrap();
        ws
    });
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status();
    assert!(killed.unwrap().success());
    runtime.block_on(async {
        let (code, _) = support::next_close(&mut kept, "the kept client").await;
        assert_eq!(code, 1001);
        // Our answer to the close goes out as the stream is read on to its end.
        support::within("the end", async { while kept.next().await.is_some() {} }).await;
    });
    let status = child.wait_within("serve", PATIENCE);
    assert!(status.success(), "{status:?}");
}
