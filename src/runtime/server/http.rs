//! HTTP/1.1 for the opening handshake: read the upgrade request's head, write an answer.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::server::{write_response, Request};

use tokio_tungstenite::tungstenite::http::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::handshake::Refusal;
use crate::runtime::head::head_end;
use tokio_tungstenite::tungstenite::http::{
    HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, Version,
};

/// The most an upgrade request's head may take, as tungstenite: cookies and tokens fit; a
/// peer that sends more is answered 431.
pub(super) const MAX_HEAD: usize = 64 * 1024;

/// As many header lines as tungstenite accepts; more are answered 431 too.
const MAX_HEADERS: usize = 124;

/// tungstenite's guard against a head sent in many small pieces (each read costs a wake-up
/// and, here, a search): at most this many reads, and past [`SMALL_READS`] of them at least
/// [`MIN_READ`] bytes a read on average.
const MAX_READS: usize = 512;
const SMALL_READS: usize = 64;
const MIN_READ: usize = 128;

/// Why no upgrade request could be read.
#[derive(Debug)]
pub(super) enum BadRequest {
    /// The socket failed or closed: no one to answer.
    Io(std::io::Error),
    /// Not an upgrade request we can take: answered with this, without its body if the
    /// request was a `HEAD` (`head_only`).
    Invalid { refusal: Refusal, head_only: bool },
}

impl BadRequest {
    fn invalid(why: impl Into<String>) -> Self {
        BadRequest::refused(Refusal::new(StatusCode::BAD_REQUEST, why))
    }

    fn too_large(why: impl Into<String>) -> Self {
        BadRequest::refused(Refusal::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            why,
        ))
    }

    fn refused(refusal: Refusal) -> Self {
        BadRequest::Invalid {
            refusal,
            head_only: false,
        }
    }
}

/// Reads the request head, held to what tungstenite accepts: at most [`MAX_HEAD`] bytes and
/// [`MAX_HEADERS`] headers, not in too many small pieces, nothing after it in the read that
/// completes it (a client waits for the answer before it sends a frame; a plain request
/// with a body is refused). Whether it is an upgrade is for the caller to judge.
pub(super) async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<Request, BadRequest> {
    let mut head = Vec::with_capacity(1024);
    let mut read = read_head(stream, &mut head).await;
    // A refused `HEAD` is answered without a body too, even one whose head did not parse.
    if let Err(BadRequest::Invalid { head_only, .. }) = &mut read {
        *head_only = head.trim_ascii_start().starts_with(b"HEAD ");
    }
    read
}

async fn read_head<S: AsyncRead + Unpin>(
    stream: &mut S,
    head: &mut Vec<u8>,
) -> Result<Request, BadRequest> {
    let mut reads = 0;
    // A byte other than CR and LF has come: the request line has begun. Empty lines before
    // it end no head (httparse skips them), so they are not each a reason to parse.
    let mut begun = false;
    loop {
        let before = head.len();
        let room = (MAX_HEAD + 1 - before).min(4096);
        if head.capacity() - before < room {
            // Doubled, as a Vec grows, but never past the limit and one byte: a head that
            // stops short holds at most `MAX_HEAD + 1` bytes until the handshake timeout.
            let capacity = (before + room).max(2 * head.capacity()).min(MAX_HEAD + 1);
            head.reserve_exact(capacity - before);
        }
        let read = (&mut *stream)
            .take(room as u64)
            .read_buf(head)
            .await
            .map_err(BadRequest::Io)?;
        if read == 0 {
            let eof = std::io::ErrorKind::UnexpectedEof;
            return Err(BadRequest::Io(eof.into()));
        }
        if head.len() > MAX_HEAD {
            let why = format!("the upgrade request's head is over {MAX_HEAD} bytes");
            return Err(BadRequest::too_large(why));
        }
        reads += 1;
        if reads > MAX_READS || (reads > SMALL_READS && head.len() < reads * MIN_READ) {
            let why = "the upgrade request came in too many small pieces";
            return Err(BadRequest::invalid(why));
        }
        // Parsed after the first read and after any that holds a byte no head may (bytes that
        // are no HTTP are answered at once), and once the head is whole: not once per line of
        // a head sent in pieces, which would parse the head so far again each time.
        let new = &head[before..];
        begun = begun || new.iter().any(|&b| !matches!(b, b'\r' | b'\n'));
        let ended = begun && head_end(head, before).is_some();
        if before > 0 && !ended && !new.iter().any(|&b| never_in_head(b)) {
            continue;
        }
        if let Some((size, request)) = parse(head)? {
            if size < head.len() {
                return Err(BadRequest::invalid(
                    "data after the upgrade request, before its answer",
                ));
            }
            return Ok(request);
        }
    }
}

