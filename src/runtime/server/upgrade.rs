//! The server's opening handshake, within the handshake timeout: TLS, the upgrade request,
//! the application's hook, the answer. Done here rather than by tungstenite, whose callback
//! is synchronous, so that the hook may await; the request is held to what tungstenite
//! accepts, its lists read as RFC 9110 reads them (`request.rs`), and answered as it would be
//! (its `create_response`, `write_response`).

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{timeout, timeout_at, Instant};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::header;
use tokio_tungstenite::tungstenite::http::{HeaderValue, Method, StatusCode};
use tokio_tungstenite::tungstenite::protocol::Role;
use tracing::{debug, error};

use super::accept::Context;
use super::fallback;
use super::handshake::{decide, internal_error, Handshake, Refusal, State};
use super::http::{read_request, write_answer, BadRequest, MAX_HEAD};
use super::request::validate;
use crate::error::panic_message;
use crate::lean::WriteProgress;
use crate::metrics::{dropped, Dropped};
use crate::runtime::ServerStream;
use crate::supervisor::later::later;
use crate::LeanStream;

/// Time a refusal has to reach the peer, and the peer to close after it: the answer is
/// small, and a connection slot is held meanwhile.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// Upgrades `tcp`, within the handshake timeout from `accepted`: the stream, and the state
/// the hook or the state factory made (`None`: neither made one). An error if it was not
/// upgraded: logged at debug and counted (before any answer is written, so that a peer slow
/// to close is not counted as slow to upgrade), with the answer still to be written where
/// there is someone to answer.
pub(super) async fn upgrade(
    context: &Context,
    tcp: TcpStream,
    peer: SocketAddr,
    accepted: Instant,
) -> Result<Upgraded, Option<Box<Refused>>> {
    let deadline = later(accepted, context.server.handshake_timeout);
    let mut step = Step::Tls;
    let received = timeout_at(deadline, receive(context, tcp, &mut step)).await;
    let (stream, request, response) = match received {
        Ok(Ok(received)) => received,
        Ok(Err(Invalid::Answer {
            stream,
            answer,
            served,
            head_only,
        })) => {
            if !served {
                dropped(Dropped::HandshakeFailed);
            }
            return Err(Refused::new(stream, *answer, head_only));
        }
        Ok(Err(Invalid::Unanswerable(reason))) => {
            dropped(reason);
            return Err(None);
        }
        Err(_) => return Err(timed_out(context, step)),
    };
    let decided = match &context.handshake {
        None => Ok((response, None)),
        Some(hook) => {
            let decided = decide(hook, Handshake::new(request, peer), response);
            // Biased: a hook that answers at once (any synchronous one) is always heard.
            let decided = tokio::select! {
                biased;
                decided = timeout_at(deadline, decided) => decided,
                () = left(stream.tcp()) => {
                    debug!("the peer left while the handshake hook decided; dropping the hook");
                    dropped(Dropped::PeerLeft);
                    return Err(None);
                }
            };
            match decided {
                Ok(decided) => decided,
                Err(_) => {
                    debug!("the handshake hook did not answer within the handshake timeout; answering 503");
                    dropped(Dropped::HandshakeHookTimeout);
                    let busy = busy("the server could not decide on the upgrade in time");
                    return Err(Refused::new(stream, busy.into_response(), false));
                }
            }
        }
    };
    let refusal =
        match decided.and_then(|(response, made)| Ok((response, state(context, peer, made)?))) {
            Ok(accepted) => {
                return answer(context, stream, accepted, deadline)
                    .await
                    .ok_or(None)
            }
            Err(refusal) => refusal,
        };
    debug!(status = %refusal.status(), "upgrade refused");
    dropped(Dropped::HandshakeRefused);
    Err(Refused::new(stream, refusal.into_response(), false))
}

/// A refusal decided and counted, its answer still to be written: by the caller, outside
/// the handshake, so that a shutdown that cuts the answer's linger short does not count the
/// connection a second time.
pub(super) struct Refused {
    stream: ServerStream,
    answer: ErrorResponse,
    head_only: bool,
}

impl Refused {
    fn new(stream: ServerStream, answer: ErrorResponse, head_only: bool) -> Option<Box<Self>> {
        Some(Box::new(Refused {
            stream,
            answer,
            head_only,
        }))
    }

    /// Writes the answer and ends the stream, within [`REFUSAL_LINGER`].
    pub(super) async fn answer(mut self: Box<Self>) {
        refuse(&mut self.stream, self.answer, self.head_only).await;
    }
}

