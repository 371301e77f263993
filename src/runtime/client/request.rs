//! The request of one attempt — the client's, with a fresh key and the application's headers —
//! and what the server's 101 may agree to of it.

use tokio_tungstenite::tungstenite::handshake::client::{generate_key, Request};
use tokio_tungstenite::tungstenite::http::{self, HeaderMap};

use super::connect::Failed;
use super::target::Target;
use super::HandshakeHeaders;

use tracing::field::DisplayValue;

use crate::error::{contain_panics, Who};

/// The request of one attempt: the client's, with a fresh key and the headers `headers`
/// makes, if any.
pub(crate) async fn handshake_request(
    target: &Target,
    headers: Option<&HandshakeHeaders>,
    url: Option<DisplayValue<String>>,
) -> Result<Request, Failed> {
    let mut request = clone_request(&target.request);
    if let Some(make) = headers {
        add_headers(&mut request, make_headers(make, url).await?)?;
    }
    Ok(request)
}

/// The handshake's own headers, which tungstenite checks or writes as they are.
const HANDSHAKE_HEADERS: [&str; 4] = [
    "connection",
    "upgrade",
    "sec-websocket-version",
    "sec-websocket-key",
];

/// Runs the application's headers hook; its error or panic fails the attempt, to be retried.
async fn make_headers(
    make: &HandshakeHeaders,
    url: Option<DisplayValue<String>>,
) -> Result<HeaderMap, Failed> {
    let who = Who::client(url);
    match contain_panics("handshake headers hook", who, || make()).await {
        Ok(Ok(headers)) => Ok(headers),
        Ok(Err(err)) => Err(Failed::retry(format!("handshake headers: {err}"))),
        Err(panicked) => Err(Failed::retry(panicked)),
    }
}

/// Puts `headers` in `request`, in place of any of the same names. Headers no attempt could
/// send fail for good: retrying would open a socket each time for nothing.
fn add_headers(request: &mut Request, headers: HeaderMap) -> Result<(), Failed> {
    for (name, value) in &headers {
        if name == http::header::SEC_WEBSOCKET_EXTENSIONS {
            return Err(Failed::stop(format!("handshake headers: {NO_EXTENSION}")));
        }
        if HANDSHAKE_HEADERS.contains(&name.as_str()) {
            return Err(Failed::stop(format!(
                "handshake headers: `{name}` belongs to the WebSocket handshake and cannot be set"
            )));
        }
        // tungstenite writes header values as text.
        if value.to_str().is_err() {
            return Err(Failed::stop(format!(
                "handshake headers: the value of `{name}` is not visible ASCII"
            )));
        }
    }
    let request = request.headers_mut();
    for name in headers.keys() {
        request.remove(name);
    }
    for (name, value) in &headers {
        request.append(name, value.clone());
    }
    Ok(())
}

fn clone_request(request: &Request) -> Request {
    let mut copy = Request::new(());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    // A fresh key per connection (RFC 6455 §4.1).
    if let Ok(key) = http::HeaderValue::from_str(&generate_key()) {
        copy.headers_mut().insert("sec-websocket-key", key);
    }
    copy
}

/// Why a request may not offer an extension.
pub(super) const NO_EXTENSION: &str = "`sec-websocket-extensions` cannot be offered: tungstenite \
     implements no extension, so a server that accepted one would send frames that fail the \
     connection (1002)";

/// The first extension `headers`' `Sec-WebSocket-Extensions` names, parameters left out
/// (`permessage-deflate; client_max_window_bits` is `permessage-deflate`). In a 101 it fails
/// the attempt: the client offers none (RFC 6455 4.1, step 5), and tungstenite does not check,
/// so a server that answered `permessage-deflate` unasked sent compressed frames (RSV1 set)
/// that failed every connection with 1002, reconnect after reconnect.
pub(super) fn extension(headers: &HeaderMap) -> Option<String> {
    let values = headers.get_all(http::header::SEC_WEBSOCKET_EXTENSIONS);
    values.into_iter().find_map(|value| {
        let listed = String::from_utf8_lossy(value.as_bytes());
        let mut names = listed
            .split(',')
            .map(|e| e.split(';').next().unwrap_or("").trim());
        // Bytes over 0x7f, which a header value may hold, may read as C1 control characters.
        names
            .find(|name| !name.is_empty())
            .map(super::connect::printable)
    })
}
