//! Accepted connections dropped before supervision are counted by reason: a peer that never
//! completes its handshake (a slowloris) under `handshake_timeout`, one whose request is no
//! WebSocket upgrade under `handshake_failed`, one the application's handshake hook refused
//! under `handshake_refused`, an async hook that does not answer in time under
//! `handshake_hook_timeout`, one that closes before its request is whole (a load balancer's
//! TCP health check) under `no_request`, not `handshake_failed`; with TLS, a failed TLS
//! handshake under `tls`, but a TCP check on the TLS port under `no_request` too; one still
//! in its handshake when the server shuts down under `shutdown`. All are logged at debug
//! only.
#![cfg(feature = "metrics")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use ws_health::config::ServerConfig;
use ws_health::runtime::{Refusal, Server};
use ws_health::tungstenite::http::StatusCode;

#[test]
fn metrics_count_connections_dropped_before_supervision() {
    let recorded = support::metrics::recorded(false, || async {
        let server = Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(ServerConfig {
                handshake_timeout: Duration::from_secs(1),
                ..support::runtime::server_config()
            })
            .with_handshake(|handshake| match handshake.request().uri().path() {
                "/refused" => Err(Refusal::new(StatusCode::FORBIDDEN, "no")),
                _ => Ok(Arc::new(())),
            })
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        let addr = server.local_addr();
        let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/refused")).await;
        assert!(refused.is_err(), "{refused:?}");
        // Silent: the server gives up after its handshake timeout and closes.
        let mut silent = tokio::net::TcpStream::connect(addr).await.unwrap();
        // Not an upgrade: the handshake fails at once.
        let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        // A TCP health check: connects and closes, and so does half a request.
        let mut probe = tokio::net::TcpStream::connect(addr).await.unwrap();
        probe.shutdown().await.unwrap();
        let mut half = tokio::net::TcpStream::connect(addr).await.unwrap();
        half.write_all(b"GET / HTTP/1.1\r\nHo").await.unwrap();
        half.shutdown().await.unwrap();
        for stream in [&mut silent, &mut plain, &mut probe, &mut half] {
            let mut rest = Vec::new();
            let read = stream.read_to_end(&mut rest);
            support::within("the server to drop it", read)
                .await
                .unwrap();
        }
        server.shutdown().await;
    });
    let count = |reason| dropped(&recorded, reason);
    assert_eq!(count("handshake_timeout"), 1.0);
    assert_eq!(count("handshake_failed"), 1.0);
    assert_eq!(count("handshake_refused"), 1.0);
    assert_eq!(count("no_request"), 2.0);
}

/// A handshake in progress when the server shuts down is dropped, and counted as such: the
/// accepted connections add up to those opened, dropped and refused.
#[test]
fn a_handshake_cut_off_by_the_shutdown_is_counted() {
    let recorded = support::metrics::recorded(false, || async {
        let (entered, hook_entered) = tokio::sync::mpsc::unbounded_channel();
        let server = Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(support::runtime::server_config())
            .with_handshake_async(move |_| {
                let _ = entered.send(());
                std::future::pending()
            })
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        let url = format!("ws://{}", server.local_addr());
        let client = tokio::spawn(async move { tokio_tungstenite::connect_async(url).await });
        let mut hook_entered = hook_entered;
        support::within("the handshake hook", hook_entered.recv()).await;
        server.shutdown().await;
        let answered = support::within("the client's end", client).await.unwrap();
        assert!(answered.is_err(), "upgraded during the shutdown");
    });
    assert_eq!(dropped(&recorded, "shutdown"), 1.0);
}

/// A refusal is counted once, as it is decided: a shutdown while its answer lingers (the
/// server reads on until the peer closes, for a second at most) only cuts that short. It was
/// counted again under `shutdown`.
#[test]
fn a_refusal_lingering_at_the_shutdown_is_counted_once() {
    let recorded = support::metrics::recorded(false, || async {
        let server = Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(support::runtime::server_config())
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        // Not an upgrade: answered 400, and the socket kept open.
        let mut plain = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .unwrap();
        plain
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = [0u8; 12];
        support::within("the answer", plain.read_exact(&mut answer))
            .await
            .unwrap();
        assert_eq!(&answer, b"HTTP/1.1 400");
        server.shutdown().await;
        drop(plain);
    });
    assert_eq!(dropped(&recorded, "handshake_failed"), 1.0);
    assert_eq!(dropped(&recorded, "shutdown"), 0.0);
}

#[cfg(feature = "rustls")]
#[test]
fn a_failed_tls_handshake_is_counted_apart_from_a_tcp_check() {
    use ws_health::runtime::tls;

    let (dir, cert_pem, key_pem) = support::self_signed_pem("metrics-tls");
    let recorded = support::metrics::recorded(false, || async {
        let server = Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(support::runtime::server_config())
            .with_tls(tls::acceptor_from_pem(&cert_pem, &key_pem).unwrap())
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        let addr = server.local_addr();
        let mut probe = tokio::net::TcpStream::connect(addr).await.unwrap();
        probe.shutdown().await.unwrap();
        // Plain HTTP to the TLS port: no ClientHello.
        let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        for stream in [&mut probe, &mut plain] {
            let mut rest = Vec::new();
            let read = stream.read_to_end(&mut rest);
            support::within("the server to drop it", read)
                .await
                .unwrap();
        }
        server.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
    let count = |reason| dropped(&recorded, reason);
    assert_eq!(count("no_request"), 1.0);
    assert_eq!(count("tls"), 1.0);
    assert_eq!(count("handshake_failed"), 0.0);
}

/// An async handshake hook that does not answer within the handshake timeout is counted
/// apart from slow peers: a slow session store shows as itself.
#[test]
fn a_handshake_hook_past_the_timeout_is_counted_as_such() {
    let recorded = support::metrics::recorded(false, || async {
        let server = Server::builder(support::runtime::quiet_supervisor())
            .with_server_config(ServerConfig {
                handshake_timeout: Duration::from_secs(1),
                ..support::runtime::server_config()
            })
            .with_handshake_async(|_| std::future::pending())
            .serve("127.0.0.1:0", support::runtime::echo)
            .await
            .unwrap();
        let addr = server.local_addr();
        let refused = tokio_tungstenite::connect_async(format!("ws://{addr}/")).await;
        let Err(ws_health::tungstenite::Error::Http(answer)) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        server.shutdown().await;
    });
    let count = |reason| dropped(&recorded, reason);
    assert_eq!(count("handshake_hook_timeout"), 1.0);
    assert_eq!(count("handshake_timeout"), 0.0);
}

/// The connections dropped for `reason`.
fn dropped(recorded: &[support::metrics::Metric], reason: &str) -> f64 {
    support::metrics::total(
        recorded,
        "ws_health_connections_dropped_total",
        &[("reason", reason)],
    )
}
