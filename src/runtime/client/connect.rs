//! One connection attempt: TCP with the socket options (to the server, or to its proxy and
//! through a `CONNECT` tunnel), TLS for `wss://`, the handshake.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http;

use super::proxy::tunnel;
use super::request::extension;
use super::target::Target;

use crate::config::SocketConfig;
use crate::lean::{Counted, WriteProgress};
use crate::runtime::configure_socket;
use crate::runtime::ClientIo;
use crate::LeanStream;

/// The client's transport: the bytes its socket takes counted at the socket, beneath TLS
/// for `wss://` (rustls takes bytes the socket has not).
pub(crate) type ClientStream = LeanStream<ClientIo>;

/// Why an attempt failed, and whether retrying could help.
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) error: String,
    pub(crate) is_final: bool,
    /// The HTTP status that answered the handshake, if that was the failure.
    pub(crate) status: Option<u16>,
    /// How long the server asked us to wait (`Retry-After` in seconds, with a 503 or 429).
    pub(crate) retry_after: Option<Duration>,
    /// Answered 401 or 403 with credentials made for this attempt: retried once.
    pub(crate) refused_credentials: bool,
}

impl Failed {
    pub(crate) fn retry(error: impl Into<String>) -> Self {
        Failed {
            error: error.into(),
            is_final: false,
            status: None,
            retry_after: None,
            refused_credentials: false,
        }
    }

    pub(super) fn stop(error: impl Into<String>) -> Self {
        Failed {
            is_final: true,
            ..Failed::retry(error)
        }
    }
}

pub(crate) struct Tls {
    #[cfg(feature = "rustls")]
    pub(crate) config: Option<std::sync::Arc<crate::runtime::tls::rustls::ClientConfig>>,
}

/// The step an attempt is at: what did not finish when the connect timeout cut it off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Step {
    #[default]
    Tcp,
    /// Connected to the proxy, waiting for its answer to `CONNECT`.
    Proxy,
    Tls,
    WebSocket,
}

impl Step {
    /// The error of an attempt cut off at this step by a `timeout` of `connect_timeout`.
    pub(crate) fn timed_out(self, target: &Target, timeout: Duration) -> String {
        let address = target.address();
        let within = format!("within the connect timeout ({timeout:?})");
        let connected = match &target.proxy {
            Some(proxy) => format!("connected through {proxy}"),
            None => "connected".to_owned(),
        };
        match (self, &target.proxy) {
            (Step::Tcp, Some(proxy)) => {
                format!("no connection to {proxy} (for {address}) {within}")
            }
            (Step::Tcp, None) => format!("no connection to {address} {within}"),
            (Step::Proxy, _) => {
                format!("{address}: {connected}, but it did not answer CONNECT {within}")
            }
            (Step::Tls, _) => {
                format!("{address}: {connected}, but the TLS handshake did not finish {within}")
            }
            (Step::WebSocket, _) => {
                format!("{address}: {connected}, but no answer to the WebSocket handshake {within}")
            }
        }
    }
}

/// Connects (each address given a share of what is `left` of the connect timeout), sets the
/// socket options, opens a tunnel if `target` has a proxy (to which the socket connects, the
/// proxy looking up the target's name), and performs the TLS and WebSocket handshakes with
/// `request` (from [`handshake_request`]) and `socket`'s buffers, keeping `step` at the one
/// under way. The peer is the proxy's address, if there is one.
pub(crate) async fn connect(
    target: &Target,
    request: Request,
    fresh_credentials: bool,
    socket: &SocketConfig,
    tls: &Tls,
    step: &mut Step,
    left: Duration,
) -> Result<(ClientStream, WriteProgress, SocketAddr), Failed> {
    let address = target.address();
    *step = Step::Tcp;
    let (host, first_hop) = match &target.proxy {
        Some(proxy) => (
            (proxy.host.as_str(), proxy.port),
            format!("{proxy} (for {address})"),
        ),
        None => ((target.host.as_str(), target.port), address.clone()),
    };
    let fail = |e| Failed::retry(format!("could not connect to {first_hop}: {e}"));
    let looked_up = tokio::time::Instant::now();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host(host)
        .await
        .map_err(|e| fail(e.to_string()))?
        .collect();
    let left = left.saturating_sub(looked_up.elapsed());
    let mut tcp = connect_each(&addrs, left, TcpStream::connect)
        .await
        .map_err(fail)?;
    configure_socket(&tcp, socket).map_err(|e| Failed::retry(format!("{first_hop}: {e}")))?;
    let peer = tcp
        .peer_addr()
        .map_err(|e| Failed::retry(format!("{first_hop}: {e}")))?;
    if let Some(proxy) = &target.proxy {
        *step = Step::Proxy;
        tunnel(&mut tcp, target, proxy).await?;
    }
    *step = if target.tls {
        Step::Tls
    } else {
        Step::WebSocket
    };
    let tcp = Counted::new(tcp);
    let progress = tcp.progress();
    let stream = open(target, tcp, tls)
        .await
        .map_err(|e| Failed::retry(format!("{address}: TLS handshake failed: {e}")))?;
    *step = Step::WebSocket;
    match LeanStream::client_with_config(request, stream, Some(socket.websocket_config())).await {
        Ok((mut ws, response)) => {
            if let Some(unoffered) = extension(response.headers()) {
                // Dropped: the connection is failed before any frame (RFC 6455 4.1).
                return Err(Failed::retry(format!(
                    "{address}: handshake failed: the server's 101 accepted the extension \
                     `{unoffered}` (Sec-WebSocket-Extensions), which the client did not offer \
                     (RFC 6455 4.1)"
                )));
            }
            ws.set_sleep_when_idle(socket.sleep_when_idle);
            Ok((ws, progress, peer))
        }
        Err(err) => Err(classify(target, err, fresh_credentials)),
    }
}