/// The connection's state: the one the hook made, else the one `with_connection_state`
/// makes, before the `101`: a panic there answers 500, as one in the hook does.
fn state(
    context: &Context,
    peer: SocketAddr,
    made: Option<State>,
) -> Result<Option<State>, Refusal> {
    let Some(make) = context.state.as_ref().filter(|_| made.is_none()) else {
        return Ok(made);
    };
    match std::panic::catch_unwind(AssertUnwindSafe(|| make(peer))) {
        Ok(state) => Ok(Some(state)),
        Err(panic) => {
            error!(
                panic = panic_message(&*panic),
                "the connection state factory panicked; answering 500"
            );
            Err(internal_error())
        }
    }
}

/// An upgraded connection, for the supervisor.
pub(super) struct Upgraded {
    pub(super) ws: LeanStream<ServerStream>,
    /// The state the hook or the state factory made.
    pub(super) state: Option<State>,
    /// The bytes its socket takes (beneath TLS, if any).
    pub(super) progress: WriteProgress,
}

/// Writes the `101` answer and takes the stream over.
async fn answer(
    context: &Context,
    mut stream: ServerStream,
    (response, state): (Response, Option<State>),
    deadline: Instant,
) -> Option<Upgraded> {
    let mut answer = response.map(|()| None);
    match timeout_at(deadline, write_answer(&mut stream, &mut answer, false)).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            debug!(error = %err, "handshake failed: the answer could not be written");
            dropped(Dropped::HandshakeFailed);
            return None;
        }
        Err(_) => return timed_out(context, Step::Answer),
    }
    let config = Some(context.websocket);
    let tls_progress = stream.tls_progress();
    let mut ws = LeanStream::from_raw_socket(stream, Role::Server, config).await;
    ws.set_sleep_when_idle(context.socket.sleep_when_idle);
    // Over TLS, counted beneath it: rustls takes bytes the socket has not.
    let progress = tls_progress.unwrap_or_else(|| ws.write_progress());
    Some(Upgraded {
        ws,
        state,
        progress,
    })
}

/// Answers an upgrade request over the connection limit with 503 and `Retry-After` (or the
/// 400 any request we cannot upgrade gets).
pub(super) async fn refuse_over_limit(context: &Context, tcp: TcpStream, accepted: Instant) {
    let deadline = later(accepted, context.server.handshake_timeout);
    let received = timeout_at(deadline, receive(context, tcp, &mut Step::Tls)).await;
    let (mut stream, refusal, head_only) = match received {
        Ok(Ok((stream, ..))) => {
            let full = busy("server at its connection limit");
            (stream, full.into_response(), false)
        }
        Ok(Err(Invalid::Answer {
            stream,
            answer,
            head_only,
            ..
        })) => (stream, *answer, head_only),
        Ok(Err(Invalid::Unanswerable(_))) | Err(_) => return,
    };
    refuse(&mut stream, refusal, head_only).await;
}

/// 503 with `Retry-After: 1`: a ws-health client retries with backoff rather than stop.
fn busy(why: &'static str) -> Refusal {
    Refusal::new(StatusCode::SERVICE_UNAVAILABLE, why)
        .with_header(header::RETRY_AFTER, HeaderValue::from_static("1"))
}

/// A request the handshake cannot upgrade.
enum Invalid {
    /// Owed an answer: why not (400, 405, 426, 431), or the application's fallback's.
    Answer {
        stream: ServerStream,
        answer: Box<ErrorResponse>,
        /// The application's fallback answered it: no failed handshake to count.
        served: bool,
        /// A `HEAD` request: the answer's head alone.
        head_only: bool,
    },
    /// The peer is gone ([`Dropped::NoRequest`]), or TLS failed ([`Dropped::Tls`]): no one
    /// to answer.
    Unanswerable(Dropped),
}

/// TLS if configured, then the upgrade request and the handshake's own answer to it. A
/// request that is no upgrade goes to the application's HTTP fallback, if any.
async fn receive(
    context: &Context,
    tcp: TcpStream,
    step: &mut Step,
) -> Result<(ServerStream, Request, Response), Invalid> {
    let mut stream = open(context, tcp).await.map_err(|err| {
        debug!(error = %err, "handshake failed: TLS");
        // A peer that closes before its ClientHello is whole is a TCP check, not a client
        // that TLS failed (which sends an alert first).
        Invalid::Unanswerable(if gone(&err) {
            Dropped::NoRequest
        } else {
            Dropped::Tls
        })
    })?;
    *step = Step::Request;
    let (request, refusal, head_only) = match read_request(&mut stream).await {
        Ok(mut request) => match validate(&mut request) {
            Ok(response) => return Ok((stream, request, response)),
            Err(refusal) => {
                let head_only = request.method() == Method::HEAD;
                (Some(request), refusal, head_only)
            }
        },
        Err(BadRequest::Invalid { refusal, head_only }) => (None, refusal, head_only),
        Err(BadRequest::Io(err)) => {
            debug!(error = %err, "handshake failed: no upgrade request");
            return Err(Invalid::Unanswerable(Dropped::NoRequest));
        }
    };
    let served = match (request, &context.http_fallback) {
        (Some(request), Some(fallback)) if plain(&request) => fallback::answer(fallback, &request),
        _ => None,
    };
    let (answer, served) = match served {
        Some(answer) => {
            debug!(status = %answer.status(), "a plain HTTP request, answered by the application");
            (answer, true)
        }
        None => {
            debug!(status = %refusal.status(), why = refusal.body(), "not an upgrade request we take; answering");
            (refusal.into_response(), false)
        }
    };
    Err(Invalid::Answer {
        stream,
        answer: Box::new(answer),
        served,
        head_only,
    })
}

