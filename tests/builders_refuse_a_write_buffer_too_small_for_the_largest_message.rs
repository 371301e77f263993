//! The server and client builders refuse socket settings whose write buffer cannot hold the
//! largest message the application may send, as loading a file does. Accepted, `send` would
//! take a message that tungstenite then refuses mid-write: the connection ends with 1006 and
//! the message is lost.

mod support;

use ws_health::config::SocketConfig;
use ws_health::runtime::{Client, Server};
use ws_health::Supervisor;

#[track_caller]
fn assert_names(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "`{part}` missing from:\n{message}");
    }
}

/// 8 MiB of write buffer for the default 16 MiB messages.
fn buffer_below_the_message_size() -> SocketConfig {
    SocketConfig {
        max_write_buffer_size: 8 << 20,
        ..SocketConfig::default()
    }
}

#[tokio::test]
async fn the_server_builder_refuses_a_write_buffer_below_max_message_size() {
    let err = Server::builder(Supervisor::new())
        .with_socket_config(buffer_below_the_message_size())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .expect_err("an 8 MiB write buffer for 16 MiB messages was accepted");
    assert!(err.is_invalid_input(), "{err:?}");
    assert_names(
        &err.to_string(),
        &[
            "`socket.max_write_buffer_size` = 8388608",
            "`socket.max_message_size` (16777216)",
            "`socket.write_buffer_size` (4096)",
        ],
    );
}

#[tokio::test]
async fn the_client_builder_refuses_a_write_buffer_below_max_message_size() {
    let err = Client::builder(format!("ws://{}", support::runtime::closed_port()))
        .with_socket_config(buffer_below_the_message_size())
        .connect()
        .expect_err("an 8 MiB write buffer for 16 MiB messages was accepted");
    assert!(err.is_invalid_input(), "{err:?}");
    assert_names(
        &err.to_string(),
        &[
            "`socket.max_write_buffer_size` = 8388608",
            "`socket.max_message_size` (16777216)",
        ],
    );
}

#[tokio::test]
async fn a_supervisor_that_lets_the_application_send_more_is_refused_too() {
    // The socket's limits agree with each other, but `Supervisor::new()` lets the
    // application send 16 MiB, which a 2 MiB write buffer cannot hold.
    let socket = SocketConfig {
        max_message_size: Some(1 << 20),
        max_write_buffer_size: 2 << 20,
        ..SocketConfig::default()
    };
    let err = Server::builder(Supervisor::new())
        .with_socket_config(socket.clone())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .expect_err("a 2 MiB write buffer for 16 MiB sends was accepted");
    assert_names(
        &err.to_string(),
        &[
            "16777216 bytes",
            "`socket.max_write_buffer_size` (2097152)",
            "with_max_message_size",
        ],
    );
    let err = Client::builder(format!("ws://{}", support::runtime::closed_port()))
        .with_socket_config(socket.clone())
        .connect()
        .expect_err("a 2 MiB write buffer for 16 MiB sends was accepted");
    assert_names(&err.to_string(), &["16777216 bytes", "(2097152)"]);

    // With the supervisor's send limit matched to the socket's, the same socket serves.
    let supervisor = Supervisor::builder()
        .with_max_message_size(socket.max_message_size)
        .build()
        .unwrap();
    let server = Server::builder(supervisor)
        .with_socket_config(socket)
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    server.shutdown().await;
}

#[tokio::test]
async fn a_supervisor_without_a_send_limit_needs_an_unbounded_write_buffer() {
    let unlimited = || {
        Supervisor::builder()
            .with_max_message_size(None)
            .build()
            .unwrap()
    };
    let err = Server::builder(unlimited())
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .expect_err("a bounded write buffer for sends of any size was accepted");
    assert_names(
        &err.to_string(),
        &[
            "messages of any size",
            "`socket.max_write_buffer_size` (33554432)",
        ],
    );
    let unbounded = SocketConfig {
        max_write_buffer_size: usize::MAX,
        ..SocketConfig::default()
    };
    let server = Server::builder(unlimited())
        .with_socket_config(unbounded)
        .serve("127.0.0.1:0", support::runtime::echo)
        .await
        .unwrap();
    server.shutdown().await;
}
