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

/// The supervisor's log lines about a connection's end say what the `disconnected` event on
/// stdout says: "peer closed the connection" was printed on stderr beside it.
#[test]
fn cli_probe_prints_a_disconnect_once() {
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    // Closes at once with a final code: the probe stops.
    runtime.spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            if let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await {
                let frame = CloseFrame {
                    code: 4001.into(),
                    reason: "session revoked".into(),
                };
                let _ = ws.close(Some(frame)).await;
            }
        }
    });
    let out = run(&["probe", &url]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("session revoked"), "{stdout}");
    assert!(
        !stderr.contains("peer closed the connection"),
        "repeated on stderr:\n{stderr}"
    );

    let verbose = run(&["-v", "probe", &url]);
    let stderr = String::from_utf8_lossy(&verbose.stderr);
    assert!(stderr.contains("peer closed the connection"), "{stderr}");
}
