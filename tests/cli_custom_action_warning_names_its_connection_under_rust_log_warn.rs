//! Under `RUST_LOG=warn`, which drops the info-level `ws_health.connection` span, the warning
//! the CLI logs for a custom action of the application's file still names the connection it
//! is about (`id`, `peer`), as the library's own warnings do. It said only
//! `custom action: … action=page check="ping" from=healthy to=unhealthy`: the same line for
//! every peer behind a pulled cable, next to `closing connection id=1 peer=…`.
#![cfg(feature = "cli")]

mod support;

use support::cli::command;
use tokio::net::TcpListener;

const FILE: &str = r#"
[ping]
on_unhealthy = [{ action = "custom", name = "page" }, { action = "close", code = 1011 }]

[policy]
close_timeout = "300ms"
"#;

#[test]
fn cli_custom_action_warning_names_its_connection_under_rust_log_warn() {
    let dir = std::env::temp_dir().join(format!("ws-health-action-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.toml");
    std::fs::write(&file, FILE).unwrap();

    // A server that completes the handshake and then never reads: no pong comes.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        let mut held = Vec::new();
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                held.push(ws);
            }
        }
    });

    let mut probe = command();
    probe
        .args(["probe", &format!("ws://{addr}"), "--config"])
        .arg(&file)
        .args(["--ping-timeout", "300ms", "--max-retries", "0"])
        .env("RUST_LOG", "warn");
    let out = support::process::output_within(probe, support::cli::PATIENCE);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("custom action:"))
        .unwrap_or_else(|| panic!("no custom action warning in {stderr}"));
    assert!(line.contains("action=page"), "{line}");
    assert!(line.contains(" id=1 "), "no connection id: {line}");
    // The probe's connection's peer: the server.
    assert!(line.contains(&format!("peer={addr}")), "no peer: {line}");
    std::fs::remove_dir_all(&dir).unwrap();
}
