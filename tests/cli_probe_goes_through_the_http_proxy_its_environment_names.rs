//! `ws-health probe` takes its proxy from the environment by default, as Python
//! `websockets`, curl and Go do: with `http_proxy` set in its environment, `probe --once`
//! reaches `ws://backend.invalid:PORT/`, a name only the proxy can reach (it tunnels every
//! host to loopback); with `client.proxy = "none"` (`WS_HEALTH_CLIENT__PROXY`) it ignores
//! the variable and fails to look the name up.
#![cfg(feature = "cli")]

mod support;

use support::cli::{command, PATIENCE};
use support::connect_proxy::ConnectProxy;
use support::process::output_within;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_probe_goes_through_the_http_proxy_its_environment_names() {
    let server = support::runtime::echo_server().await;
    let port = server.local_addr().port();
    let proxy = ConnectProxy::start().await;
    let url = format!("ws://backend.invalid:{port}/");
    let probe = |extra_env: Option<(&str, &str)>| {
        let mut probe = command();
        probe
            .args(["probe", &url, "--once", "--ping-timeout", "5s"])
            .env("http_proxy", proxy.url(None))
            .env_remove("ws_proxy")
            .env_remove("WS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("no_proxy")
            .env_remove("NO_PROXY");
        if let Some((name, value)) = extra_env {
            probe.env(name, value);
        }
        tokio::task::spawn_blocking(move || output_within(probe, PATIENCE))
    };

    let out = probe(None).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert!(stdout.contains("answered a ping in"), "{stdout}");
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(
        heads[0].starts_with(&format!("CONNECT backend.invalid:{port} HTTP/1.1\r\n")),
        "{heads:?}"
    );

    let out = probe(Some(("WS_HEALTH_CLIENT__PROXY", "none")))
        .await
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not connect to backend.invalid"),
        "{stderr}"
    );
    assert_eq!(proxy.heads().len(), 1, "the proxy was not asked");
    server.shutdown().await;
}
