//! A server held at its connection limit by clients that retry logs "connection limit
//! reached" at most once a second, however often an ended connection lets one more in: the
//! warning and its "under the limit again" used to come for every crossing, two lines per
//! ended connection, which is the flood the warning was made once to avoid. A warning held
//! back comes once the second has passed if the server is still at the limit, so that the
//! last line never says it is accepting while it refuses.

mod support;

use std::time::Instant;

use support::logs::Captured;
use tokio_tungstenite::tungstenite;

const CROSSINGS: usize = 20;

// One thread: the subscriber set for the test sees the accept loop.
#[tokio::test(flavor = "current_thread")]
async fn server_logs_a_limit_crossed_back_and_forth_once_a_second() {
    let captured = Captured::default();
    let _guard = captured.install("ws_health=info");
    let server = support::runtime::echo_server_with_limit(1).await;
    let url = format!("ws://{}", server.local_addr());
    let start = Instant::now();
    let mut refused = 0;
    let mut held =
        support::within("the first connection", connect_admitted(&url, &mut refused)).await;
    for _ in 0..CROSSINGS {
        match tokio_tungstenite::connect_async(&url).await {
            Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
            other => panic!("expected HTTP 503, got {:?}", other.map(|_| ())),
        }
        refused += 1;
        drop(held);
        held = support::within(
            "a connection after one ended",
            connect_admitted(&url, &mut refused),
        )
        .await;
    }
    // Still at the limit: the warning held back, if any, comes within a second or so.
    support::within("a warning after the last crossing", async {
        loop {
            match tokio_tungstenite::connect_async(&url).await {
                Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 503),
                other => panic!("expected HTTP 503, got {:?}", other.map(|_| ())),
            }
            let text = captured.text();
            let last = |line| text.rfind(line).map_or(-1, |i| i as i64);
            if last("connection limit reached") > last("under the connection limit again") {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    let elapsed = start.elapsed();
    drop(held);
    server.shutdown().await;

    let text = captured.text();
    let warnings = text.matches("connection limit reached").count();
    let again = text.matches("under the connection limit again").count();
    assert!(refused >= CROSSINGS);
    // One a second at most, and the first at once.
    let allowed = 1 + usize::try_from(elapsed.as_secs()).unwrap();
    assert!(
        (1..=allowed).contains(&warnings),
        "{warnings} warnings in {elapsed:?} for {CROSSINGS} crossings:\n{text}"
    );
    assert!(again <= warnings, "{again} after {warnings}:\n{text}");
    assert!(text.contains(&format!("times={}", 1)), "{text}");
}

/// Connects until admitted (the one slot is freed once the last connection's task ended);
/// counts the 503s on the way.
async fn connect_admitted(
    url: &str,
    refused: &mut usize,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    loop {
        match tokio_tungstenite::connect_async(url).await {
            Ok((ws, _)) => return ws,
            Err(tungstenite::Error::Http(response)) if response.status() == 503 => *refused += 1,
            Err(_) => {}
        }
    }
}
