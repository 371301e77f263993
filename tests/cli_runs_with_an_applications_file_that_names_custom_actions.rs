//! The CLI serves and probes with an application's configuration file that names custom
//! actions: each runs as a warning naming it, since the action itself is the application's
//! code. Before, both commands refused the file (exit 2: "custom action `page` is not
//! registered"), although probing with an application's own file is what the probe is for.
#![cfg(feature = "cli")]

mod support;

use std::time::Instant;

use support::cli::{run, Serve};
use tokio::net::TcpListener;

const FILE: &str = r#"
[ping]
on_unhealthy = [{ action = "custom", name = "page" }, { action = "close", code = 1011 }]

[policy]
on_degraded = [{ action = "custom", name = "notify" }]
close_timeout = "500ms"
"#;

#[test]
fn cli_runs_with_an_applications_file_that_names_custom_actions() {
    let dir = std::env::temp_dir().join(format!("ws-health-custom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.toml");
    std::fs::write(&file, FILE).unwrap();
    let file = file.to_str().unwrap();

    let server = Serve::start(&["--config", file]);
    let url = format!("ws://{}", server.addr);
    let out = run(&["probe", &url, "--once", "--config", file]);
    assert!(out.status.success(), "{out:?}");

    // A peer that never answers: the ping check's own actions run, the custom one logged.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move {
        let mut held = Vec::new();
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                held.push((ws, Instant::now()));
            }
        }
    });
    let url = format!("ws://{addr}");
    // Watching (not `--once`, which decides by the first pong itself), no retry.
    let out = run(&[
        "probe",
        &url,
        "--config",
        file,
        "--ping-timeout",
        "300ms",
        "--max-retries",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("custom action"), "{stderr}");
    assert!(stderr.contains("action=page"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