/// Connects to the first of `addrs` that answers, in order, each given an equal share of
/// what is `left` of the connect timeout among those not yet tried (the last one all of it):
/// tokio's own `connect` waits on each in turn for as long as the kernel retries, about two
/// minutes, so one address that drops packets (a broken IPv6 route, a dead member of a DNS
/// round robin) took the whole timeout of every attempt, and the next was never tried.
pub(crate) async fn connect_each<T, F, Fut>(
    addrs: &[SocketAddr],
    left: Duration,
    connect: F,
) -> Result<T, String>
where
    F: Fn(SocketAddr) -> Fut,
    Fut: Future<Output = std::io::Result<T>>,
{
    let started = tokio::time::Instant::now();
    let mut errors = Vec::new();
    for (i, &addr) in addrs.iter().enumerate() {
        let untried = u32::try_from(addrs.len() - i).unwrap_or(u32::MAX);
        let share = left.saturating_sub(started.elapsed()) / untried;
        let connected = match untried {
            1 => Ok(connect(addr).await), // the attempt's own timeout bounds the last
            _ => tokio::time::timeout(share, connect(addr)).await,
        };
        match connected {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(e)) if addrs.len() == 1 => return Err(e.to_string()),
            Ok(Err(e)) => errors.push(format!("{addr}: {e}")),
            Err(_) => errors.push(format!("{addr}: no answer within {share:?}")),
        }
    }
    match errors.is_empty() {
        true => Err("the name has no address".into()),
        false => Err(errors.join("; ")),
    }
}

/// The byte stream for `target`: TCP, or TLS over it for `wss://` (trusting the webpki roots
/// unless the builder was given a TLS configuration).
#[cfg_attr(not(feature = "rustls"), allow(clippy::unused_async))]
async fn open(target: &Target, tcp: Counted<TcpStream>, tls: &Tls) -> Result<ClientIo, String> {
    #[cfg(feature = "rustls")]
    if target.tls {
        let config = tls
            .config
            .clone()
            .unwrap_or_else(crate::runtime::tls::default_client_config);
        let name = rustls::pki_types::ServerName::try_from(target.host.clone())
            .map_err(|_| format!("`{}` is not a name a certificate can have", target.host))?;
        let stream = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(ClientIo::Tls(Box::new(stream)));
    }
    let _ = (target, tls);
    Ok(ClientIo::Plain(tcp))
}

