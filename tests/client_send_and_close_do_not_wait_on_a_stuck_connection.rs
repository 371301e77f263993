//! A peer that stops reading backs the client's queues up, and `send` waits for room while
//! connected. It must not wait past the connection: once the connection is lost, a waiting
//! `send` returns as any `send` while disconnected does (queue full), not after the next
//! connection, which may never come. And `Client::close` must be acted on while the
//! client's task is handing a message to the stuck connection.
//!
//! Messages of 8 MiB against kernel buffers of at most 4 MiB + 64 KiB and a tungstenite
//! write buffer that holds one: the first never leaves, so exactly four `send`s complete
//! (one in tungstenite, one in the connection's queue, one the client's task is handing
//! over, one in the client's queue) and the fifth waits, at the client queue's count
//! (`client.offline_queue = 1`) or at its byte budget (8 MiB, the default).

mod support;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpSocket;
use tokio::sync::{mpsc, oneshot};
use ws_health::config::{ClientConfig, Queues, SocketConfig};
use ws_health::policy::Policy;
use ws_health::runtime::{Client, ClientEvent, StopCause};
use ws_health::tungstenite::Message;
use ws_health::{Result, Supervisor};

const MESSAGE: usize = 8 << 20;

/// What the stuck server does when told.
#[derive(Clone, Copy)]
enum Then {
    /// Drops its one connection.
    Drop,
    /// Sends a close with a final code (4001), still reading nothing.
    CloseWithFinalCode,
    /// Reads, and drops, every message from then on.
    Read,
}

/// A WebSocket server that never reads and does `then` when told.
async fn stuck_server(then: Then) -> (String, oneshot::Sender<()>) {
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(64 << 10).unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let (drop_tx, drop_rx) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let _ = drop_rx.await;
        match then {
            Then::Drop => drop((ws, listener)), // unread data: the kernel resets the connection
            Then::CloseWithFinalCode => {
                // Straight to the socket, as a server that reads no more: FIN + close, 4001.
                let mut tcp = ws.into_inner();
                tcp.write_all(&[0x88, 0x02, 0x0f, 0xa1]).await.unwrap();
                std::future::pending::<()>().await;
            }
            Then::Read => {
                let mut ws = ws;
                while let Some(Ok(_)) = ws.next().await {}
            }
        }
    });
    (url, drop_tx)
}

/// A connected client whose every queue holds one message (its own, of `offline_queue`
/// messages, by its count or by its bytes), and a task sending eight messages in turn, each
/// `send`'s result reported as it comes.
async fn backed_up_client(
    then: Then,
    offline_queue: usize,
    max_retries: Option<u32>,
) -> (
    Arc<Client>,
    mpsc::UnboundedReceiver<Result<()>>,
    oneshot::Sender<()>,
) {
    let (url, drop_server) = stuck_server(then).await;
    let supervisor = Supervisor::builder()
        .with_queues(Queues {
            inbound: 1,
            outbound: 1,
            ..Default::default()
        })
        .with_max_message_size(Some(MESSAGE))
        .with_policy(Policy {
            close_timeout: Duration::from_millis(300),
            ..Policy::default()
        })
        .build()
        .unwrap();
    let write_buffer_size = 4 << 10;
    let client = Client::builder(url)
        .with_supervisor(supervisor)
        .with_socket_config(SocketConfig {
            write_buffer_size,
            max_message_size: Some(MESSAGE),
            max_write_buffer_size: write_buffer_size + MESSAGE + 15,
            ..SocketConfig::default()
        })
        .with_client_config(ClientConfig {
            offline_queue,
            max_retries,
            ..support::runtime::client_config(Duration::from_secs(60), Duration::from_secs(60))
        })
        .connect()
        .map(Arc::new)
        .unwrap();
    let mut events = client.events();
    support::runtime::next_client_event(&mut events, |e| {
        matches!(e, ClientEvent::Connected { .. })
    })
    .await;

    let (results_tx, mut results) = mpsc::unbounded_channel();
    let sender = client.clone();
    tokio::spawn(async move {
        let message = Message::binary(vec![0u8; MESSAGE]);
        for _ in 0..8 {
            let _ = results_tx.send(sender.send(message.clone()).await);
        }
    });
    for i in 0..4 {
        let sent = support::within("a send with room", results.recv()).await;
        assert!(sent.unwrap().is_ok(), "send {i}");
    }
    (client, results, drop_server)
}

