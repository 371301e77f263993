//! The tunnel: `CONNECT host:port` to the proxy, and its answer read to the end of its head
//! and not a byte further, so that nothing the server sends through the tunnel is lost.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::super::connect::{printable, Failed};
use super::super::target::Target;
use crate::config::ProxyUrl;
use crate::runtime::head::head_end;

/// The largest answer head read from a proxy: its answer to `CONNECT` is a status line and a
/// few headers.
const MAX_HEAD: usize = 16 * 1024;

/// Asks `proxy`, connected on `tcp`, for a tunnel to `target` by name (the proxy looks it
/// up), with the proxy URL's credentials if it has some. Refused with 407, 403 or any other
/// status but 1xx, 5xx, 408 and 429, the attempt is final; the error names the proxy and the
/// status, never the credentials.
pub(crate) async fn tunnel(
    tcp: &mut TcpStream,
    target: &Target,
    proxy: &ProxyUrl,
) -> Result<(), Failed> {
    let authority = target.address();
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(credentials) = &proxy.authorization {
        request.push_str(&format!("Proxy-Authorization: {credentials}\r\n"));
    }
    request.push_str("\r\n");
    let lost = |e: String| Failed::retry(format!("{proxy} (for {authority}): {e}"));
    tcp.write_all(request.as_bytes())
        .await
        .map_err(|e| lost(format!("could not send CONNECT: {e}")))?;
    let head = answer_head(tcp).await.map_err(lost)?;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut answer = httparse::Response::new(&mut headers);
    let (status, reason) = match answer.parse(&head) {
        Ok(httparse::Status::Complete(_)) => (answer.code.unwrap_or(0), answer.reason),
        Ok(httparse::Status::Partial) => return Err(lost("a partial answer head".into())),
        Err(e) => return Err(lost(format!("a malformed answer to CONNECT: {e}"))),
    };
    if (200..300).contains(&status) {
        return Ok(());
    }
    let reason = printable(reason.unwrap_or_default().trim());
    let mut error = format!("{proxy} answered CONNECT {authority} with HTTP {status}");
    if !reason.is_empty() {
        error.push_str(&format!(" {reason}"));
    }
    if status == 407 {
        error.push_str(match proxy.authorization {
            Some(_) => " (it refused the proxy URL's credentials)",
            None => " (it asks for credentials: http://user:password@host:port)",
        });
    }
    // An interim 1xx head (RFC 9110 15.2) before the real answer is not read past: the
    // attempt is retried, not stopped for good.
    Err(match status {
        100..=199 | 500..=599 | 408 | 429 => Failed::retry(error),
        _ => Failed::stop(error),
    })
}

/// The answer's head, its blank line included, read from `tcp` without taking a byte past
/// it: what comes after is the server's, for TLS or the WebSocket handshake to read. Each
/// read takes what a peek shows to be head, at least one byte, so no peek repeats.
async fn answer_head(tcp: &mut TcpStream) -> Result<Vec<u8>, String> {
    let mut head = Vec::new();
    let mut buf = [0; 2048];
    loop {
        let peeked = tcp.peek(&mut buf).await.map_err(|e| e.to_string())?;
        if peeked == 0 {
            return Err("the proxy closed the connection without answering CONNECT".into());
        }
        let from = head.len();
        head.extend_from_slice(&buf[..peeked]);
        let end = head_end(&head, from);
        head.truncate(end.unwrap_or(head.len()));
        // Takes from the socket what the head holds, and no more.
        tcp.read_exact(&mut buf[..head.len() - from])
            .await
            .map_err(|e| e.to_string())?;
        if end.is_some() {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(format!(
                "the answer to CONNECT has a head over {} KiB",
                MAX_HEAD / 1024
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    use super::super::super::connect::Failed;
    use super::tunnel;
    use crate::config::ProxyUrl;
    use crate::runtime::client::target::Target;

    /// `tunnel` to `ws://backend.invalid:8080/` through a proxy on loopback that reads the
    /// request, writes `answer` in one go and closes; the client's socket and the outcome.
    async fn through(answer: Vec<u8>) -> (TcpStream, Result<(), Failed>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            while !request.ends_with(b"\r\n\r\n") {
                request.push(tcp.read_u8().await.unwrap());
            }
            tcp.write_all(&answer).await.unwrap();
            tcp.shutdown().await.unwrap();
        });
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        let request = "ws://backend.invalid:8080/".into_client_request().unwrap();
        let target = Target::new(request).unwrap();
        let proxy_url = ProxyUrl::parse(&format!("http://{addr}"), false).unwrap();
        let tunnelled = tunnel(&mut tcp, &target, &proxy_url).await;
        proxy.await.unwrap();
        (tcp, tunnelled)
    }

    #[tokio::test]
    async fn what_comes_after_the_proxys_head_is_left_to_the_server_reader() {
        let answer = b"HTTP/1.1 200 Connection established\r\nVia: t\r\n\r\nFROM THE SERVER";
        let (mut tcp, tunnelled) = through(answer.to_vec()).await;
        tunnelled.unwrap();
        let mut rest = String::new();
        tcp.read_to_string(&mut rest).await.unwrap();
        assert_eq!(rest, "FROM THE SERVER");
    }

    #[tokio::test]
    async fn an_endless_or_broken_answer_head_is_refused() {
        let endless = format!(
            "HTTP/1.1 200 OK\r\n{}",
            "X-Pad: 0123456789\r\n".repeat(1000)
        );
        let (_, tunnelled) = through(endless.into_bytes()).await;
        let err = tunnelled.unwrap_err().error;
        assert!(err.contains("has a head over 16 KiB"), "{err}");
        let (_, tunnelled) = through(b"SSH-2.0-OpenSSH\r\n\r\n".to_vec()).await;
        let err = tunnelled.unwrap_err().error;
        assert!(err.contains("a malformed answer to CONNECT"), "{err}");
        let (_, tunnelled) = through(Vec::new()).await;
        let err = tunnelled.unwrap_err().error;
        assert!(
            err.contains("closed the connection without answering"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_refusal_names_its_status_and_an_interim_answer_is_retried() {
        let (_, tunnelled) = through(b"HTTP/1.1 407 \r\n\r\n".to_vec()).await;
        let err = tunnelled.unwrap_err().error;
        assert!(
            err.ends_with(
                "with HTTP 407 (it asks for credentials: http://user:password@host:port)"
            ),
            "{err}"
        );
        let (_, tunnelled) =
            through(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n".to_vec()).await;
        let failed = tunnelled.unwrap_err();
        assert!(
            failed.error.contains("with HTTP 100 Continue"),
            "{}",
            failed.error
        );
        assert!(!failed.is_final, "an interim answer is retried");
    }
}
