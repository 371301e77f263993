//! A client that cannot get through TLS says so: a certificate it does not trust reads
//! "TLS handshake failed: invalid peer certificate: UnknownIssuer" (it read "handshake
//! failed: IO error: …", which never said TLS), and a `ws://` URL pointed at a `wss://`
//! server is told that the server may speak TLS (it read only "httparse error: invalid
//! HTTP version").
#![cfg(feature = "rustls")]

mod support;

use std::time::Duration;

use ws_health::config::ClientConfig;
use ws_health::runtime::{Client, StopCause};

async fn last_error(url: String) -> String {
    let client = Client::builder(url)
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ClientConfig {
            max_retries: Some(0),
            ..support::runtime::client_config(Duration::from_millis(10), Duration::from_millis(10))
        })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    match reason.cause {
        StopCause::GaveUp { last, .. } => last,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn client_names_a_tls_failure_and_a_plain_url_to_a_tls_server() {
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("tls-failures");
    let server = support::runtime::wss_echo_server(&cert_pem, &key_pem).await;
    let port = server.local_addr().port();

    // The webpki roots only: the self-signed certificate is not trusted.
    let untrusted = last_error(format!("wss://localhost:{port}")).await;
    assert!(
        untrusted.ends_with(&format!(
            "localhost:{port}: TLS handshake failed: invalid peer certificate: UnknownIssuer"
        )),
        "{untrusted}"
    );

    let plain = last_error(format!("ws://localhost:{port}")).await;
    assert!(
        plain.ends_with("(a TLS server? its URL is wss://)"),
        "{plain}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    server.shutdown().await;
}