#[tokio::test]
async fn a_send_waiting_on_a_lost_connection_returns_at_once() {
    support::trace();
    let (_client, mut results, drop_server) = backed_up_client(Then::Drop, 1, None).await;
    drop_server.send(()).unwrap();
    // The fifth was waiting for room; it and the later ones meet a full offline queue.
    for i in 4..8 {
        let sent = support::within("a send after the loss", results.recv()).await;
        let err = sent.unwrap().expect_err("room in a queue nothing drains");
        assert!(err.is_queue_full(), "send {i}: {err}");
    }
}

/// Room for two messages but bytes for one (8 MiB): the fifth waits at the bytes as it
/// would at the count, and fails as at the count once the connection is lost, naming the
/// budget.
#[tokio::test]
async fn a_send_waiting_at_the_byte_budget_returns_at_once_on_a_lost_connection() {
    support::trace();
    let (_client, mut results, drop_server) = backed_up_client(Then::Drop, 2, None).await;
    drop_server.send(()).unwrap();
    for i in 4..8 {
        let sent = support::within("a send after the loss", results.recv()).await;
        let err = sent.unwrap().expect_err("room in a queue nothing drains");
        assert!(err.is_queue_full(), "send {i}: {err}");
        let budget = "(8388608 bytes, client.offline_queue_bytes) while disconnected";
        assert!(err.to_string().contains(budget), "send {i}: {err}");
    }
}

/// The send waiting at the byte budget goes on once the server reads: the bytes of each
/// message the connection takes are freed, and wake it.
#[tokio::test]
async fn a_send_waiting_at_the_byte_budget_goes_on_as_the_connection_drains() {
    support::trace();
    let (_client, mut results, read) = backed_up_client(Then::Read, 2, None).await;
    read.send(()).unwrap();
    for i in 4..8 {
        let sent = support::within("room as the server reads", results.recv()).await;
        assert!(sent.unwrap().is_ok(), "send {i}");
    }
}

#[tokio::test]
async fn close_is_acted_on_while_a_message_waits_for_a_stuck_connection() {
    support::trace();
    let (client, _results, _server) = backed_up_client(Then::Drop, 1, None).await;
    client.close();
    // The close frame cannot leave either: the close handshake ends at `close_timeout`.
    let reason = support::within("the client to stop", client.stopped()).await;
    assert_eq!(reason.cause, StopCause::Closed, "{reason}");
    // Of the four accepted, the first is in tungstenite's buffer, part of it taken by the
    // socket: written, as far as a connection can tell. The three behind it never were.
    assert_eq!(reason.unsent, 3, "{reason}");
}

/// A final close code stops the client; the messages it had accepted and its connection
/// never wrote count in the stop's `unsent`, not only in the connection's `Disconnected`.
#[tokio::test]
async fn a_final_close_counts_what_the_connection_never_wrote_in_the_stop() {
    support::trace();
    let (client, _results, close) = backed_up_client(Then::CloseWithFinalCode, 1, None).await;
    let mut events = client.events();
    close.send(()).unwrap();
    let end = support::runtime::next_disconnect(&mut events).await;
    let reason = support::within("the client to stop", client.stopped()).await;
    let final_code = StopCause::FinalCloseCode {
        code: 4001,
        reason: String::new(),
    };
    assert_eq!(reason.cause, final_code, "{reason}");
    // The connection's queue held one; the client's task and queue the two others.
    assert_eq!(end.unsent, 1, "{end}");
    assert_eq!(reason.unsent, 3, "{reason}; the connection's {end}");
}

/// A client that gives up at its first failure stops as its one connection is lost; what
/// that connection never wrote counts in the stop too, as no retry follows.
#[tokio::test]
async fn giving_up_counts_what_the_last_connection_never_wrote_in_the_stop() {
    support::trace();
    let (client, _results, drop_server) = backed_up_client(Then::Drop, 1, Some(0)).await;
    let mut events = client.events();
    drop_server.send(()).unwrap();
    let end = support::runtime::next_disconnect(&mut events).await;
    let reason = support::within("the client to stop", client.stopped()).await;
    assert!(
        matches!(reason.cause, StopCause::GaveUp { retries: 0, .. }),
        "{reason}"
    );
    assert_eq!(end.unsent, 1, "{end}");
    assert_eq!(reason.unsent, 3, "{reason}; the connection's {end}");
}
