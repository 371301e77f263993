//! `ws-health serve` prints its events from a thread of its own: when nobody reads its
//! stdout and the pipe fills, it still accepts and serves connections (the events wait, or
//! are skipped with a note on stderr), instead of blocking the runtime that drives them; and
//! SIGTERM still ends it, though its printer is stuck.
#![cfg(all(feature = "cli", unix))]

mod support;

use futures_util::{SinkExt, StreamExt};
use support::cli::Serve;
use tokio_tungstenite::tungstenite::Message;

/// Each connection prints two lines of about 50 bytes: enough to fill a 64 KiB pipe twice.
const CONNECTIONS: usize = 3000;

#[test]
fn cli_serve_keeps_serving_while_its_stdout_is_stalled() {
    // One thread: a blocked print would stop every connection.
    let mut serve = Serve::start(&["--threads", "1"]);
    let url = format!("ws://{}", serve.addr);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        for _ in 0..CONNECTIONS {
            let (mut ws, _) = support::within(
                "a connection while stdout is stalled",
                tokio_tungstenite::connect_async(url.as_str()),
            )
            .await
            .unwrap();
            let _ = support::within("a close", ws.close(None)).await;
        }
        // Still served: an echo comes back.
        let (mut ws, _) = support::within(
            "a connection",
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        .unwrap();
        ws.send(Message::text("still there?")).await.unwrap();
        let echoed = support::within("the echo", ws.next()).await;
        assert_eq!(echoed.unwrap().unwrap(), Message::text("still there?"));
    });

    let pid = serve.child.id().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = serve.wait_within(support::cli::PATIENCE);
    assert!(
        status.success(),
        "serve did not exit cleanly on SIGTERM: {status:?}"
    );
}
