//! Helpers for tests of the runtime: fast timings and an echo handler.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::sync::broadcast;
use ws_health::config::{Backoff, ClientConfig, ServerConfig};
use ws_health::policy::Policy;
use ws_health::runtime::{ClientEvent, Server};
use ws_health::tungstenite::Message;
use ws_health::{CheckSettings, Connection, Supervisor};

/// A supervisor that pings every `interval` with a `timeout`, and a short close handshake.
pub fn supervisor(interval: Duration, timeout: Duration) -> Supervisor {
    Supervisor::builder()
        .with_ping_settings(CheckSettings::every(interval, timeout))
        .with_policy(Policy {
            close_timeout: Duration::from_millis(300),
            ..Policy::default()
        })
        .build()
        .unwrap()
}

/// A supervisor that pings rarely: for tests about something else.
pub fn quiet_supervisor() -> Supervisor {
    supervisor(Duration::from_secs(30), Duration::from_secs(30))
}

/// Server settings with short timeouts.
pub fn server_config() -> ServerConfig {
    ServerConfig {
        handshake_timeout: Duration::from_secs(2),
        shutdown_timeout: Duration::from_secs(2),
        ..ServerConfig::default()
    }
}

/// Client settings with a fast backoff: `initial` doubling to `max`.
pub fn client_config(initial: Duration, max: Duration) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(2),
        backoff: Backoff {
            initial,
            multiplier: 2.0,
            max,
        },
        stable_after: Duration::from_secs(60),
        ..ClientConfig::default()
    }
}

/// As [`echo_server`], serving at most `max_connections` at once.
pub async fn echo_server_with_limit(max_connections: usize) -> Server {
    Server::builder(quiet_supervisor())
        .with_server_config(ServerConfig {
            max_connections,
            ..server_config()
        })
        .serve("127.0.0.1:0", echo)
        .await
        .unwrap()
}

/// An echo server on a free loopback port, pinging rarely, with short timeouts.
pub async fn echo_server() -> Server {
    Server::builder(quiet_supervisor())
        .with_server_config(server_config())
        .serve("127.0.0.1:0", echo)
        .await
        .unwrap()
}

/// As [`echo_server`], speaking `wss://` with this PEM certificate and key.
#[cfg(feature = "rustls")]
pub async fn wss_echo_server(cert_pem: &std::path::Path, key_pem: &std::path::Path) -> Server {
    let acceptor = ws_health::runtime::tls::acceptor_from_pem(cert_pem, key_pem).unwrap();
    Server::builder(quiet_supervisor())
        .with_server_config(server_config())
        .with_tls(acceptor)
        .serve("127.0.0.1:0", echo)
        .await
        .unwrap()
}

/// Echoes every message back until the connection ends.
pub async fn echo(mut conn: Connection) {
    while let Some(message) = conn.recv().await {
        if conn.send(message).await.is_err() {
            break;
        }
    }
}

/// Answers every message with the name of the thread the handler runs on.
pub async fn thread_name(mut conn: Connection) {
    while conn.recv().await.is_some() {
        let name = std::thread::current().name().unwrap_or("").to_owned();
        if conn.send(Message::text(name)).await.is_err() {
            break;
        }
    }
}

/// A client of `server` that pings rarely and retries after 10 ms.
pub fn quick_client(server: &Server) -> ws_health::runtime::ClientBuilder {
    quick_client_of(server.local_addr())
}

/// As [`quick_client`], of the server at `addr`.
pub fn quick_client_of(addr: SocketAddr) -> ws_health::runtime::ClientBuilder {
    ws_health::runtime::Client::builder(format!("ws://{addr}"))
        .with_supervisor(quiet_supervisor())
        .with_client_config(client_config(
            Duration::from_millis(10),
            Duration::from_millis(10),
        ))
}

/// The next client event that `wanted` picks, skipping the others.
pub async fn next_client_event(
    events: &mut broadcast::Receiver<ClientEvent>,
    wanted: impl Fn(&ClientEvent) -> bool,
) -> ClientEvent {
    super::within("a client event", async {
        loop {
            let event = events.recv().await.expect("the event stream ended");
            if wanted(&event) {
                return event;
            }
        }
    })
    .await
}

/// How the client's next connection to end ended, skipping the other events.
pub async fn next_disconnect(
    events: &mut broadcast::Receiver<ClientEvent>,
) -> ws_health::Disconnect {
    match next_client_event(events, |e| matches!(e, ClientEvent::Disconnected { .. })).await {
        ClientEvent::Disconnected { disconnect, .. } => disconnect,
        _ => unreachable!("picked a Disconnected"),
    }
}

/// A loopback address that refuses connections: a port bound, never listened on, and kept
/// for the rest of the process, so that no other test can take it meanwhile.
pub fn closed_port() -> SocketAddr {
    let (addr, socket) = unlistened_port();
    std::mem::forget(socket);
    addr
}

/// A loopback port bound and not listened on: it refuses connections, as a server that is
/// down, until [`listen_on`] makes it a listener (a server that came up at the same address).
pub fn unlistened_port() -> (SocketAddr, socket2::Socket) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    let addr = socket.local_addr().unwrap().as_socket().unwrap();
    (addr, socket)
}

/// Listens on a socket from [`unlistened_port`].
pub fn listen_on(socket: socket2::Socket) -> tokio::net::TcpListener {
    socket.listen(128).unwrap();
    socket.set_nonblocking(true).unwrap();
    tokio::net::TcpListener::from_std(socket.into()).unwrap()
}

/// A server on a free loopback port that reads each upgrade request's head, writes what
/// `answer` makes of it, and holds the connection until the client leaves: a server that
/// answers the handshake wrongly, for the client's tests.
pub async fn answering_server<F>(answer: F) -> SocketAddr
where
    F: Fn(&str) -> Vec<u8> + Send + Sync + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && tcp.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let _ = tcp
                    .write_all(&answer(&String::from_utf8_lossy(&head)))
                    .await;
                let _ = tcp.read(&mut byte).await;
            });
        }
    });
    addr
}

/// The `Sec-WebSocket-Accept` for the key in a request's `head`.
pub fn accept_key(head: &str) -> String {
    let key = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            let is_key = name.eq_ignore_ascii_case("sec-websocket-key");
            is_key.then(|| value.trim().to_owned())
        })
        .expect("a Sec-WebSocket-Key");
    ws_health::tungstenite::handshake::derive_accept_key(key.as_bytes())
}
