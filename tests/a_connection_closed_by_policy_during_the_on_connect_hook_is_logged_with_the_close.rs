//! A client's check that fails while the on-connect hook still awaits the server's
//! acknowledgement closes the connection by policy. The client's log of that failed attempt
//! names the close, whichever way the hook ends: a hook whose request fails as the connection
//! closes logged only "on-connect hook failed: the connection is closed", blaming the hook,
//! and a hook that waits on was cut off with nothing logged by the client at all (the
//! market-data operator's stale feed, seen both ways in one run).

mod support;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use support::logs::Captured;
use support::ms;
use ws_health::runtime::{Client, Server};
use ws_health::tungstenite::Message;
use ws_health::{check, CheckSettings, Connection, Health, Sender, Supervisor};

type Hook = fn(Sender) -> Pin<Box<dyn Future<Output = ws_health::Result<()>> + Send>>;

/// The client's log of one attempt whose feed check fails during `hook`.
async fn log_of_an_attempt_closed_during(hook: Hook) -> String {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=info");
    // A server that takes the subscription and never acknowledges it.
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .serve("127.0.0.1:0", |mut conn: Connection| async move {
            while conn.recv().await.is_some() {}
        })
        .await
        .unwrap();
    let stale = check::from_fn(|_| Health::unhealthy("feed stale"));
    let supervisor = Supervisor::builder()
        .with_ping_settings(CheckSettings::every(
            Duration::from_secs(30),
            Duration::from_secs(30),
        ))
        .with_check("feed", stale, CheckSettings::every(ms(20), ms(500)))
        .build()
        .unwrap();
    let mut config = support::runtime::client_config(ms(10), ms(10));
    config.connect_timeout = Duration::from_secs(3600);
    config.max_retries = Some(0);
    let client = Client::builder(format!("ws://{}", server.local_addr()))
        .with_supervisor(supervisor)
        .with_client_config(config)
        .with_on_connect(hook)
        .connect()
        .unwrap();
    support::within("the client to stop", client.stopped()).await;
    server.shutdown().await;
    captured.text()
}

fn the_attempts_line(log: &str) -> &str {
    log.lines()
        .find(|l| l.contains("closing the connection") && l.contains("ws_health.client"))
        .unwrap_or_else(|| panic!("no line for the failed attempt:\n{log}"))
}

#[tokio::test(flavor = "current_thread")]
async fn a_hook_whose_request_fails_as_the_policy_closes_names_the_close() {
    let log = log_of_an_attempt_closed_during(|sender| {
        Box::pin(async move {
            let subscribe = Message::text(r#"{"op":"subscribe"}"#);
            sender
                .request(subscribe, Duration::from_secs(3600), |m| m.is_text())
                .await
                .map(drop)
        })
    })
    .await;
    let line = the_attempts_line(&log);
    assert!(
        line.contains("on-connect hook failed: the connection is closed (the connection closed by policy with 1011 \\\"feed stale\\\""),
        "{line}\n{log}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_hook_cut_off_by_the_policys_close_is_logged_with_the_close() {
    let log = log_of_an_attempt_closed_during(|_| Box::pin(std::future::pending())).await;
    let line = the_attempts_line(&log);
    assert!(
        line.contains(
            "on-connect hook cut off: the connection closed by policy with 1011 \\\"feed stale\\\""
        ),
        "{line}\n{log}"
    );
}
