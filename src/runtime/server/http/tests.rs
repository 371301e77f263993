use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::ReadBuf;

use super::*;

/// A peer that sends `bytes` one per read.
struct Trickle(&'static [u8]);

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if let Some((first, rest)) = self.0.split_first() {
            buf.put_slice(&[*first]);
            self.0 = rest;
        }
        Poll::Ready(Ok(()))
    }
}

/// A peer that sends one line per read (what fits of it), then waits for the answer.
struct Lines(Vec<Vec<u8>>);

impl AsyncRead for Lines {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let Some(line) = self.0.first_mut() else {
            return Poll::Pending; // never woken: a test that reads this far times out
        };
        let n = line.len().min(buf.remaining());
        buf.put_slice(&line[..n]);
        line.drain(..n);
        if line.is_empty() {
            self.0.remove(0);
        }
        Poll::Ready(Ok(()))
    }
}

fn refused(result: Result<Request, BadRequest>) -> (StatusCode, String) {
    match result {
        Err(BadRequest::Invalid { refusal, .. }) => (refusal.status(), refusal.body().to_owned()),
        other => panic!("not refused: {other:?}"),
    }
}

#[tokio::test]
async fn a_short_head_may_come_a_byte_at_a_time() {
    let head = b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n";
    let request = read_request(&mut Trickle(head)).await.unwrap();
    assert_eq!(request.uri(), "/a?b");
    assert_eq!(request.headers()["host"], "x");
}

#[tokio::test]
async fn a_long_head_a_byte_at_a_time_is_refused() {
    let head = concat!(
        "GET / HTTP/1.1\r\nHost: x\r\nCookie: ",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n"
    );
    let (status, why) = refused(read_request(&mut Trickle(head.as_bytes())).await);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(why.contains("too many small pieces"), "{why}");
}

/// A head that stops at the limit, unfinished, holds no more than the limit while the
/// server waits for its next byte: a pending handshake's buffer must not double past it
/// (up to `max_connections` of them, for the handshake timeout).
#[tokio::test]
async fn an_unfinished_head_at_the_limit_holds_no_more_than_the_limit() {
    let mut bytes = b"GET / HTTP/1.1\r\nCookie: ".to_vec();
    bytes.resize(MAX_HEAD, b'a');
    let mut head = Vec::with_capacity(1024);
    let result = read_head(&mut bytes.as_slice(), &mut head).await;
    assert!(matches!(result, Err(BadRequest::Io(_))), "{result:?}");
    assert_eq!(head.len(), MAX_HEAD);
    assert!(head.capacity() <= MAX_HEAD + 1, "{}", head.capacity());
}

/// A peer that sends its head a line per read has it parsed twice, after the first read
/// and once it is whole, not once per line: 512 reads of 128 bytes each would otherwise
/// cost 16 MB of parsing for one 64 KiB head.
#[tokio::test]
async fn a_head_sent_a_line_per_read_is_parsed_once_it_is_whole() {
    let mut lines = vec![b"GET / HTTP/1.1\r\n".to_vec()];
    lines.extend((0..100).map(|i| format!("X-Pad-{i:03}: {}\r\n", "a".repeat(120)).into()));
    lines.push(b"\r\n".to_vec());
    PARSES.with(|parses| parses.set(0));
    let request = read_request(&mut Lines(lines)).await.unwrap();
    assert_eq!(request.headers().len(), 100);
    assert_eq!(PARSES.with(std::cell::Cell::get), 2);
}

/// Empty lines before the request line (which httparse skips, as RFC 9112 §2.2 allows)
/// end no head: 500 reads of them are not each a parse of everything so far, which would
/// cost 16 MB of scanning for 64 KiB sent.
#[tokio::test]
async fn empty_lines_before_the_request_line_are_not_parsed_again_at_each_read() {
    let mut lines: Vec<Vec<u8>> = (0..500).map(|_| b"\r\n".repeat(65)).collect();
    lines.push(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec());
    PARSES.with(|parses| parses.set(0));
    let request = read_request(&mut Lines(lines)).await.unwrap();
    assert_eq!(request.headers()["host"], "x");
    assert!(
        PARSES.with(std::cell::Cell::get) <= 3,
        "{}",
        PARSES.with(std::cell::Cell::get)
    );
}