/// A control character other than tab, CR and LF, which no request line or header holds.
fn never_in_head(byte: u8) -> bool {
    (byte < 0x20 && !matches!(byte, b'\t' | b'\r' | b'\n')) || byte == 0x7f
}

#[cfg(test)]
thread_local! {
    /// Calls of `parse` on this thread.
    static PARSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// The request, once its head is complete.
fn parse(head: &[u8]) -> Result<Option<(usize, Request)>, BadRequest> {
    #[cfg(test)]
    PARSES.with(|parses| parses.set(parses.get() + 1));
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut raw = httparse::Request::new(&mut headers);
    let size = match raw.parse(head) {
        Ok(httparse::Status::Complete(size)) => size,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            let why = format!("the upgrade request has over {MAX_HEADERS} headers");
            return Err(BadRequest::too_large(why));
        }
        Err(err) => return Err(BadRequest::invalid(format!("not an HTTP request: {err}"))),
    };
    // Complete: httparse has filled in the method, path and version. Whether this is an
    // upgrade is for the caller to say: a plain request may be the application's to answer.
    let (method, path) = (raw.method.unwrap_or(""), raw.path.unwrap_or(""));
    let mut request = Request::new(());
    *request.method_mut() = Method::from_bytes(method.as_bytes())
        .map_err(|_| BadRequest::invalid(format!("not an HTTP method: {method:?}")))?;
    *request.version_mut() = match raw.version {
        Some(0) => Version::HTTP_10,
        _ => Version::HTTP_11,
    };
    *request.uri_mut() = path
        .parse()
        .map_err(|err| BadRequest::invalid(format!("the request's path {path:?}: {err}")))?;
    let map = request.headers_mut();
    for header in raw.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes());
        let value = HeaderValue::from_bytes(header.value);
        let (Ok(name), Ok(value)) = (name, value) else {
            return Err(BadRequest::invalid(format!(
                "header {:?} is not valid",
                header.name
            )));
        };
        map.append(name, value);
    }
    Ok(Some((size, request)))
}

/// The first header whose value is not visible ASCII: tungstenite's `write_response` writes
/// values as text and fails on such a one, after the answer was decided.
pub(super) fn not_text(headers: &HeaderMap) -> Option<&HeaderName> {
    headers
        .iter()
        .find(|(_, value)| value.to_str().is_err())
        .map(|(name, _)| name)
}

/// Writes a whole answer: the head, and the body if any (a refusal's reason, as plain
/// text with its length, so that any HTTP client reads it whole); to a `HEAD` request
/// (`head_only`) the same head without the body. 1xx, 204 and 304 answers carry neither body
/// nor length (RFC 9110 8.6).
pub(super) async fn write_answer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    response: &mut Response<Option<String>>,
    head_only: bool,
) -> std::io::Result<()> {
    let status = response.status();
    let bodiless = status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED;
    let body = response.body_mut().take().filter(|_| !bodiless);
    let headers: &mut HeaderMap = response.headers_mut();
    if bodiless {
        headers.remove(CONTENT_LENGTH);
    }
    if let Some(body) = &body {
        // A HEAD answer with no body may name the length its GET would have.
        if !(head_only && body.is_empty() && headers.contains_key(CONTENT_LENGTH)) {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        }
        headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("text/plain; charset=utf-8"));
    }
    let mut bytes = Vec::with_capacity(256 + body.as_ref().map_or(0, String::len));
    write_response(&mut bytes, response).map_err(std::io::Error::other)?;
    if let Some(body) = body.filter(|_| !head_only) {
        bytes.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&bytes).await?;
    stream.flush().await
}

#[cfg(test)]
mod tests;