/// 4xx answers (but 408 and 429) and invalid URLs will not change by retrying.
/// So are 401 and 403 unless `fresh_credentials`: each attempt then presents credentials
/// made afresh (`with_handshake_headers`), and a token that expired on the way is replaced
/// (the manager retries such a refusal once, not twice in a row).
fn classify(target: &Target, err: tungstenite::Error, fresh_credentials: bool) -> Failed {
    let address = target.address();
    match err {
        tungstenite::Error::Http(response) => {
            let status = response.status();
            let body = response
                .body()
                .as_deref()
                // Trimmed before escaping: a body's last line break is no part of its text.
                .map(|b| printable(String::from_utf8_lossy(b).trim()))
                .unwrap_or_default();
            let error = match body.as_str() {
                "" => format!("{address} answered HTTP {status}"),
                body => format!("{address} answered HTTP {status}: {body}"),
            };
            let refused_credentials =
                status == http::StatusCode::UNAUTHORIZED || status == http::StatusCode::FORBIDDEN;
            let retry = status.is_server_error()
                || status == http::StatusCode::REQUEST_TIMEOUT
                || status == http::StatusCode::TOO_MANY_REQUESTS;
            let failed = if retry {
                Failed::retry(error)
            } else if fresh_credentials && refused_credentials {
                Failed {
                    refused_credentials: true,
                    ..Failed::retry(error)
                }
            } else {
                Failed::stop(error)
            };
            Failed {
                status: Some(status.as_u16()),
                retry_after: asks_to_wait(status)
                    .then(|| retry_after(&response))
                    .flatten(),
                ..failed
            }
        }
        err @ tungstenite::Error::Url(_) => Failed::stop(format!("{address}: {err}")),
        // The request is checked before the first attempt: this one is the answer's (a
        // status such as 099, a header name `http` refuses), as broken as any other.
        tungstenite::Error::HttpFormat(err) => Failed::retry(format!(
            "{address} answered with a malformed HTTP head: {err}"
        )),
        // The answer of a TLS server to plain HTTP: an alert, no HTTP status line.
        err @ tungstenite::Error::Protocol(tungstenite::error::ProtocolError::HttparseError(_))
            if !target.tls =>
        {
            Failed::retry(format!(
                "{address}: handshake failed: {err} (a TLS server? its URL is wss://)"
            ))
        }
        // tungstenite's guard on the answer's head, which it names only "Attack attempt".
        tungstenite::Error::AttackAttempt => Failed::retry(format!(
            "{address}: handshake failed: the answer's HTTP head is over 64 KiB, or came in \
             over 512 reads or in over 64 reads of under 128 bytes on average (tungstenite's \
             limits)"
        )),
        err => Failed::retry(format!("{address}: handshake failed: {err}")),
    }
}

/// The server's text, fit for a line of ours that a log or a terminal shows: what Rust's
/// `Debug` escapes is escaped (`\u{1b}`, `\n`, the bidi override `\u{202e}`, the line
/// separator `\u{2028}`), quotes aside, as a peer's close reason is shown: the text can
/// neither run an escape sequence on the terminal of whoever reads the error, nor forge a
/// line of output, nor turn the rest of the line around.
pub(super) fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let escaped = c.escape_debug();
        if escaped.len() == 1 || matches!(c, '"' | '\'' | '\\') {
            out.push(c);
        } else {
            out.extend(escaped);
        }
    }
    out
}

/// The statuses whose `Retry-After` says when to come back (RFC 9110 10.2.3, RFC 6585 4).
fn asks_to_wait(status: http::StatusCode) -> bool {
    status == http::StatusCode::SERVICE_UNAVAILABLE || status == http::StatusCode::TOO_MANY_REQUESTS
}

/// A `Retry-After` in seconds (an HTTP date is not read: the backoff applies alone).
fn retry_after<B>(response: &http::Response<B>) -> Option<Duration> {
    let value = response.headers().get(http::header::RETRY_AFTER)?;
    let seconds = value.to_str().ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    use super::Target;

    fn target(url: &str) -> Result<Target, String> {
        Target::new(url.into_client_request().unwrap())
    }

    #[test]
    fn an_ipv6_address_is_written_in_brackets() {
        let t = target("ws://[::1]:9000/").unwrap();
        assert_eq!(t.address(), "[::1]:9000");
        let message = super::Step::Tcp.timed_out(&t, std::time::Duration::from_secs(1));
        assert!(message.contains("[::1]:9000"), "{message}");
    }

    #[tokio::test(start_paused = true)]
    async fn an_address_that_never_answers_leaves_time_for_the_next() {
        use std::net::SocketAddr;
        use std::time::Duration;
        use tokio::time::Instant;

        let dead: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
        let live: SocketAddr = "127.0.0.1:443".parse().unwrap();
        let connect = |addr: SocketAddr| async move {
            if addr == dead {
                std::future::pending::<()>().await; // SYNs dropped
            }
            Ok(addr)
        };
        let started = Instant::now();
        let got = super::connect_each(&[dead, live], Duration::from_secs(4), connect).await;
        assert_eq!(got, Ok(live));
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(2),
            "half of the time left"
        );

        // All fail: each named with what went wrong.
        let refused = |addr: SocketAddr| async move {
            if addr == dead {
                std::future::pending::<()>().await;
            }
            Err::<(), _>(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
        };
        let err = super::connect_each(&[dead, live], Duration::from_secs(4), refused)
            .await
            .unwrap_err();
        assert!(
            err.contains("[2001:db8::1]:443: no answer within 2s"),
            "{err}"
        );
        assert!(err.contains("127.0.0.1:443: connection refused"), "{err}");
    }
}
