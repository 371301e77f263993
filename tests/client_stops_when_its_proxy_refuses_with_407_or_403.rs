//! A proxy that refuses the tunnel with 407 (credentials missing or refused) or 403 stops
//! the client at once: retrying cannot change its mind. The reason names the proxy's
//! `host:port` and its status, never the proxy URL's credentials, and no log line shows them;
//! it carries no status of the server's (`status: None`: the server was never reached).

mod support;

use support::connect_proxy::ConnectProxy;
use support::logs::Captured;
use ws_health::config::{ClientConfig, Proxy};
use ws_health::runtime::{Client, StopCause};

/// Stops a client of `backend.invalid` through `proxy_url`; the error it stopped with.
async fn stopped_with(proxy_url: String) -> String {
    let client = Client::builder("ws://backend.invalid:9/")
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(ClientConfig {
            proxy: Proxy::Url(proxy_url),
            ..support::runtime::client_config(support::ms(10), support::ms(10))
        })
        .connect()
        .unwrap();
    let reason = support::within("the client to stop", client.stopped()).await;
    match reason.cause {
        StopCause::FinalError {
            status: None,
            error,
        } => error,
        other => panic!("{other:?}"),
    }
}

// One thread: the subscriber set for the test sees the client's task.
#[tokio::test(flavor = "current_thread")]
async fn client_stops_when_its_proxy_refuses_with_407_or_403() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=debug");
    let proxy = ConnectProxy::start().await;
    proxy.require("Basic c29tZW9uZTplbHNl");
    let at = proxy.addr;

    let error = stopped_with(proxy.url(None)).await;
    assert_eq!(
        error,
        format!(
            "proxy {at} answered CONNECT backend.invalid:9 with HTTP 407 Proxy Authentication \
             Required (it asks for credentials: http://user:password@host:port)"
        )
    );
    let error = stopped_with(proxy.url(Some("alice:SECRETPW"))).await;
    assert!(
        error.starts_with(&format!("proxy {at} answered CONNECT")),
        "{error}"
    );
    assert!(error.contains("HTTP 407"), "{error}");
    assert!(
        error.contains("refused the proxy URL's credentials"),
        "{error}"
    );
    proxy.answer(&[403]);
    let error = stopped_with(proxy.url(Some("alice:SECRETPW"))).await;
    assert!(
        error.contains(&format!(
            "proxy {at} answered CONNECT backend.invalid:9 with HTTP 403"
        )),
        "{error}"
    );
    // One request each: none was retried.
    assert_eq!(proxy.heads().len(), 3);

    let logs = captured.text();
    assert!(logs.contains("HTTP 407"), "{logs}");
    assert!(
        !logs.contains("SECRETPW") && !logs.contains("alice"),
        "{logs}"
    );
    let shown = format!(
        "{error} {:?}",
        ClientConfig {
            proxy: Proxy::Url(proxy.url(Some("alice:SECRETPW"))),
            ..ClientConfig::default()
        }
    );
    assert!(!shown.contains("SECRETPW"), "{shown}");
}
