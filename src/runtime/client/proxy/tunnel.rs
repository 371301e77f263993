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
/// up), with the proxy URL's credentials if it has some. Interim answers (1xx but 101) are
/// read past. Refused with 407, 403 or any other status but 101, 5xx, 408 and 429, the attempt
/// is final; the error names the proxy and the status, never the credentials.
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
    // Interim answers (RFC 9110 15.2: `100 Continue`, `103 Early Hints`) come before the
    // real one, and count against the head's bound with it.
    let mut interim = 0;
    let (status, reason) = loop {
        let head = answer_head(tcp, MAX_HEAD - interim).await.map_err(lost)?;
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut answer = httparse::Response::new(&mut headers);
        let (status, reason) = match answer.parse(&head) {
            Ok(httparse::Status::Complete(_)) => (answer.code.unwrap_or(0), answer.reason),
            // The head has ended: httparse wants more only after empty lines alone.
            Ok(httparse::Status::Partial) => {
                return Err(lost("an answer to CONNECT with no status line".into()))
            }
            Err(e) => return Err(lost(format!("a malformed answer to CONNECT: {e}"))),
        };
        match status {
            // 101 switches protocols, which a tunnel cannot: an answer, not an interim one.
            100..=199 if status != 101 => interim += head.len(),
            _ => break (status, printable(reason.unwrap_or_default().trim())),
        }
    };
    if (200..300).contains(&status) {
        return Ok(());
    }
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
    Err(match status {
        101 | 500..=599 | 408 | 429 => Failed::retry(error),
        _ => Failed::stop(error),
    })
}

