//! `ws-health probe` reads and drops the server's messages. Left unread, 64 of them would
//! fill its inbound queue, pause reading, and hold back the pong behind them: `--once`
//! would fail against a server that greets every client with a burst of data.
#![cfg(feature = "cli")]

mod support;

use futures_util::{SinkExt, StreamExt};
use support::cli::run;
use tokio_tungstenite::tungstenite::Message;

#[test]
fn cli_probe_reads_and_drops_what_the_server_sends() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    // A plain tungstenite server: a burst past the probe's 64-message inbound queue, flushed
    // before the probe's ping is even read, so that the pong is strictly behind it.
    runtime.spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(tcp).await.unwrap();
        for i in 0..200 {
            ws.feed(Message::text(format!("update {i}"))).await.unwrap();
        }
        ws.flush().await.unwrap();
        // Reading answers pings (the pong leaves with the next flush) until the probe closes.
        while let Some(Ok(_)) = ws.next().await {
            let _ = ws.flush().await;
        }
    });
    let out = run(&["probe", &url, "--once", "--ping-timeout", "3s"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("answered a ping"),
        "{out:?}"
    );
}
