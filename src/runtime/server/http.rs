//! HTTP/1.1 for the opening handshake: read the upgrade request's head, write an answer.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_tungstenite::tungstenite::handshake::server::{write_response, Request};
use tokio_tungstenite::tungstenite::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use tokio_tungstenite::tungstenite::http::{
    HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, Version,
};

/// The most an upgrade request's head may take: Node's default. Cookies and tokens fit;
/// a peer that sends more is answered 431.
pub(super) const MAX_HEAD: usize = 16 * 1024;

/// As many header lines as tungstenite accepts.
const MAX_HEADERS: usize = 124;

/// Why no upgrade request could be read.
#[derive(Debug)]
pub(super) enum BadRequest {
    /// The socket failed or closed: no one to answer.
    Io(std::io::Error),
    /// Not an upgrade request we can take: answered with `status` and `why`.
    Invalid { status: StatusCode, why: String },
}

impl BadRequest {
    fn invalid(why: impl Into<String>) -> Self {
        BadRequest::Invalid {
            status: StatusCode::BAD_REQUEST,
            why: why.into(),
        }
    }
}

/// Reads the request head, byte for byte what tungstenite would accept: `GET`, HTTP/1.1,
/// at most [`MAX_HEAD`] bytes, nothing after it (a client waits for the answer before it
/// sends a frame).
pub(super) async fn read_request<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<Request, BadRequest> {
    let mut head = Vec::with_capacity(1024);
    loop {
        if head.len() >= MAX_HEAD {
            return Err(BadRequest::Invalid {
                status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                why: format!("the upgrade request's head is over {MAX_HEAD} bytes"),
            });
        }
        let room = (MAX_HEAD - head.len()).min(4096);
        let read = (&mut *stream)
            .take(room as u64)
            .read_buf(&mut head)
            .await
            .map_err(BadRequest::Io)?;
        if read == 0 {
            let eof = std::io::ErrorKind::UnexpectedEof;
            return Err(BadRequest::Io(eof.into()));
        }
        if let Some((size, request)) = parse(&head)? {
            if size < head.len() {
                return Err(BadRequest::invalid(
                    "data after the upgrade request, before its answer",
                ));
            }
            return Ok(request);
        }
    }
}

/// The request, once its head is complete.
fn parse(head: &[u8]) -> Result<Option<(usize, Request)>, BadRequest> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut raw = httparse::Request::new(&mut headers);
    let size = match raw.parse(head) {
        Ok(httparse::Status::Complete(size)) => size,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(err) => return Err(BadRequest::invalid(format!("not an HTTP request: {err}"))),
    };
    // Complete: httparse has filled in the method, path and version.
    let (method, path) = (raw.method.unwrap_or(""), raw.path.unwrap_or(""));
    if method != "GET" {
        return Err(BadRequest::invalid(format!(
            "an upgrade is a GET request, not {method}"
        )));
    }
    if raw.version != Some(1) {
        return Err(BadRequest::invalid("an upgrade needs HTTP/1.1"));
    }
    let mut request = Request::new(());
    *request.method_mut() = Method::GET;
    *request.version_mut() = Version::HTTP_11;
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

/// Writes a whole answer: the head, and the body if any (a refusal's reason, as plain
/// text with its length, so that any HTTP client reads it whole).
pub(super) async fn write_answer<S: AsyncWrite + Unpin>(
    stream: &mut S,
    response: &mut Response<Option<String>>,
) -> std::io::Result<()> {
    let body = response.body_mut().take();
    if let Some(body) = &body {
        let headers: &mut HeaderMap = response.headers_mut();
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
        headers
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("text/plain; charset=utf-8"));
    }
    let mut bytes = Vec::with_capacity(256 + body.as_ref().map_or(0, String::len));
    write_response(&mut bytes, response).map_err(std::io::Error::other)?;
    if let Some(body) = body {
        bytes.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&bytes).await?;
    stream.flush().await
}
