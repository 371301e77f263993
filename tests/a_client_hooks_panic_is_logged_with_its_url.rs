//! Under a filter that keeps errors but drops the info-level `ws_health.client` span
//! (`RUST_LOG=warn`), the error logged for a client's hook that panicked names the client's
//! `url`, as a server's names its connection: it said only `hook panicked hook="handshake
//! headers hook"`, and the failed attempt after it names the url only on the 1st, 10th,
//! 100th failure in a row at warn (the day's review: four bare lines in five attempts).

mod support;

use std::time::Duration;

use support::logs::Captured;
use ws_health::runtime::Client;
use ws_health::tungstenite::http::HeaderMap;

/// The log of a client whose headers hook panics on each of its five attempts.
async fn panicking_client(filter: &str) -> (String, String) {
    let captured = Captured::default();
    let _guard = captured.install(filter);
    let addr = support::runtime::closed_port();
    let url = format!("ws://{addr}/feed");
    let mut config =
        support::runtime::client_config(Duration::from_millis(1), Duration::from_millis(1));
    config.max_retries = Some(4);
    let client = Client::builder(url.as_str())
        .with_client_config(config)
        .with_handshake_headers(|| async {
            if true {
                panic!("a bug in the token cache");
            }
            Ok::<_, std::io::Error>(HeaderMap::new())
        })
        .connect()
        .unwrap();
    support::within("the client to give up", client.stopped()).await;
    (captured.text(), url)
}

fn panics(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(" ERROR ") && l.contains("hook panicked"))
        .collect();
    assert_eq!(lines.len(), 5, "{text}");
    lines
}

#[tokio::test(flavor = "current_thread")]
async fn a_client_hooks_panic_is_logged_with_its_url() {
    let (text, url) = panicking_client("warn").await;
    for line in panics(&text) {
        assert!(line.contains(&format!("url={url}")), "{line}");
    }

    // With the span recorded, the span names it, once.
    let (text, url) = panicking_client("ws_health=info").await;
    for line in panics(&text) {
        assert_eq!(line.matches("url=").count(), 1, "{line}");
        assert!(line.contains(&format!("url={url}")), "{line}");
    }
}
