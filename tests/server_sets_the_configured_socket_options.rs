//! The server sets TCP_NODELAY, TCP keepalive (idle, interval, retries) and, on Linux,
//! TCP_USER_TIMEOUT and TCP_NOTSENT_LOWAT on every accepted socket: read back with getsockopt.

#![cfg(target_os = "linux")]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use socket2::SockRef;
use ws_health::config::{SocketConfig, TcpKeepalive};
use ws_health::runtime::Server;

#[derive(Debug, Default, PartialEq)]
struct Seen {
    nodelay: bool,
    keepalive: bool,
    idle: Duration,
    interval: Duration,
    retries: u32,
    user_timeout: Option<Duration>,
    notsent_lowat: u32,
}

#[tokio::test]
async fn server_sets_the_configured_socket_options() {
    support::trace();
    let socket = SocketConfig {
        nodelay: true,
        keepalive: TcpKeepalive {
            enabled: true,
            idle: Duration::from_secs(33),
            interval: Duration::from_secs(7),
            retries: 4,
        },
        user_timeout: Some(Duration::from_millis(12_500)),
        notsent_lowat: 24_000,
        ..SocketConfig::default()
    };
    let seen = Arc::new(Mutex::new(None));
    let record = seen.clone();
    let server = Server::builder(support::runtime::quiet_supervisor())
        .with_socket_config(socket)
        .with_accept_filter(move |tcp, _| {
            let sock = SockRef::from(tcp);
            *record.lock().unwrap() = Some(Seen {
                nodelay: sock.tcp_nodelay().unwrap(),
                keepalive: sock.keepalive().unwrap(),
                idle: sock.tcp_keepalive_time().unwrap(),
                interval: sock.tcp_keepalive_interval().unwrap(),
                retries: sock.tcp_keepalive_retries().unwrap(),
                user_timeout: sock.tcp_user_timeout().unwrap(),
                notsent_lowat: sock.tcp_notsent_lowat().unwrap(),
            });
            true
        })
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    let url = format!("ws://{}", server.local_addr());
    let (_ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let seen = seen.lock().unwrap().take().expect("the filter never ran");
    assert_eq!(
        seen,
        Seen {
            nodelay: true,
            keepalive: true,
            idle: Duration::from_secs(33),
            interval: Duration::from_secs(7),
            retries: 4,
            user_timeout: Some(Duration::from_millis(12_500)),
            notsent_lowat: 24_000,
        }
    );
    server.shutdown().await;
}
