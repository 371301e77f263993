//! The application's answer to plain HTTP requests on the WebSocket port (a load balancer's
//! health check): [`ServerBuilder::with_http_fallback`].
//!
//! [`ServerBuilder::with_http_fallback`]: super::ServerBuilder::with_http_fallback

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request};
use tokio_tungstenite::tungstenite::http::header::{
    CONNECTION, TE, TRAILER, TRANSFER_ENCODING, UPGRADE,
};
use tokio_tungstenite::tungstenite::http::{Response, Version};
use tracing::error;

use super::handshake::internal_error;
use super::http::not_text;
use crate::error::panic_message;

/// The fallback, as the server keeps it.
pub(super) type HttpFallback = Arc<dyn Fn(&Request) -> Option<Response<String>> + Send + Sync>;

/// The fallback's answer to `request`, ready to write; `None` leaves the server's own (400,
/// 405, 426). A panic, or an answer HTTP/1.1 cannot carry (a 1xx status or one of 600 and
/// over, a header value that is not text), answers 500, logged at error.
pub(super) fn answer(fallback: &HttpFallback, request: &Request) -> Option<ErrorResponse> {
    let answer = match catch_unwind(AssertUnwindSafe(|| fallback(request))) {
        Ok(answer) => answer?,
        Err(panic) => {
            let panic = panic_message(&*panic);
            error!(panic, "the HTTP fallback panicked; answering 500");
            return Some(internal_error().into_response());
        }
    };
    if !(200..600).contains(&answer.status().as_u16()) {
        error!(status = %answer.status(), "the HTTP fallback answered a status HTTP/1.1 cannot carry here (1xx, or 600 and over); answering 500");
        return Some(internal_error().into_response());
    }
    if let Some(name) = not_text(answer.headers()) {
        error!(header = %name, "the HTTP fallback set a header value that is not visible ASCII; answering 500");
        return Some(internal_error().into_response());
    }
    let (mut parts, body) = answer.into_parts();
    parts.version = Version::HTTP_11;
    // The server frames the answer itself (its length, then the close): hop-by-hop headers
    // copied from another handler would contradict it (a `Transfer-Encoding: chunked`
    // over a plain body).
    for name in [TRANSFER_ENCODING, CONNECTION, UPGRADE, TRAILER, TE] {
        parts.headers.remove(name);
    }
    parts.headers.remove("keep-alive");
    Some(ErrorResponse::from_parts(parts, Some(body)))
}
