//! `ws-health probe --once` against a port with no server exits 1 with a message that says
//! what failed.
#![cfg(feature = "cli")]

mod support;

use support::cli::run;

#[test]
fn cli_probe_once_fails_without_a_server() {
    let addr = support::runtime::closed_port();
    let url = format!("ws://{addr}");
    let out = run(&["probe", &url, "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("probe of {url} failed")),
        "{stderr}"
    );
    assert!(stderr.contains("could not connect"), "{stderr}");

    let json = run(&["probe", &url, "--once", "--json"]);
    assert_eq!(json.status.code(), Some(1));
    let line: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&json.stdout).trim()).unwrap();
    assert_eq!(line["ok"], false);
    assert!(line["error"]
        .as_str()
        .unwrap()
        .contains("could not connect"));
}
