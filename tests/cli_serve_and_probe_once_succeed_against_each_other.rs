//! `ws-health serve` and `ws-health probe --once` succeed against each other: the probe
//! exits 0 and reports the round-trip time, in text and in JSON.
#![cfg(feature = "cli")]

mod support;

use support::cli::{run, Serve};

#[test]
fn cli_serve_and_probe_once_succeed_against_each_other() {
    let server = Serve::start(&["--ping-interval", "1s", "--ping-timeout", "1s"]);
    let url = format!("ws://{}", server.addr);

    let text = run(&["probe", &url, "--once", "--ping-timeout", "2s"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(text.status.success(), "{text:?}");
    assert!(stdout.contains("answered a ping in"), "{stdout}");

    let json = run(&["probe", &url, "--once", "--json", "--ping-timeout", "2s"]);
    assert!(json.status.success(), "{json:?}");
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&json.stdout).trim()).unwrap();
    assert_eq!(line["ok"], true);
    assert_eq!(line["url"], url.as_str());
    assert!(line["rtt_ms"].as_f64().unwrap() > 0.0, "{line}");
}
