//! Any peer can send the server's HTTP reader (`src/runtime/server/http.rs`, `request.rs`,
//! `upgrade.rs`) what it likes: a seeded fuzz of the upgrade request over loopback. Each seed
//! builds a request from parts that steer it down each path (methods and targets, versions,
//! `Host` and the handshake's headers missing, repeated or split over lines, bare `\n` line
//! ends, empty lines first, bytes over 0x7f in values, a body, a `HEAD`, 130 headers, a head
//! near 64 KiB), then breaks it at random (a byte flipped, inserted, dropped, the end cut,
//! data after the head), and sends it in pieces, then ends its side of the stream.
//!
//! A guard, not a fault found: 5,000 seeds passed on the code it was written against (its
//! answers: 101, 400, 200, 431, 405, 500, 426, 401, and no answer to a partial head).
//!
//! The server has a handshake hook that refuses some and echoes a request header into its
//! answer, and an HTTP fallback. For every request it must answer with a whole HTTP/1.1 head
//! whose `Content-Length` is its body's, with a status of its own or its hook's and
//! fallback's, or, only for a head httparse finds incomplete, close without an answer; never
//! panic; and serve a proper client at the end. `WS_HEALTH_SEED=<seed>` reruns one seed and
//! prints its bytes.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::http::{Response, StatusCode};
use ws_health::runtime::{Refusal, Server};
use ws_health::tungstenite::Message;

const SEEDS: u64 = 1000;
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// Statuses the server, its hook (401) or its fallback (200) may answer with.
const ANSWERS: [u16; 8] = [101, 200, 400, 401, 405, 426, 431, 500];

static PANICS: AtomicUsize = AtomicUsize::new(0);

#[tokio::test]
async fn server_answers_random_broken_upgrade_requests_and_goes_on_serving() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        default_hook(info);
    }));
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_handshake(|handshake| {
            let headers = handshake.request().headers();
            if headers.get("x-token").is_some_and(|t| t == "refuse") {
                return Err(Refusal::new(StatusCode::UNAUTHORIZED, "unknown token"));
            }
            // An application that echoes what the client sent: its bytes are the peer's.
            if let Some(echo) = headers.get("x-echo").cloned() {
                handshake.response_headers().insert("x-echo", echo);
            }
            Ok(Arc::new(()))
        })
        .with_http_fallback(|request| {
            (request.uri().path() == "/healthz").then(|| Response::new("ok\n".to_owned()))
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let addr = server.local_addr();

    let seeds = match std::env::var("WS_HEALTH_SEED") {
        Ok(seed) => vec![seed.parse().expect("WS_HEALTH_SEED is a number")],
        Err(_) => (0..SEEDS).collect(),
    };
    for seed in seeds {
        let rng = &mut StdRng::seed_from_u64(seed);
        let (request, head_only) = request(rng);
        if seeds_printed() {
            println!("seed {seed}: {:?}", String::from_utf8_lossy(&request));
        }
        let answer =
            support::within("the answer and the close", exchange(addr, &request, rng)).await;
        judge(seed, &request, head_only, &answer);
        assert_eq!(PANICS.load(Ordering::SeqCst), 0, "seed {seed}: a panic");
    }

    // Still serving.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/chat"))
        .await
        .unwrap();
    ws.send(Message::text("still there?")).await.unwrap();
    let echoed = support::within("the echo", ws.next()).await;
    assert_eq!(echoed.unwrap().unwrap(), Message::text("still there?"));
    server.shutdown().await;
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "a panic");
}

fn seeds_printed() -> bool {
    std::env::var("WS_HEALTH_SEED").is_ok()
}

/// Sends `request` in a few pieces, ends our side, and reads all the server says.
async fn exchange(addr: std::net::SocketAddr, request: &[u8], rng: &mut StdRng) -> Vec<u8> {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let mut rest = request;
    while !rest.is_empty() {
        let most = rest.len().min(rng.random_range(1..=4096));
        let n = rng.random_range(1..=most);
        // A server that has answered and closed may reset the rest: that is its right.
        if tcp.write_all(&rest[..n]).await.is_err() {
            break;
        }
        rest = &rest[n..];
    }
    let _ = tcp.shutdown().await;
    let mut answer = Vec::new();
    let _ = tcp.read_to_end(&mut answer).await;
    answer
}

fn judge(seed: u64, request: &[u8], head_only: bool, answer: &[u8]) {
    let shown = || {
        String::from_utf8_lossy(request)
            .chars()
            .take(600)
            .collect::<String>()
    };
    if answer.is_empty() {
        let mut headers = [httparse::EMPTY_HEADER; 124];
        let parsed = httparse::Request::new(&mut headers).parse(request);
        assert!(
            matches!(parsed, Ok(httparse::Status::Partial)) && request.len() <= 64 * 1024,
            "seed {seed}: no answer to a request httparse reads as {parsed:?}: {:?}",
            shown()
        );
        return;
    }
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut headers);
    let parsed = response.parse(answer);
    let Ok(httparse::Status::Complete(size)) = parsed else {
        panic!(
            "seed {seed}: no whole HTTP head ({parsed:?}) in {:?} to {:?}",
            String::from_utf8_lossy(answer),
            shown()
        );
    };
    let status = response.code.unwrap_or_default();
    assert_eq!(response.version, Some(1), "seed {seed}");
    assert!(
        ANSWERS.contains(&status),
        "seed {seed}: {status} to {:?}",
        shown()
    );
    if status == 101 {
        return; // a WebSocket now, which our end of the stream ended
    }
    let length = response
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-length"))
        .and_then(|h| std::str::from_utf8(h.value).ok()?.parse::<usize>().ok());
    let body = answer.len() - size;
    match (length, head_only) {
        (Some(_), true) => assert_eq!(body, 0, "seed {seed}: a body to HEAD"),
        (Some(length), false) => assert_eq!(length, body, "seed {seed}: {:?}", shown()),
        (None, _) => panic!("seed {seed}: {status} without a length: {:?}", shown()),
    }
}

