//! A server that never answers pings but answers the close at once: the client's policy
//! closes with 1011, and its events say `HealthChanged { Unhealthy }` before `Disconnected`,
//! even though the status change and the end come close together.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use ws_health::runtime::{Client, ClientEvent};
use ws_health::tungstenite::handshake::derive_accept_key;
use ws_health::Status;

/// Accepts the opening handshake by hand, then ignores every frame but the close, which it
/// echoes at once. Returns when the client hangs up.
async fn pongless_server(mut tcp: TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = tcp.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the client left during the handshake");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let key = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .expect("a Sec-WebSocket-Key header");
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    tcp.write_all(response.as_bytes()).await.unwrap();
    buf.drain(..head_end);

    loop {
        while let Some((opcode, payload, used)) = client_frame(&buf) {
            buf.drain(..used);
            if opcode == 0x8 {
                let mut close = vec![0x88, payload.len() as u8];
                close.extend_from_slice(&payload);
                tcp.write_all(&close).await.unwrap();
            }
        }
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// One whole masked client frame at the start of `buf` (control frames only need the 7-bit
/// length): its opcode, unmasked payload and length in bytes.
fn client_frame(buf: &[u8]) -> Option<(u8, Vec<u8>, usize)> {
    let (&b0, &b1) = (buf.first()?, buf.get(1)?);
    let len = usize::from(b1 & 0x7f);
    assert!(len < 126, "a frame longer than this test expects");
    let mask = buf.get(2..6)?;
    let payload = buf.get(6..6 + len)?;
    let unmasked = payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m);
    Some((b0 & 0x0f, unmasked.collect(), 6 + len))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reports_unhealthy_before_a_close_by_policy() {
    support::trace();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        pongless_server(tcp).await;
    });

    let ping = Duration::from_millis(50);
    let client = Client::builder(url)
        .with_supervisor(support::runtime::supervisor(ping, ping))
        .with_client_config(support::runtime::client_config(
            Duration::from_secs(30),
            Duration::from_secs(30),
        ))
        .connect()
        .unwrap();
    let mut events = client.events();
    let mut seen = Vec::new();
    let disconnect = support::within("the client's first connection to end", async {
        loop {
            let event = events.recv().await.expect("the client's events");
            seen.push(event.clone());
            if let ClientEvent::Disconnected { disconnect, .. } = event {
                return disconnect;
            }
        }
    })
    .await;
    client.close();

    assert_eq!(disconnect.code, 1011, "{seen:?}");
    assert_eq!(disconnect.reason, "keepalive ping timeout", "{seen:?}");
    let unhealthy = seen.iter().position(|e| {
        matches!(e, ClientEvent::HealthChanged { status: Status::Unhealthy, reason, .. }
            if reason.contains("keepalive ping timeout"))
    });
    assert!(
        unhealthy.is_some_and(|i| i + 1 < seen.len()),
        "no Unhealthy before Disconnected: {seen:?}"
    );
    support::within("the server to see the client leave", server)
        .await
        .unwrap();
}
