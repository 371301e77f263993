//! A backoff whose `max` is `Duration::MAX` (how code says "no cap") takes a server's
//! `Retry-After` as any other: the client waits what the server asked, up to a quarter more.
//! The floor was worked out as `max * 4 / 5`, which overflowed: the 503 of any full server
//! panicked the client's task, and the client stopped for good ("task ended").

mod support;

use std::time::Duration;

use ws_health::runtime::{Client, ClientEvent};

#[tokio::test]
async fn client_with_an_unbounded_backoff_waits_what_retry_after_asks() {
    support::trace();
    let addr = support::runtime::answering_server(|_| {
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n".to_vec()
    })
    .await;
    let client = Client::builder(format!("ws://{addr}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_client_config(support::runtime::client_config(
            Duration::from_millis(10),
            Duration::MAX,
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    let next = support::runtime::next_client_event(&mut events, |e| {
        matches!(
            e,
            ClientEvent::Reconnecting { .. } | ClientEvent::Stopped { .. }
        )
    })
    .await;
    let ClientEvent::Reconnecting { attempt, delay } = next else {
        panic!("the client stopped instead of waiting to retry: {next:?}");
    };
    let asked = Duration::from_secs(1);
    assert_eq!(attempt, 1);
    assert!((asked..=asked * 5 / 4).contains(&delay), "{delay:?}");
    client.close();
}
