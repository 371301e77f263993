//! A request the server cannot upgrade gets an HTTP answer that says why, not a reset: 400
//! for a plain GET (a browser, a load balancer's probe), bytes that are not HTTP, or data
//! sent with the request; 405 with `Allow: GET` for another method; 426 with
//! `Sec-WebSocket-Version: 13` for another protocol version (RFC 6455 4.2.2) and the
//! `Upgrade: websocket` a 426 must carry (RFC 9110 15.5.22); 431 for a head
//! over 64 KiB. Each answer carries its reason as a plain-text body of the length it
//! declares (to a `HEAD`, the head alone, even when its head could not be read whole), and
//! the server closes the connection after it.

mod support;

/// Sends `request` on a fresh connection: the answer's status line, head and body, whose
/// length the head declares.
async fn answer_to(addr: std::net::SocketAddr, request: &[u8]) -> (String, String, String) {
    let (head, body) = support::http_exchange(addr, request).await;
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .expect("a content-length");
    assert_eq!(length.parse::<usize>().unwrap(), body.len(), "{head}");
    let status = head.lines().next().unwrap().to_owned();
    (status, head, body)
}

#[tokio::test]
async fn server_answers_what_it_cannot_upgrade() {
    let server = support::runtime::echo_server().await;
    let addr = server.local_addr();
    let upgrade = "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
                   Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    let huge = format!("GET / HTTP/1.1\r\nCookie: {}\r\n\r\n", "a".repeat(70_000));
    let version_8 = upgrade.replace("Version: 13", "Version: 8");
    // RFC 6455 11.3.1, 11.3.5: the key and the version may appear only once; the 101 would
    // answer one of two.
    let two_keys = upgrade.replace(
        "\r\n\r\n",
        "\r\nSec-WebSocket-Key: b3RoZXIgc2FtcGxlIG5vbmNl\r\n\r\n",
    );
    let two_versions = upgrade.replace("\r\n\r\n", "\r\nSec-WebSocket-Version: 13\r\n\r\n");
    // RFC 9112 3.2: exactly one Host; with two, a hook routing on one could be fooled by a
    // proxy routing on the other.
    let no_host = upgrade.replace("Host: x\r\n", "");
    let two_hosts = upgrade.replace("Host: x\r\n", "Host: tenant-a\r\nHost: tenant-b\r\n");
    // RFC 9112 3.2.3, 3.2.4: CONNECT's and OPTIONS' forms; a hook would see no path.
    let asterisk = upgrade.replace("GET / ", "GET * ");
    let authority = upgrade.replace("GET / ", "GET example.com:443 ");
    // A masked, empty text frame sent with the request.
    let mut early_frame = upgrade.as_bytes().to_vec();
    early_frame.extend_from_slice(&[0x81, 0x80, 1, 2, 3, 4]);
    let cases: [(&[u8], &str, &str); 12] = [
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
            "HTTP/1.1 400 Bad Request",
            "Connection",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 405 Method Not Allowed",
            "not POST",
        ),
        (
            version_8.as_bytes(),
            "HTTP/1.1 426 Upgrade Required",
            "must be 13",
        ),
        (
            // The start of a TLS ClientHello: no line ends in it.
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            "HTTP/1.1 400 Bad Request",
            "not an HTTP request",
        ),
        (
            &early_frame,
            "HTTP/1.1 400 Bad Request",
            "data after the upgrade request",
        ),
        (
            two_keys.as_bytes(),
            "HTTP/1.1 400 Bad Request",
            "Sec-WebSocket-Key more than once",
        ),
        (
            two_versions.as_bytes(),
            "HTTP/1.1 400 Bad Request",
            "Sec-WebSocket-Version more than once",
        ),
        (
            no_host.as_bytes(),
            "HTTP/1.1 400 Bad Request",
            "no Host header",
        ),
        (
            two_hosts.as_bytes(),
            "HTTP/1.1 400 Bad Request",
            "Host more than once",
        ),
        (
            asterisk.as_bytes(),
            "HTTP/1.1 400 Bad Request",
            "target is a path, like /chat, not *",
        ),
        (
            authority.as_bytes(),
            "HTTP/1.1 400 Bad Request",
            "not example.com:443",
        ),
        (
            huge.as_bytes(),
            "HTTP/1.1 431 Request Header Fields Too Large",
            "over 65536 bytes",
        ),
    ];
    for (request, status, reason) in cases {
        let (got, head, body) = answer_to(addr, request).await;
        assert_eq!(got, status, "{body}");
        assert!(body.contains(reason), "{status}: {body:?} lacks {reason:?}");
        let expected: &[&str] = match &status[9..12] {
            "405" => &["\r\nallow: GET", "\r\nconnection: close\r\n"],
            "426" => &[
                "\r\nsec-websocket-version: 13",
                "\r\nupgrade: websocket",
                "\r\nconnection: close, upgrade\r\n",
            ],
            _ => &["\r\nconnection: close\r\n"],
        };
        for header in expected {
            assert!(head.contains(header), "{head} lacks {header:?}");
        }
    }

    // A `HEAD` refused before its head could be read whole gets the head of the answer
    // alone (RFC 9110 9.3.2): a client reading on would take the body for its next answer.
    let many = format!(
        "HEAD / HTTP/1.1\r\nHost: x\r\n{}\r\n",
        "X-A: b\r\n".repeat(125)
    );
    let twice = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(2);
    for (request, status) in [
        (many, "HTTP/1.1 431 Request Header Fields Too Large"),
        (twice, "HTTP/1.1 400 Bad Request"),
    ] {
        let (head, body) = support::http_exchange(addr, request.as_bytes()).await;
        assert!(head.starts_with(status), "{head}");
        assert!(head.contains("\r\ncontent-length: "), "{head}");
        assert_eq!(body, "", "a body in the answer to HEAD: {head}");
    }

    // `Connection` split over two lines is one list (RFC 9110 5.3): upgraded.
    let split = upgrade.replace(
        "Connection: Upgrade\r\n",
        "Connection: keep-alive\r\nConnection: Upgrade\r\n",
    );
    assert_eq!(
        status_of(addr, split.as_bytes()).await,
        "HTTP/1.1 101 Switching Protocols"
    );
    // A tab beside a list's comma is whitespace too (RFC 9110 5.6.3): upgraded.
    let tab = upgrade.replace("Connection: Upgrade", "Connection: keep-alive,\tUpgrade");
    assert_eq!(
        status_of(addr, tab.as_bytes()).await,
        "HTTP/1.1 101 Switching Protocols"
    );
    // `Upgrade: websocket` twice is upgraded: one list, which names it.
    let twice = upgrade.replace(
        "Upgrade: websocket\r\n",
        &"Upgrade: websocket\r\n".repeat(2),
    );
    assert_eq!(
        status_of(addr, twice.as_bytes()).await,
        "HTTP/1.1 101 Switching Protocols"
    );

    // The server goes on: an upgrade is still answered 101.
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
        .await
        .unwrap();
    let _ = ws.close(None).await;
    server.shutdown().await;
}

/// The status line of the answer to `request`, read without waiting for the close (a 101
/// keeps the connection).
async fn status_of(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request).await.unwrap();
    let mut line = String::new();
    let mut reader = tokio::io::BufReader::new(tcp);
    support::within("the status line", reader.read_line(&mut line))
        .await
        .unwrap();
    line.trim_end().to_owned()
}
