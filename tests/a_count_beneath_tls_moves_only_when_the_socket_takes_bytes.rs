//! Over TLS, write progress is counted beneath TLS (`Counted`, as the runtime's server and
//! client do), at the socket: once a stall holds bytes back, messages the application goes
//! on sending still enter rustls's own buffer, and a count taken at the TLS stream
//! (`LeanStream::write_progress`) moves while the socket takes nothing, which would keep a
//! dead peer's stuck ping from ever being judged. The socket here is an in-memory pipe of
//! 8 KiB whose reader never reads.
#![cfg(feature = "rustls")]

mod support;

use futures_util::{FutureExt, SinkExt};
use ws_health::lean::Counted;
use ws_health::runtime::tls;
use ws_health::tungstenite::protocol::Role;
use ws_health::tungstenite::Message;
use ws_health::LeanStream;

#[tokio::test]
async fn a_count_beneath_tls_moves_only_when_the_socket_takes_bytes() {
    let (dir, cert_pem, key_pem) = support::self_signed_pem("counted");
    let acceptor = tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap();
    let connector =
        tokio_rustls::TlsConnector::from(tls::client_config_with_roots(&cert_pem).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
    let (server_io, client_io) = tokio::io::duplex(8 * 1024);
    let socket = Counted::new(server_io);
    let at_socket = socket.progress();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let (server, client) =
        tokio::join!(acceptor.accept(socket), connector.connect(name, client_io));
    // Kept, never read: the pipe fills.
    let _client = client.unwrap();
    let mut ws = LeanStream::from_raw_socket(server.unwrap(), Role::Server, None).await;
    let at_tls = ws.write_progress();

    // 32 KiB: the pipe takes 8 KiB, rustls holds the rest, and the flush stalls.
    let big = ws.feed(Message::binary(vec![1; 32 * 1024])).now_or_never();
    assert!(matches!(big, Some(Ok(()))), "{big:?}");
    assert!(ws.flush().now_or_never().is_none(), "the pipe took 32 KiB");
    let (socket_before, tls_before) = (at_socket.bytes(), at_tls.bytes());
    assert!(
        socket_before > 0,
        "the handshake and the start of the message"
    );

    for _ in 0..10 {
        let _ = ws.feed(Message::binary(vec![2; 100])).now_or_never();
        let _ = ws.flush().now_or_never();
    }
    assert!(
        at_tls.bytes() > tls_before,
        "rustls took the small messages: the count at the TLS stream moved"
    );
    assert_eq!(
        at_socket.bytes(),
        socket_before,
        "the socket took nothing: the count beneath TLS must not move"
    );
}
