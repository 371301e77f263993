//! `ws-health probe --once` against a server that closes at once with a code of its own says
//! how the connection ended (its code and reason), not only that it closed before the first
//! pong.
#![cfg(feature = "cli")]

mod support;

use support::cli::run;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

#[test]
fn cli_probe_once_names_how_the_connection_closed() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            if let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await {
                let frame = CloseFrame {
                    code: CloseCode::from(4001),
                    reason: "session revoked".into(),
                };
                let _ = ws.close(Some(frame)).await;
            }
        }
    });

    let url = format!("ws://{addr}");
    let out = run(&["probe", &url, "--once", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert_eq!(line["ok"], false);
    let error = line["error"].as_str().unwrap();
    assert!(
        error.contains("4001") && error.contains("session revoked"),
        "{error}"
    );
}