/// A request for the application's HTTP fallback: no sign of an upgrade (a broken one is
/// answered by the handshake: 426 for another version, 400), and no body, which is not read.
fn plain(request: &Request) -> bool {
    let headers = request.headers();
    let body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|length| length != "0");
    !body
        && !headers.contains_key(header::UPGRADE)
        && !headers.contains_key(header::SEC_WEBSOCKET_KEY)
}

/// Writes `answer` and ends the stream, within [`REFUSAL_LINGER`]. What the peer sent past
/// the head is read and dropped until it closes: closed with unread data, the socket would
/// reset, and the reset could reach the peer before the answer it had not yet read.
async fn refuse<S>(stream: &mut S, mut answer: ErrorResponse, head_only: bool)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let headers = answer.headers_mut();
    // An HTTP client would otherwise keep the connection for its next request. An `Upgrade`
    // header (a 426's) goes with an `upgrade` option (RFC 9110 7.8).
    let connection = if headers.contains_key(header::UPGRADE) {
        "close, upgrade"
    } else {
        "close"
    };
    headers.insert(header::CONNECTION, HeaderValue::from_static(connection));
    // The reason may quote the request (its path, a header's name): text, never markup.
    let nosniff = HeaderValue::from_static("nosniff");
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, nosniff);
    let _ = timeout(REFUSAL_LINGER, async {
        write_answer(stream, &mut answer, head_only).await?;
        stream.shutdown().await?;
        let mut rest = [0; 1024];
        let mut budget = MAX_HEAD;
        while budget > 0 {
            match stream.read(&mut rest).await? {
                0 => break,
                read => budget = budget.saturating_sub(read),
            }
        }
        std::io::Result::Ok(())
    })
    .await;
}

/// Resolves once the peer has closed or reset the connection (a FIN, half-closing included:
/// a client that can send no more can send no frame, not even its Close; or a reset), as
/// seen with nothing unread before it. Never if the peer sent bytes (early frames, a TLS
/// alert): those are the connection's to read, and what follows them cannot be seen without
/// reading them.
async fn left(tcp: &TcpStream) {
    match tcp.peek(&mut [0]).await {
        Ok(0) | Err(_) => {}
        Ok(_) => std::future::pending().await,
    }
}

/// Whether `err` is the peer closing or resetting the connection.
fn gone(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(
        err.kind(),
        UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
    )
}

/// The step of the handshake under way: the one a timeout names.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The TLS handshake (or, for plain TCP, nothing yet).
    Tls,
    /// The upgrade request, not yet whole.
    Request,
    /// Writing our `101`, which the peer does not read.
    Answer,
}

impl Step {
    /// What did not finish. `Tls` passes at once for plain TCP (`open` does not wait).
    fn waiting_for(self) -> &'static str {
        match self {
            Step::Tls => "the TLS handshake did not finish",
            Step::Request => "no complete upgrade request came",
            Step::Answer => "the peer did not take our 101 answer",
        }
    }
}

fn timed_out<T>(context: &Context, step: Step) -> Option<T> {
    debug!(
        timeout = ?context.server.handshake_timeout,
        "no handshake within the timeout: {}; dropping the connection",
        step.waiting_for(),
    );
    dropped(Dropped::HandshakeTimeout);
    None
}

#[cfg_attr(not(feature = "rustls"), allow(clippy::unused_async))]
async fn open(context: &Context, stream: TcpStream) -> std::io::Result<ServerStream> {
    #[cfg(feature = "rustls")]
    if let Some(tls) = &context.tls {
        let stream = crate::lean::Counted::new(stream);
        return Ok(ServerStream::Tls(Box::new(tls.accept(stream).await?)));
    }
    let _ = context;
    Ok(ServerStream::Plain(stream))
}