/// A request: a good upgrade (or a plain `GET /healthz`) with a few defects chosen at random,
/// then broken at random; and whether it is a `HEAD` (answered without a body).
fn request(rng: &mut StdRng) -> (Vec<u8>, bool) {
    let plain = rng.random_bool(0.15);
    let mut first = match plain {
        true => "GET /healthz HTTP/1.1".to_owned(),
        false => "GET /chat HTTP/1.1".to_owned(),
    };
    let mut lines: Vec<String> = vec!["Host: x".into()];
    if !plain {
        lines.extend([
            "Upgrade: websocket".into(),
            "Connection: keep-alive, Upgrade".into(),
            format!("Sec-WebSocket-Key: {KEY}"),
            "Sec-WebSocket-Version: 13".into(),
        ]);
    }
    let mut leading = 0;
    let mut bare = false;
    for _ in 0..[0, 0, 1, 1, 1, 2, 3][rng.random_range(0..7)] {
        let pick = |rng: &mut StdRng, options: &[&str]| {
            options[rng.random_range(0..options.len())].to_owned()
        };
        match rng.random_range(0..14) {
            0 => {
                let method = pick(rng, &["HEAD", "POST", "G\u{e9}T", "CONNECT", "get"]);
                first = first.replacen("GET", &method, 1);
            }
            1 => {
                let target = pick(rng, &["*", "x:80", "http://x/chat", "/a%zz", "/\u{7f}", ""]);
                first = format!("GET {target} HTTP/1.1");
            }
            2 => {
                let version = pick(rng, &["HTTP/1.0", "HTTP/2", "HTTP/1.1 x", "HTTP/1.1\t"]);
                first = first.replacen("HTTP/1.1", &version, 1);
            }
            3 if !lines.is_empty() => drop(lines.remove(rng.random_range(0..lines.len()))),
            4 if !lines.is_empty() => {
                let again = lines[rng.random_range(0..lines.len())].clone();
                lines.push(again);
            }
            5 => {
                // A list over two lines, or with a tab.
                lines.retain(|l| !l.starts_with("Connection") && !l.starts_with("Upgrade"));
                let split = ["Connection: keep-alive", "Connection: upgrade"];
                lines.extend(split.map(String::from));
                lines.push(pick(
                    rng,
                    &["Upgrade: h2c,\twebsocket", "Upgrade: websocket\t"],
                ));
            }
            6 => lines.push(pick(
                rng,
                &[
                    "Sec-WebSocket-Protocol: a, b",
                    "Sec-WebSocket-Protocol: c\u{e9}",
                    "Sec-WebSocket-Extensions: permessage-deflate",
                    "Sec-WebSocket-Version: 8",
                    "Sec-WebSocket-Key: short",
                ],
            )),
            7 => lines.push(pick(rng, &["X-Token: refuse", "X-Echo: plain"])),
            // The hook echoes it: bytes over 0x7f, which a header value may hold.
            8 => lines.push("X-Echo: caf\u{e9} \u{2603}".into()),
            9 => lines.push(pick(
                rng,
                &[
                    "Content-Length: 3",
                    "Content-Length: 0",
                    "Transfer-Encoding: chunked",
                ],
            )),
            10 => lines.extend((0..rng.random_range(100..140)).map(|i| format!("X-{i}: {i}"))),
            11 => {
                let size = rng.random_range(60_000..70_000);
                lines.push(format!("X-Big: {}", "b".repeat(size)));
            }
            12 => leading = rng.random_range(1..4),
            _ => bare = true,
        }
    }
    let mut bytes = b"\r\n".repeat(leading);
    for line in [&first].into_iter().chain(&lines).chain([&String::new()]) {
        bytes.extend_from_slice(line.as_bytes());
        let end: &[u8] = if bare { b"\n" } else { b"\r\n" };
        bytes.extend_from_slice(end);
    }
    for _ in 0..[0, 0, 0, 0, 1, 1, 2][rng.random_range(0..7)] {
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..5) {
            0 => bytes[at] ^= 1 << rng.random_range(0..8),
            1 => bytes.insert(at, rng.random()),
            2 => drop(bytes.remove(at)),
            3 => bytes.truncate(at.max(1)),
            _ => bytes.extend_from_slice(b"\x81\x85junk!"),
        }
    }
    let head_only = bytes.trim_ascii_start().starts_with(b"HEAD ");
    (bytes, head_only)
}
