//! The messages of a wss peer that came in the same read as a record that failed its TLS
//! session (a fatal alert, a record that does not decrypt) reach the application before the
//! connection ends, as over plain TCP the messages before a broken frame do. tokio-rustls
//! reports the failure at once, and rustls's plaintext of the records before it was dropped:
//! the handler saw none of the three messages, only "closed by network with 1006".
#![cfg(feature = "rustls")]

mod support;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use ws_health::runtime::tls::{self, rustls, tokio_rustls};
use ws_health::runtime::Server;
use ws_health::tungstenite::Message;
use ws_health::{Disconnect, Initiator};

/// A masked text frame (a zero key: the payload as it is).
fn text(payload: &str) -> Vec<u8> {
    let mut frame = vec![0x81, 0x80 | payload.len() as u8, 0, 0, 0, 0];
    frame.extend(payload.as_bytes());
    frame
}

/// A TLS record of application data that decrypts to nothing we sent.
const BROKEN_RECORD: [u8; 37] = {
    let mut record = [7; 37];
    (record[0], record[1], record[2], record[3], record[4]) = (23, 3, 3, 0, 32);
    record
};

#[tokio::test]
async fn a_wss_peers_messages_read_with_its_fatal_alert_reach_the_application() {
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("alert-after-messages");
    let (tx, mut ended) = mpsc::unbounded_channel::<(Vec<Message>, Disconnect)>();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_server_config(support::runtime::server_config())
        .with_tls(tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap())
        .serve("127.0.0.1:0", move |mut conn| {
            let tx = tx.clone();
            async move {
                let mut got = Vec::new();
                while let Some(message) = conn.recv().await {
                    got.push(message);
                }
                let _ = tx.send((got, conn.closed().await));
            }
        })
        .await
        .unwrap();

    let tcp = TcpStream::connect(server.local_addr()).await.unwrap();
    let connector =
        tokio_rustls::TlsConnector::from(tls::client_config_with_roots(&cert_pem).unwrap());
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await.unwrap();
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
              Sec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0];
        stream.read_exact(&mut byte).await.unwrap();
        head.extend(byte);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{head:?}");

    // Three messages sealed, then our session fails on a broken record from "the server"
    // and seals its fatal alert: all in one write, so that the server reads them together.
    let (tcp, session) = stream.get_mut();
    for message in ["one", "two", "three"] {
        std::io::Write::write_all(&mut session.writer(), &text(message)).unwrap();
    }
    session.read_tls(&mut &BROKEN_RECORD[..]).unwrap();
    assert!(session.process_new_packets().is_err());
    let mut wire = Vec::new();
    while session.wants_write() {
        session.write_tls(&mut wire).unwrap();
    }
    tcp.write_all(&wire).await.unwrap();

    let (got, disconnect) = support::within("the handler's end", ended.recv())
        .await
        .unwrap();
    assert_eq!(
        got,
        ["one", "two", "three"].map(Message::text),
        "{disconnect}"
    );
    assert_eq!(
        (disconnect.initiator, disconnect.code),
        (Initiator::Network, 1006)
    );
    assert!(
        disconnect.reason.contains("fatal alert"),
        "{}",
        disconnect.reason
    );
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same for the client: the server's messages read with its fatal alert reach `recv`.
#[tokio::test]
async fn a_wss_servers_messages_read_with_its_fatal_alert_reach_the_client() {
    use ws_health::runtime::{Client, ClientEvent};
    support::trace();
    let (dir, cert_pem, key_pem) = support::self_signed_pem("server-alert-after-messages");
    let acceptor = tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let stream = acceptor.accept(tcp).await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let (tcp, session) = ws.get_mut().get_mut();
        for message in ["one", "two", "three"] {
            let mut frame = vec![0x81, message.len() as u8];
            frame.extend(message.as_bytes());
            std::io::Write::write_all(&mut session.writer(), &frame).unwrap();
        }
        session.read_tls(&mut &BROKEN_RECORD[..]).unwrap();
        assert!(session.process_new_packets().is_err());
        let mut wire = Vec::new();
        while session.wants_write() {
            session.write_tls(&mut wire).unwrap();
        }
        tcp.write_all(&wire).await.unwrap();
        ws
    });
    let mut client = Client::builder(format!("wss://localhost:{port}"))
        .with_supervisor(support::runtime::quiet_supervisor())
        .with_tls_config(tls::client_config_with_roots(&cert_pem).unwrap())
        .connect()
        .unwrap();
    let mut events = client.events();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(support::within("a message", client.recv()).await.unwrap());
    }
    assert_eq!(got, ["one", "two", "three"].map(Message::text));
    let disconnect = support::within("the disconnect", async {
        loop {
            if let ClientEvent::Disconnected { disconnect, .. } = events.recv().await.unwrap() {
                return disconnect;
            }
        }
    })
    .await;
    assert!(disconnect.reason.contains("fatal alert"), "{disconnect}");
    client.close();
    drop(server.await.unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
