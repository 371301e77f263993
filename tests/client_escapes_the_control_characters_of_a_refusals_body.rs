//! A server's refusal is quoted in the client's error (`answered HTTP 503 …: <body>`), which
//! applications log and `ws-health probe` prints: its control characters are escaped, so
//! that a server cannot send a terminal escape sequences to run, or line breaks that forge
//! lines of output (`connected to …`). They were copied as they came. The line break that
//! ends a body (Python `websockets` ends each of its refusals with one) is no part of it.

mod support;

use ws_health::runtime::ClientEvent;

/// The error of a client refused with HTTP 503 and `body`.
async fn refused_with(body: &'static str) -> String {
    let addr = support::runtime::answering_server(move |_| {
        format!(
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    })
    .await;
    let client = support::runtime::quick_client_of(addr).connect().unwrap();
    let mut events = client.events();
    let failed = support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::ConnectFailed { .. })
    })
    .await;
    client.close();
    let ClientEvent::ConnectFailed { error } = failed else {
        unreachable!("picked a ConnectFailed")
    };
    error
}

#[tokio::test]
async fn client_escapes_the_control_characters_of_a_refusals_body() {
    support::trace();
    let error = refused_with(
        "busy\x1b]0;owned\x07\x1b[2J\r\nconnected to 10.0.0.1:443\n\u{9b}31m \u{202e}olleh\u{2028}\"é\"",
    )
    .await;
    assert!(!error.chars().any(char::is_control), "{error:?}");
    assert!(
        error.contains("answered HTTP 503 Service Unavailable: busy"),
        "{error}"
    );
    assert!(
        error.contains(r"\u{1b}[2J\r\nconnected to 10.0.0.1:443\n\u{9b}31m"),
        "{error}"
    );
    // A bidi override that would turn the rest of the line around, and a line separator,
    // are escaped too; quotes and letters are not.
    assert!(error.ends_with(r#"\u{202e}olleh\u{2028}"é""#), "{error}");
}

#[tokio::test]
async fn the_line_break_that_ends_a_refusals_body_is_left_out() {
    let error = refused_with("Server is shutting down.\r\n").await;
    assert!(
        error.ends_with("answered HTTP 503 Service Unavailable: Server is shutting down."),
        "{error}"
    );
    let error = refused_with("\n").await;
    assert!(
        error.ends_with("answered HTTP 503 Service Unavailable"),
        "{error}"
    );
}