/// Junk after a head's first line is refused when it comes, not at the timeout.
#[tokio::test]
async fn junk_after_the_first_line_is_refused_when_it_comes() {
    let mut peer = Lines(vec![
        b"GET / HTTP/1.1\r\n".to_vec(),
        b"\x16\x03\x01".to_vec(),
    ]);
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), read_request(&mut peer));
    let (status, why) = refused(read.await.expect("waited for more"));
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(why.contains("not an HTTP request"), "{why}");
}

#[tokio::test]
async fn a_peer_that_closes_mid_head_is_not_answered() {
    let result = read_request(&mut Trickle(b"GET / HTTP/1.1\r\n")).await;
    assert!(matches!(result, Err(BadRequest::Io(_))), "{result:?}");
}

/// Random heads in random pieces (at most 8, under the small-pieces guard): never a
/// panic; never a wait for more once a head has ended that httparse reads whole or
/// refuses; a request read is the one the whole bytes make, however they were split.
#[test]
fn random_heads_in_random_pieces_are_read_as_the_whole_bytes_say() {
    use crate::fuzz::{no_panic, Rng};
    let tokens: [&[u8]; 18] = [
        b"GET",
        b"HEAD",
        b" ",
        b"/",
        b"/a?b",
        b"HTTP/1.1",
        b"HTTP/1.0",
        b"\r\n",
        b"\n",
        b"\r\n\r\n",
        b"Host: x",
        b"Upgrade: websocket",
        b":",
        b"\0",
        b"\xff",
        b"\x16",
        b"\t",
        b"a",
    ];
    let valid = |rng: &mut Rng| {
        let mut head = b"GET /p HTTP/1.1\r\n".to_vec();
        for _ in 0..rng.below(4) {
            let lines: [&[u8]; 3] = [b"Host: x\r\n", b"A: \t b\n", b"C:\r\n"];
            head.extend(rng.pick(&lines).iter());
        }
        let ends: [&[u8]; 2] = [b"\r\n", b"\n"];
        head.extend(rng.pick(&ends).iter());
        head
    };
    let mut rng = Rng::new(0x5eed_0005);
    let waker = std::task::Waker::noop();
    for case in 0..100_000 {
        let bytes: Vec<u8> = match case % 2 {
            0 => valid(&mut rng),
            _ => (0..rng.below(12))
                .flat_map(|_| rng.pick(&tokens).to_vec())
                .collect(),
        };
        let mut cuts: Vec<usize> = (0..rng.below(8))
            .map(|_| rng.below(bytes.len() + 1))
            .collect();
        cuts.extend([0, bytes.len()]);
        cuts.sort_unstable();
        cuts.dedup();
        let pieces: Vec<Vec<u8>> = cuts
            .windows(2)
            .map(|w| bytes[w[0]..w[1]].to_vec())
            .collect();
        let read = no_panic(&bytes, || {
            let mut peer = Lines(pieces.clone());
            let mut read = std::pin::pin!(read_request(&mut peer));
            read.as_mut().poll(&mut Context::from_waker(waker))
        });
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let whole = httparse::Request::new(&mut headers).parse(&bytes);
        let begun = bytes.iter().position(|&b| !matches!(b, b'\r' | b'\n'));
        let ended = begun.is_some_and(|b| head_end(&bytes[b..], 0).is_some());
        match read {
            Poll::Pending => assert!(
                !ended || matches!(whole, Ok(httparse::Status::Partial)),
                "waits for more after {bytes:?} in {pieces:?}: {whole:?}"
            ),
            Poll::Ready(Ok(request)) => {
                assert!(
                    matches!(whole, Ok(httparse::Status::Complete(_))),
                    "{bytes:?}"
                );
                assert_eq!(request.uri(), "/p", "{bytes:?}");
            }
            Poll::Ready(Err(BadRequest::Invalid { .. })) => {
                if case % 2 == 0 {
                    panic!("{bytes:?} in {pieces:?} refused: {read:?}");
                }
            }
            Poll::Ready(Err(BadRequest::Io(e))) => panic!("{bytes:?}: {e}"),
        }
    }
}
