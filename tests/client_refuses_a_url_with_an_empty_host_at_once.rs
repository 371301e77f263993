//! A URL whose host is empty (`ws://:8765`, `ws://[]:80/`, `ws://user@:1/`) is refused by
//! `connect` with an error that names it, as a URL with no host at all is: no attempt could
//! resolve it. The `http` crate reads these as a host of `""`, which the client took: it
//! then retried a name lookup that always fails, for ever by default (`ws-health probe
//! ws://:8765` printed a failed lookup every backoff, never a usage error).

use ws_health::runtime::Client;

#[tokio::test]
async fn client_refuses_a_url_with_an_empty_host_at_once() {
    for url in ["ws://:8765", "ws://[]:80/", "ws://user:pw@:1/x?t=SECRET"] {
        let err = match Client::builder(url).connect() {
            Ok(client) => {
                client.close();
                panic!("{url}: accepted");
            }
            Err(err) => err.to_string(),
        };
        assert!(err.contains("no host"), "{url}: {err}");
        assert!(
            !err.contains("SECRET") && !err.contains("pw@"),
            "{url}: {err}"
        );
    }
}
