//! The application's look at each upgrade request: [`ServerBuilder::with_handshake`] and
//! [`ServerBuilder::with_handshake_async`].
//!
//! [`ServerBuilder::with_handshake`]: super::ServerBuilder::with_handshake
//! [`ServerBuilder::with_handshake_async`]: super::ServerBuilder::with_handshake_async

use std::any::Any;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::header::{
    CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_EXTENSIONS, UPGRADE,
};
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tracing::error;

use super::http::not_text;
use crate::error::{contain_panics, Who};

/// A connection's state, as the handshake hook made it.
pub(super) type State = Arc<dyn Any + Send + Sync>;

/// The hook, its state type erased: sync hooks answer with a ready future.
pub(super) type HandshakeHook =
    Arc<dyn Fn(Handshake) -> BoxFuture<'static, Result<Accepted, Refusal>> + Send + Sync>;

/// One WebSocket upgrade request, as [`ServerBuilder::with_handshake`] and
/// [`ServerBuilder::with_handshake_async`] see it before it is answered.
///
/// [`ServerBuilder::with_handshake`]: super::ServerBuilder::with_handshake
/// [`ServerBuilder::with_handshake_async`]: super::ServerBuilder::with_handshake_async
pub struct Handshake {
    request: Request,
    response: HeaderMap,
    peer: SocketAddr,
}

impl Handshake {
    pub(super) fn new(request: Request, peer: SocketAddr) -> Self {
        Handshake {
            request,
            response: HeaderMap::new(),
            peer,
        }
    }

    /// The HTTP upgrade request: its path, query and headers (`Authorization`, `Cookie`,
    /// `Sec-WebSocket-Protocol`, …). A `Connection`, `Upgrade` or `Sec-WebSocket-Protocol`
    /// list the peer sent on several lines is here as one line, its items comma-separated
    /// (RFC 9110 5.3): `get` gives every subprotocol offered.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The peer's address.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// Headers to add to the `101 Switching Protocols` answer (empty at first): the
    /// subprotocol chosen (`Sec-WebSocket-Protocol`, only one the request offered: a client
    /// that offered none fails the handshake), a cookie. The handshake's own (`Connection`,
    /// `Upgrade`, `Sec-WebSocket-Accept`) are not taken from here, nor
    /// `Sec-WebSocket-Extensions`: ws-health implements no extension.
    pub fn response_headers(&mut self) -> &mut HeaderMap {
        &mut self.response
    }

    /// Accepts the upgrade, with `state` for the connection (what its checks read with
    /// [`CheckContext::state`](crate::check::CheckContext::state) and the handler with
    /// [`Sender::state`](crate::Sender::state)), and the headers added to
    /// [`response_headers`](Self::response_headers). `Arc::new(())` is no state: the one
    /// [`with_connection_state`](super::ServerBuilder::with_connection_state) makes stays.
    pub fn accept<T: Any + Send + Sync>(self, state: Arc<T>) -> Accepted {
        Accepted {
            headers: self.response,
            state,
        }
    }
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The path only: a query may carry a token, which a debug log must not show.
        f.debug_struct("Handshake")
            .field("path", &self.request.uri().path())
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

/// An upgrade the handshake hook accepted: [`Handshake::accept`].
pub struct Accepted {
    headers: HeaderMap,
    state: State,
}

impl fmt::Debug for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header names only: a cookie's value must not reach a debug log.
        let headers: Vec<_> = self.headers.keys().collect();
        f.debug_struct("Accepted")
            .field("headers", &headers)
            .finish_non_exhaustive()
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

    /// The body it answers with.
    pub fn body(&self) -> &str {
        &self.body
    }

    pub(super) fn into_response(self) -> ErrorResponse {
        let mut status = self.status;
        if !(300..600).contains(&status.as_u16()) {
            error!(%status, "a handshake refusal must be 3xx-5xx; answering 500");
            status = StatusCode::INTERNAL_SERVER_ERROR;
        }
        // tungstenite writes header values as text; one that is not would leave the peer
        // with no answer at all.
        let headers = self.headers.map(|h| *h).unwrap_or_default();
        let text = not_text(&headers).is_none();
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

/// Headers of the 101 answer that belong to the handshake (the hook's are not taken) or that
/// ws-health cannot honour (no extension is implemented: permessage-deflate would make the
/// peer send compressed frames).
const KEPT: [HeaderName; 4] = [
    CONNECTION,
    UPGRADE,
    SEC_WEBSOCKET_ACCEPT,
    SEC_WEBSOCKET_EXTENSIONS,
];

/// The hook's answer to one request: the `101` answer (`response`, the handshake's own, with
/// the hook's headers added) and the state it made (`None`: it made none), or the refusal to
/// write. A panic, in the call or its future, answers 500 (logged at error).
pub(super) async fn decide(
    hook: &HandshakeHook,
    handshake: Handshake,
    response: Response,
) -> Result<(Response, Option<State>), Refusal> {
    // The peer, where the connection's span that names it is off: the upgrade runs in that
    // span, its task's own, so the current span is it or, turned off, none.
    let peer = tracing::Span::current()
        .is_disabled()
        .then(|| tracing::field::display(handshake.peer()));
    match contain_panics(
        "handshake hook",
        Who {
            peer,
            ..Who::default()
        },
        || hook(handshake),
    )
    .await
    {
        Ok(Ok(accepted)) => answer(response, accepted),
        Ok(Err(refusal)) => Err(refusal),
        Err(_panicked) => Err(internal_error()),
    }
}

/// The 101 answer once the hook accepted: the handshake's own headers, the hook's other
/// headers if tungstenite can write them, and its state (`()` is none).
fn answer(
    mut response: Response,
    accepted: Accepted,
) -> Result<(Response, Option<State>), Refusal> {
    if let Some(name) = not_text(&accepted.headers) {
        error!(header = %name, "handshake hook set a header value that is not visible ASCII; answering 500");
        return Err(internal_error());
    }
    let headers = response.headers_mut();
    for (name, value) in &accepted.headers {
        if !KEPT.contains(name) {
            headers.append(name, value.clone());
        }
    }
    // `()` is no state: the one `with_connection_state` makes, if any, stays.
    let state = Some(accepted.state).filter(|state| !state.is::<()>());
    Ok((response, state))
}

pub(super) fn internal_error() -> Refusal {
    Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}