/// The answer's head, its blank line included, read from `tcp` without taking a byte past
/// it: what comes after is the server's, for TLS or the WebSocket handshake to read. Each
/// read takes what a peek shows to be head, at least one byte, so no peek repeats; a peek
/// looks at most one byte past `max`, so a longer head is refused, whatever the reads.
async fn answer_head(tcp: &mut TcpStream, max: usize) -> Result<Vec<u8>, String> {
    let mut head = Vec::new();
    let mut buf = [0; 2048];
    loop {
        let room = (max + 1 - head.len()).min(buf.len());
        let peeked = tcp
            .peek(&mut buf[..room])
            .await
            .map_err(|e| e.to_string())?;
        if peeked == 0 && head.is_empty() {
            return Err("the proxy closed the connection without answering CONNECT".into());
        }
        if peeked == 0 {
            return Err(format!(
                "the proxy closed the connection {} bytes into its answer to CONNECT, before \
                 the end of its head",
                head.len()
            ));
        }
        let from = head.len();
        head.extend_from_slice(&buf[..peeked]);
        let end = head_end(&head, from);
        head.truncate(end.unwrap_or(head.len()));
        // Takes from the socket what the head holds, and no more.
        tcp.read_exact(&mut buf[..head.len() - from])
            .await
            .map_err(|e| e.to_string())?;
        if head.len() > max {
            return Err(format!(
                "the answer to CONNECT has a head over {} KiB",
                MAX_HEAD / 1024
            ));
        }
        if end.is_some() {
            return Ok(head);
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
        through_in_pieces(vec![answer]).await
    }

    /// As [`through`], the answer written in `pieces`, each sent at once (`TCP_NODELAY`).
    async fn through_in_pieces(pieces: Vec<Vec<u8>>) -> (TcpStream, Result<(), Failed>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tcp.set_nodelay(true).unwrap();
            let mut request = Vec::new();
            while !request.ends_with(b"\r\n\r\n") {
                request.push(tcp.read_u8().await.unwrap());
            }
            for piece in pieces {
                // The client may have closed on an error in an earlier piece.
                if tcp.write_all(&piece).await.is_err() {
                    return;
                }
            }
            let _ = tcp.shutdown().await;
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
    async fn a_refusal_names_its_status() {
        let (_, tunnelled) = through(b"HTTP/1.1 407 \r\n\r\n".to_vec()).await;
        let err = tunnelled.unwrap_err().error;
        assert!(
            err.ends_with(
                "with HTTP 407 (it asks for credentials: http://user:password@host:port)"
            ),
            "{err}"
        );
    }

    /// Interim answers are read past, the real one decides, and the bytes after it are the
    /// server's; 101 is no interim answer; interim heads count against the head's bound.
    #[tokio::test]
    async fn interim_answers_are_read_past() {
        let answer = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n\
                       HTTP/1.1 200 OK\r\n\r\nREST";
        let (tcp, tunnelled) = through(answer.to_vec()).await;
        assert!(tunnelled.is_ok(), "{:?}", tunnelled.err().map(|f| f.error));
        assert_eq!(rest(tcp).await, "REST");

        let (_, tunnelled) =
            through(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 No\r\n\r\n".to_vec()).await;
        let failed = tunnelled.unwrap_err();
        assert!(
            failed.error.contains("with HTTP 403 No"),
            "{}",
            failed.error
        );
        assert!(failed.is_final, "the real answer decides");

        let (_, tunnelled) = through(b"HTTP/1.1 101 Switching\r\n\r\n".to_vec()).await;
        let failed = tunnelled.unwrap_err();
        assert!(failed.error.contains("with HTTP 101"), "{}", failed.error);
        assert!(!failed.is_final);

        let interim = "HTTP/1.1 100 Continue\r\n\r\n".repeat(16 * 1024 / 25 + 1);
        let (_, tunnelled) = through(format!("{interim}HTTP/1.1 200 OK\r\n\r\n").into()).await;
        let failed = tunnelled.unwrap_err();
        assert!(
            failed.error.contains("a head over 16 KiB"),
            "{}",
            failed.error
        );
    }

    /// What the client keeps reading after `tunnel`, lossily as text.
    async fn rest(mut tcp: TcpStream) -> String {
        let mut rest = Vec::new();
        tcp.read_to_end(&mut rest).await.unwrap();
        String::from_utf8_lossy(&rest).into_owned()
    }

    /// Odd answers, each in one write: taken if a 2xx whose head httparse reads, else
    /// refused with why; the bytes after the head always left for the server's reader.
    #[tokio::test]
    async fn odd_answers_are_taken_or_refused_with_why() {
        let many_headers = format!("HTTP/1.1 200 OK\r\n{}\r\n", "X: y\r\n".repeat(65));
        for (answer, outcome) in [
            (&b"HTTP/1.1 200\r\n\r\nREST"[..], Ok("REST")),
            (b"HTTP/1.0 200 OK\r\n\r\nREST", Ok("REST")),
            (b"HTTP/1.1 200 OK\n\nREST", Ok("REST")),
            (b"HTTP/1.1 200 OK\r\nVia: x\n\r\nREST", Ok("REST")),
            (b"HTTP/1.1 204 \xff\r\n\r\n\r\n\r\n", Ok("\r\n\r\n")),
            (
                b"HTTP/1.1 2000 OK\r\n\r\n",
                Err("a malformed answer to CONNECT"),
            ),
            (
                b"HTTP/1.1 20 OK\r\n\r\n",
                Err("a malformed answer to CONNECT"),
            ),
            (
                b"HTTP/1.1 200 OK\r\nX: \0\r\n\r\n",
                Err("a malformed answer to CONNECT"),
            ),
            (
                b"HTTP/1.1 200 OK\r\n\0: x\r\n\r\n",
                Err("a malformed answer to CONNECT"),
            ),
            (b"HTTP/2 200\r\n\r\n", Err("a malformed answer to CONNECT")),
            (b"\r\n\r\n", Err("an answer to CONNECT with no status line")),
            (
                b"HTTP/1.1 200 OK\r\n",
                Err("closed the connection 17 bytes into its answer"),
            ),
            (
                b"HTTP/1.1 200 OK\r\r\r\r",
                Err("closed the connection 19 bytes into"),
            ),
            (many_headers.as_bytes(), Err("too many headers")),
            (b"HTTP/1.1 403 Verboten \xff\r\n\r\n", Err("with HTTP 403")),
            (b"HTTP/1.1 403 \x1b[31m\r\n\r\n", Err("a malformed answer")),
            (b"HTTP/1.1 999 Odd\r\n\r\n", Err("with HTTP 999 Odd")),
        ] {
            let (tcp, tunnelled) = through(answer.to_vec()).await;
            let shown = String::from_utf8_lossy(answer);
            match (tunnelled, outcome) {
                (Ok(()), Ok(expected)) => assert_eq!(rest(tcp).await, expected, "{shown:?}"),
                (Err(failed), Err(expected)) => {
                    assert!(
                        failed.error.contains(expected),
                        "{shown:?}: {}",
                        failed.error
                    );
                    assert!(!failed.error.contains('\x1b'), "{}", failed.error);
                }
                (tunnelled, _) => panic!("{shown:?}: {:?}", tunnelled.map_err(|f| f.error)),
            }
        }
    }

    /// An answer split in two at every byte, wherever the reads fall: the same outcome, and
    /// the server's bytes after the head all kept.
    #[tokio::test]
    async fn an_answer_split_anywhere_is_read_the_same() {
        let answers: [&[u8]; 3] = [
            b"HTTP/1.1 200 Connection established\r\nVia: 1.1 t\r\n\r\nFROM THE SERVER",
            b"HTTP/1.0 200 OK\n\n\r\n\r\nX",
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
        ];
        for answer in answers {
            let head = crate::runtime::head::head_end(answer, 0).unwrap();
            for split in 1..answer.len() {
                let pieces = vec![answer[..split].to_vec(), answer[split..].to_vec()];
                let (tcp, tunnelled) = through_in_pieces(pieces).await;
                let shown = String::from_utf8_lossy(answer);
                match tunnelled {
                    Ok(()) => assert_eq!(
                        rest(tcp).await.as_bytes(),
                        &answer[head..],
                        "{shown:?} split at {split}"
                    ),
                    Err(failed) => {
                        assert!(failed.error.contains("HTTP 502 Bad Gateway"), "{shown:?}");
                        assert!(!failed.is_final);
                    }
                }
            }
        }
    }

    /// The head is read up to 16 KiB as the docs say, not a read's worth past it: a head of
    /// 16 KiB is taken, one a byte longer refused, however the proxy writes it.
    #[tokio::test]
    async fn the_answer_head_is_read_up_to_16_kib_and_no_further() {
        let head_of = |len: usize| {
            let start = "HTTP/1.1 200 OK\r\nX-Pad: ";
            let pad = len - start.len() - "\r\n\r\n".len();
            format!("{start}{}\r\n\r\nAFTER", "p".repeat(pad)).into_bytes()
        };
        let (tcp, tunnelled) = through(head_of(16 * 1024)).await;
        tunnelled.unwrap();
        assert_eq!(rest(tcp).await, "AFTER");
        for len in [16 * 1024 + 1, 16 * 1024 + 1000, 18 * 1024] {
            let (_, tunnelled) = through(head_of(len)).await;
            let err = tunnelled.expect_err("a head over 16 KiB").error;
            assert!(err.contains("has a head over 16 KiB"), "{len}: {err}");
        }
    }
}
