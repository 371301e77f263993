//! The application's look at each upgrade request: [`ServerBuilder::with_handshake`].
//!
//! [`ServerBuilder::with_handshake`]: super::ServerBuilder::with_handshake

// tungstenite's handshake callback returns its `ErrorResponse` by value.
#![allow(clippy::result_large_err)]

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, UPGRADE,
};
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tracing::error;

use crate::error::panic_message;

/// The hook, its state type erased.
pub(super) type HandshakeHook =
    Arc<dyn Fn(&mut Handshake<'_>) -> Result<Arc<dyn Any + Send + Sync>, Refusal> + Send + Sync>;

/// One WebSocket upgrade request, as [`ServerBuilder::with_handshake`] sees it before it is
/// answered.
///
/// [`ServerBuilder::with_handshake`]: super::ServerBuilder::with_handshake
pub struct Handshake<'a> {
    request: &'a Request,
    response: &'a mut HeaderMap,
    peer: SocketAddr,
}

impl Handshake<'_> {
    /// The HTTP upgrade request: its path, query and headers (`Authorization`, `Cookie`,
    /// `Sec-WebSocket-Protocol`, …).
    pub fn request(&self) -> &Request {
        self.request
    }

    /// The peer's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// The headers of the `101 Switching Protocols` answer, to add to: the subprotocol
    /// chosen (`Sec-WebSocket-Protocol`, only one the request offered: a client that offered
    /// none fails the handshake), a cookie. The handshake's own (`Connection`, `Upgrade`,
    /// `Sec-WebSocket-Accept`) are put back as they were, and `Sec-WebSocket-Extensions` is
    /// removed: ws-health implements no extension.
    pub fn response_headers(&mut self) -> &mut HeaderMap {
        self.response
    }
}

impl fmt::Debug for Handshake<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path only: a query may carry a token, which a debug log must not show.
        f.debug_struct("Handshake")
            .field("path", &self.request.uri().path())
            .field("peer", &self.peer)
            .finish()
    }
}

/// An HTTP answer that refuses an upgrade: `401 Unauthorized` for a bad token, `403`, `404`
/// for an unknown path, `429` with `Retry-After`.
#[derive(Debug, Clone)]
pub struct Refusal {
    status: StatusCode,
    body: String,
    /// Boxed: a hook's `Result` stays small (clippy's `result_large_err`, in the
    /// application's code too).
    headers: Option<Box<HeaderMap>>,
}

impl Refusal {
    /// Refuses with `status`, a 3xx, 4xx or 5xx (any other is answered as 500, logged at
    /// error: it would not refuse), and `body` (plain text, e.g. why).
    pub fn new(status: StatusCode, body: impl Into<String>) -> Self {
        Refusal {
            status,
            body: body.into(),
            headers: None,
        }
    }

    /// Adds a header to the answer: `WWW-Authenticate` to a 401, `Location` to a redirect,
    /// `Retry-After` to a 429.
    #[must_use]
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.get_or_insert_default().append(name, value);
        self
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    fn into_response(self) -> ErrorResponse {
        let mut status = self.status;
        if !(300..600).contains(&status.as_u16()) {
            error!(%status, "a handshake refusal must be 3xx-5xx; answering 500");
            status = StatusCode::INTERNAL_SERVER_ERROR;
        }
        // tungstenite writes header values as text; one that is not would leave the peer
        // with no answer at all.
        let headers = self.headers.map(|h| *h).unwrap_or_default();
        let text = headers.iter().all(|(_, value)| value.to_str().is_ok());
        if !text {
            error!("a handshake refusal's header value is not visible ASCII; answering 500");
            status = StatusCode::INTERNAL_SERVER_ERROR;
        }
        let mut response = ErrorResponse::new(Some(self.body));
        *response.status_mut() = status;
        if text {
            *response.headers_mut() = headers;
        }
        response
    }
}

/// Headers of the 101 answer that belong to the handshake (the hook's are put back) or that
/// ws-health cannot honour (no extension is implemented: permessage-deflate would make the
/// peer send compressed frames).
const KEPT: [HeaderName; 3] = [CONNECTION, UPGRADE, SEC_WEBSOCKET_ACCEPT];

/// Runs `hook` on one request, for tungstenite's handshake callback: the state it made goes
/// to `made`, a refusal to `refused` (for the count), a panic becomes a 500.
pub(super) fn inspect(
    hook: &HandshakeHook,
    request: &Request,
    mut response: Response,
    peer: SocketAddr,
    made: &mut Option<Arc<dyn Any + Send + Sync>>,
    refused: &mut bool,
) -> Result<Response, ErrorResponse> {
    let kept = KEPT.map(|name| response.headers().get(&name).cloned());
    let mut handshake = Handshake {
        request,
        response: response.headers_mut(),
        peer,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| hook(&mut handshake)));
    let answer = match outcome {
        Ok(Ok(state)) => accepted(response, kept, state, made),
        Ok(Err(refusal)) => Err(refusal.into_response()),
        Err(panic) => {
            let panic = panic_message(&*panic);
            error!(panic, "handshake hook panicked; answering 500");
            Err(internal_error())
        }
    };
    *refused = answer.is_err();
    answer
}

/// The 101 answer once the hook accepted: the handshake's own headers as they were, no
/// extension, and values tungstenite can write; the hook's state in `made` (`()` is none).
fn accepted(
    mut response: Response,
    kept: [Option<HeaderValue>; 3],
    state: Arc<dyn Any + Send + Sync>,
    made: &mut Option<Arc<dyn Any + Send + Sync>>,
) -> Result<Response, ErrorResponse> {
    let headers = response.headers_mut();
    for (name, value) in KEPT.into_iter().zip(kept) {
        headers.remove(&name);
        if let Some(value) = value {
            headers.insert(name, value);
        }
    }
    headers.remove(SEC_WEBSOCKET_EXTENSIONS);
    // tungstenite writes header values as text; one that is not would fail the handshake
    // after the hook accepted it, unexplained.
    if let Some((name, _)) = headers.iter().find(|(_, v)| v.to_str().is_err()) {
        error!(header = %name, "handshake hook set a header value that is not visible ASCII; answering 500");
        return Err(internal_error());
    }
    // `()` is no state: the one `with_connection_state` makes, if any, stays.
    if !state.is::<()>() {
        *made = Some(state);
    }
    Ok(response)
}

fn internal_error() -> ErrorResponse {
    Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
}
