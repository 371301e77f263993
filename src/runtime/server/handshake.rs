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
use tokio_tungstenite::tungstenite::http::{HeaderMap, StatusCode};
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
    /// chosen (`Sec-WebSocket-Protocol`), a cookie.
    pub fn response_headers(&mut self) -> &mut HeaderMap {
        self.response
    }
}

impl fmt::Debug for Handshake<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake")
            .field("uri", self.request.uri())
            .field("peer", &self.peer)
            .finish()
    }
}

/// An HTTP answer that refuses an upgrade: `401 Unauthorized` for a bad token, `403`, `404`
/// for an unknown path.
#[derive(Debug, Clone)]
pub struct Refusal {
    status: StatusCode,
    body: String,
}

impl Refusal {
    /// Refuses with `status` and `body` (plain text, e.g. why).
    pub fn new(status: StatusCode, body: impl Into<String>) -> Self {
        Refusal {
            status,
            body: body.into(),
        }
    }

    /// The status it answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    fn into_response(self) -> ErrorResponse {
        let mut response = ErrorResponse::new(Some(self.body));
        *response.status_mut() = self.status;
        response
    }
}

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
    let mut handshake = Handshake {
        request,
        response: response.headers_mut(),
        peer,
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| hook(&mut handshake)));
    *refused = true;
    match outcome {
        Ok(Ok(state)) => {
            *refused = false;
            *made = Some(state);
            Ok(response)
        }
        Ok(Err(refusal)) => Err(refusal.into_response()),
        Err(panic) => {
            let panic = panic_message(&*panic);
            error!(panic, "handshake hook panicked; answering 500");
            let refusal = Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error");
            Err(refusal.into_response())
        }
    }
}
