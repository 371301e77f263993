//! What an upgrade request must hold (RFC 6455 §4.2.1, RFC 9110 and 9112), and the answer the
//! handshake gives it: tungstenite's `create_response`, with what it does not check.

use tokio_tungstenite::tungstenite::error::{Error, ProtocolError};
use tokio_tungstenite::tungstenite::handshake::server::{create_response, Request, Response};
use tokio_tungstenite::tungstenite::http::header::{self, SEC_WEBSOCKET_VERSION};
use tokio_tungstenite::tungstenite::http::{
    HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version,
};

use super::handshake::Refusal;

/// The handshake's own answer to an upgrade request, or why it is none: tungstenite's
/// `create_response`, with the statuses RFC 6455 and HTTP give each reason.
pub(super) fn validate(request: &mut Request) -> Result<Response, Refusal> {
    // RFC 6455 11.3.1, 11.3.5: once each; the answer would otherwise be to one of two. RFC
    // 9112 3.2: one Host, which a hook may route on (a proxy could route on another).
    for (name, header) in [
        ("Sec-WebSocket-Key", header::SEC_WEBSOCKET_KEY),
        ("Sec-WebSocket-Version", SEC_WEBSOCKET_VERSION),
        ("Host", header::HOST),
    ] {
        if request.headers().get_all(header).iter().nth(1).is_some() {
            let why = format!("the upgrade request has {name} more than once");
            return Err(Refusal::new(StatusCode::BAD_REQUEST, why));
        }
    }
    // A list split over several lines is one list (RFC 9110 5.3); tungstenite reads the
    // first line only, and a hook that reads `Sec-WebSocket-Protocol` with `get` would see
    // only some of the subprotocols offered (RFC 6455 11.3.4 allows several lines).
    for list in [
        header::CONNECTION,
        header::UPGRADE,
        header::SEC_WEBSOCKET_PROTOCOL,
    ] {
        join_lines(request.headers_mut(), list);
    }
    if request.method() != Method::GET {
        let why = format!("an upgrade is a GET request, not {}", request.method());
        let allow = HeaderValue::from_static("GET");
        return Err(
            Refusal::new(StatusCode::METHOD_NOT_ALLOWED, why).with_header(header::ALLOW, allow)
        );
    }
    if request.version() != Version::HTTP_11 {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "an upgrade needs HTTP/1.1",
        ));
    }
    // RFC 9112 3.2.3, 3.2.4: the authority and asterisk forms are CONNECT's and OPTIONS';
    // a GET names a path (or an absolute URI), which the hook routes on.
    let target = request.uri();
    if target.scheme().is_none() && !target.path().starts_with('/') {
        let why = format!("an upgrade request's target is a path, like /chat, not {target}");
        return Err(Refusal::new(StatusCode::BAD_REQUEST, why));
    }
    // RFC 9112 3.2 (and RFC 6455 4.1): every HTTP/1.1 request names its Host.
    if !request.headers().contains_key(header::HOST) {
        let why = "the upgrade request has no Host header";
        return Err(Refusal::new(StatusCode::BAD_REQUEST, why));
    }
    respond(request).map_err(|err| match err {
        // RFC 6455 4.2.2: the versions this server speaks, with 426.
        Error::Protocol(ProtocolError::MissingSecWebSocketVersionHeader) => {
            let version = HeaderValue::from_static("13");
            // RFC 9110 15.5.22: a 426 names the protocol to upgrade to.
            Refusal::new(
                StatusCode::UPGRADE_REQUIRED,
                "Sec-WebSocket-Version must be 13",
            )
            .with_header(SEC_WEBSOCKET_VERSION, version)
            .with_header(header::UPGRADE, HeaderValue::from_static("websocket"))
        }
        err => Refusal::new(StatusCode::BAD_REQUEST, err.to_string()),
    })
}

/// tungstenite's `create_response`, shown `Upgrade: websocket` if the request's `Upgrade`
/// list holds that token: RFC 6455 4.2.1 asks no more (RFC 9110 7.8 lets a client offer
/// several protocols), where tungstenite wants `websocket` alone. The request keeps its
/// own list, for the hook to see what the peer sent.
fn respond(request: &mut Request) -> tokio_tungstenite::tungstenite::Result<Response> {
    let offered = request.headers().get(header::UPGRADE).cloned();
    let Some(offered) = offered.filter(|list| names(list, "websocket") && list != "websocket")
    else {
        return create_response(request);
    };
    let websocket = HeaderValue::from_static("websocket");
    request.headers_mut().insert(header::UPGRADE, websocket);
    let response = create_response(request);
    request.headers_mut().insert(header::UPGRADE, offered);
    response
}

/// Whether the comma-separated `list` holds `token`, in any case (RFC 9110 5.6.1).
fn names(list: &HeaderValue, token: &str) -> bool {
    (list.as_bytes().split(|&b| b == b','))
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// Joins the lines of a list header into one, comma-separated, with its tabs as spaces
/// (RFC 9110 5.6.3: whitespace around a comma may be either; tungstenite splits at spaces).
fn join_lines(headers: &mut HeaderMap, name: HeaderName) {
    let lines: Vec<&[u8]> = headers
        .get_all(&name)
        .iter()
        .map(|v| v.as_bytes())
        .collect();
    if lines.len() < 2 && !lines.iter().any(|line| line.contains(&b'\t')) {
        return;
    }
    let joined: Vec<u8> = (lines.join(&b", "[..]).into_iter())
        .map(|b| if b == b'\t' { b' ' } else { b })
        .collect();
    // Each part was a valid value; so is their list.
    if let Ok(value) = HeaderValue::from_bytes(&joined) {
        headers.insert(name, value);
    }
}
