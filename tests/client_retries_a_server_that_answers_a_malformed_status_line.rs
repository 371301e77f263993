//! A server whose answer to the handshake has a status the `http` crate refuses (`099`) is
//! retried as any other broken answer (a banner, a missing `Upgrade`). tungstenite reports it
//! as an HTTP format error, which the client took for an invalid request of its own and
//! stopped on for good.

mod support;

use ws_health::runtime::ClientEvent;

#[tokio::test]
async fn client_retries_a_server_that_answers_a_malformed_status_line() {
    support::trace();
    let addr = support::runtime::answering_server(|_| b"HTTP/1.1 099 Weird\r\n\r\n".to_vec()).await;

    let client = support::runtime::quick_client_of(addr).connect().unwrap();
    let mut events = client.events();
    let (failed, next) = support::within("the first attempt's outcome", async {
        let mut failed = None;
        loop {
            match events.recv().await.unwrap() {
                ClientEvent::ConnectFailed { error } => failed = Some(error),
                next @ (ClientEvent::Reconnecting { .. } | ClientEvent::Stopped { .. }) => {
                    break (failed, next)
                }
                _ => {}
            }
        }
    })
    .await;
    let failed = failed.expect("a failed attempt");
    assert!(failed.contains("status"), "{failed}");
    assert!(
        matches!(next, ClientEvent::Reconnecting { attempt: 1, .. }),
        "{next:?} after {failed}"
    );
}
