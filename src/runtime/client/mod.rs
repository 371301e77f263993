//! The reconnecting client.
//!
//! One task per client connects (the handshake headers, TCP with the `[socket]` options, a
//! `CONNECT` tunnel through an HTTP proxy if `client.proxy` or the environment names one, TLS for
//! `wss://`, the handshake, then the on-connect hook, all under `connect_timeout`), hands each new
//! supervised connection to the application, forwards the messages the application queued, reports
//! [`ClientEvent`]s, and after a connection is lost waits a full-jitter backoff delay
//! ([`full_jitter`]) and tries again. The backoff resets only after a connection stayed Healthy for
//! `stable_after`, counted from the end of its on-connect hook.
//!
//! When it stops instead of retrying:
//!
//! | how the connection ended | the client |
//! |---|---|
//! | the application called [`Client::close`] or dropped the client | stops |
//! | a policy's `reconnect` action | retries, whatever the code |
//! | the server or our policy closed with a final code (1008, 4000–4999 by default) | stops |
//! | a close through [`Client::sender`], or one we sent for a broken frame (1002, 1007, 1009) | retries |
//! | any other close (1000, 1001, 1011, …), 1006, a network error | retries |
//! | the handshake was answered with an HTTP status other than 5xx, 408 and 429: a 4xx (but 401, 403 once with a handshake headers hook, whose next attempt has fresh credentials), or a 3xx, which tungstenite does not follow | stops |
//! | the HTTP proxy (`client.proxy`) answered `CONNECT` with a status other than 101, 2xx, 5xx, 408 and 429: 407 (credentials), 403 | stops |
//! | HTTP 5xx (503 from a full server), refused, timed out, TLS error | retries (after at least a 503's or 429's `Retry-After`, within `backoff.max`) |
//! | the HTTP proxy answered `CONNECT` with a 5xx (502: it could not reach the server), 408, 429 or 101 (interim 1xx answers are read past), answered no HTTP, or could not be reached | retries |
//! | `max_retries` retries in a row failed (an opened connection starts the count again) | stops |

mod attempt; // one attempt under connect_timeout: headers hook, connect, state
mod backoff; // full-jitter delays and when they reset
mod builder; // ClientBuilder
mod connect; // TCP, TLS and the WebSocket handshake
mod connection; // one connection: the hook, hand-over, forwarding, health, its end
mod event_channel; // the events' channel, made when first asked for; the events before it
mod events; // ClientEvent
mod handle; // ClientHandle: sending from other tasks
mod logs; // failed attempts thinned out in the log; the URL where the span is off
mod manager; // the client's task: connect, hand over, forward, reconnect
mod outbox; // the queue of accepted messages: forwarded, handed over at close, dropped
mod proxy; // which HTTP proxy, if any (client.proxy, the environment), and its CONNECT tunnel
mod queue; // that queue: tokio's channel, bounded in messages, with its bytes counted in an atomic
mod request; // the request of an attempt (fresh key, the headers hook), what its 101 may accept
mod shared; // what the task and the handles share
mod stop; // StopReason: why the client stopped for good
mod target; // the URL: scheme, host, port; shown without credentials

pub use backoff::full_jitter;
pub use builder::ClientBuilder;
pub use events::ClientEvent;
pub use handle::ClientHandle;
pub use stop::{StopCause, StopReason};

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, watch};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderMap;
use tokio_tungstenite::tungstenite::Message;

use crate::supervisor::TrySendError;
use crate::{Connection, Error, ErrorKind, Health, Result, Sender, Stats};
use shared::Shared;

type OnConnect =
    Arc<dyn Fn(Sender) -> Pin<Box<dyn Future<Output = Result<()>> + Send>> + Send + Sync>;

/// An error of the application's own, from a hook.
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Makes the headers added to one attempt's handshake request.
type HandshakeHeaders = Arc<
    dyn Fn() -> Pin<Box<dyn Future<Output = Result<HeaderMap, BoxError>> + Send>> + Send + Sync,
>;

/// A WebSocket client that stays connected: it reconnects with backoff after a connection
/// is lost, re-runs an on-connect hook each time, and keeps messages sent while
/// disconnected in a bounded queue until the next connection.
///
/// Receive with [`recv`](Client::recv): it yields messages across reconnects. The
/// supervisor answers the server's pings on its own task, even while the application is
/// busy, as long as fewer than `queues.inbound` messages wait for `recv`.
///
/// ```no_run
/// # async fn run() -> ws_health::Result<()> {
/// use ws_health::runtime::Client;
/// use ws_health::tungstenite::Message;
///
/// let mut client = Client::builder("ws://127.0.0.1:8765/feed")
///     .with_on_connect(|conn| async move {
///         conn.send(Message::text(r#"{"subscribe":"prices"}"#)).await
///     })
///     .connect()?;
/// let mut events = client.events();
/// tokio::spawn(async move {
///     use tokio::sync::broadcast::error::RecvError;
///     loop {
///         match events.recv().await {
///             Ok(event) => println!("{event:?}"),
///             Err(RecvError::Lagged(missed)) => println!("{missed} events missed"),
///             Err(RecvError::Closed) => break,
///         }
///     }
/// });
/// while let Some(message) = client.recv().await {
///     println!("{message}");
/// }
/// # Ok(()) }
/// ```
#[must_use = "dropping the Client closes its connection with 1000 and stops reconnecting"]
pub struct Client {
    shared: Arc<Shared>,
    handle: ClientHandle,
    current: Option<Connection>,
    close: watch::Sender<Option<(u16, String)>>,
}

impl Client {
    /// A builder for a client of `url` (`ws://` or `wss://`; a `Request` for custom headers).
    pub fn builder(url: impl IntoClientRequest) -> ClientBuilder {
        ClientBuilder::new(url)
    }

    /// A client of `url` with the default supervisor and configuration.
    ///
    /// # Errors
    /// An invalid URL.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn connect(url: impl IntoClientRequest) -> Result<Client> {
        ClientBuilder::new(url).connect()
    }

    /// Queues a message. While connected it waits for room in the queue; while
    /// disconnected it returns at once, also when the connection is lost while it waits
    /// (unless the next one is already up, where it waits on). [`handle`](Client::handle)
    /// gives the same to other tasks.
    ///
    /// # Errors
    /// [`ErrorKind::QueueFull`] when disconnected and the offline queue is full, at
    /// `client.offline_queue` messages or `client.offline_queue_bytes` bytes, whichever it met
    /// first, as the error says (the message is not sent; nothing is dropped silently);
    /// [`ErrorKind::Closed`] once the client has been closed or has stopped;
    /// [`ErrorKind::InvalidInput`] for a message over `socket.max_message_size`, which no
    /// connection would take, and for a Close, a Pong, a raw Frame or a Ping over 125 bytes
    /// (close with [`Client::close_with`](crate::Client::close_with); the supervisor answers
    /// pings).
    pub async fn send(&self, message: Message) -> Result<()> {
        self.handle.send(message).await
    }

    /// Queues a message if there is room, without waiting.
    ///
    /// # Errors
    /// As [`send`](Client::send), also when connected and the queue is full, but with the
    /// message handed back inside a [`TrySendError`], as
    /// [`Sender::try_send`](crate::Sender::try_send) does.
    pub fn try_send(&self, message: Message) -> std::result::Result<(), TrySendError> {
        self.handle.try_send(message)
    }

    /// A cloneable handle that queues messages as [`send`](Client::send) does, in the same
    /// queue and order, for tasks other than the one that receives. It does not keep the
    /// client running: once the client is closed, dropped or stopped, its sends fail with
    /// [`ErrorKind::Closed`] (`try_send` with [`TrySendError::Closed`]).
    pub fn handle(&self) -> ClientHandle {
        self.handle.clone()
    }

    /// The next message from the server, across reconnects: the current connection's
    /// messages, then the next connection's; `None` once the client has stopped and every
    /// message was taken.
    ///
    /// The client keeps one connection for `recv`, the newest it has not started reading:
    /// one that ended before `recv` got to it is dropped with its unread messages (with a
    /// warning and a [`ClientEvent::UnreadDropped`]) when a newer one is connected, so a
    /// client that never calls `recv` keeps no past connection. Call it even with no use for
    /// the messages: once
    /// `queues.inbound` of them wait, the connection stops reading, and so stops answering
    /// the server's pings.
    pub async fn recv(&mut self) -> Option<Message> {
        self.recv_with_id().await.map(|(_, message)| message)
    }

    /// As [`recv`](Client::recv), with the id of the connection the message came on (the
    /// id of its [`ClientEvent::Connected`]): where the id changes, the next connection's
    /// messages start, after the last of the previous one's. State built from one
    /// connection's stream (a feed's order book, applied deltas) is rebuilt there.
    pub async fn recv_with_id(&mut self) -> Option<(u64, Message)> {
        loop {
            if let Some(conn) = &mut self.current {
                if let Some(message) = conn.recv().await {
                    return Some((conn.id(), message));
                }
                self.current = None;
            }
            self.current = Some(self.shared.next_connection().await?);
        }
    }

    /// The client's events from now on (the first call: from the start).
    ///
    /// A receiver that falls 256 events behind gets [`RecvError::Lagged`] with the count it
    /// missed, then the last 256. So does the first, made late: the client keeps the events
    /// that come before the first call itself, the last 256 of them, and makes the channel at
    /// that call. A client nobody asks events of holds only those it had (a connected
    /// client's `Connected`, say), not the channel's room for 256 (about 20 KiB).
    ///
    /// [`RecvError::Lagged`]: tokio::sync::broadcast::error::RecvError::Lagged
    pub fn events(&self) -> broadcast::Receiver<ClientEvent> {
        self.shared.events.subscribe()
    }

    /// Whether a connection is open and handed to the application.
    pub fn is_connected(&self) -> bool {
        self.handle.is_connected()
    }

    /// Waits until a connection is open and handed to the application (its on-connect hook
    /// done): [`connect`](ClientBuilder::connect) returns before the first attempt. Bound it
    /// with [`tokio::time::timeout`]; the client keeps retrying meanwhile, by its backoff.
    ///
    /// # Errors
    /// [`ErrorKind::Closed`] once the client has been closed ([`close`](Client::close), from
    /// the call on, even while its connection is still closing) or has stopped (a final
    /// close code or handshake error, `client.max_retries`), with the reason.
    pub async fn connected(&self) -> Result<()> {
        loop {
            let changed = self.shared.link.connection_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.shared.link.is_closed() {
                return Err(self.handle.stopped_error());
            }
            if self.is_connected() {
                return Ok(());
            }
            if self.shared.link.stopped.borrow().is_some() {
                return Err(self.handle.stopped_error());
            }
            changed.await;
        }
    }

    /// The current connection's sender, from its handshake (while the on-connect hook runs
    /// too, before [`is_connected`](Client::is_connected)) to its end. A message sent
    /// through it skips the client's queue, and with it the promise to go out after the hook
    /// and after what was queued before: use [`send`](Client::send) for that order.
    pub fn sender(&self) -> Option<Sender> {
        self.shared.current()
    }

    /// The current connection's health, while there is one (as [`sender`](Client::sender)).
    pub fn health(&self) -> Option<Health> {
        self.sender().map(|s| s.health())
    }

    /// The current connection's statistics, while there is one (as [`sender`](Client::sender)).
    pub fn stats(&self) -> Option<Stats> {
        self.sender().map(|s| s.stats())
    }

    /// The round-trip time of the current connection's last answered ping; `None` while
    /// disconnected and before the connection's first pong (where [`Stats::latency`] reads
    /// zero, as Python `websockets`' does).
    pub fn latency(&self) -> Option<Duration> {
        self.stats()
            .filter(|s| s.pongs_received > 0)
            .map(|s| s.latency)
    }

    /// Pings the current connection now and returns the round trip (Python `websockets`'
    /// `await ws.ping()`), as [`Sender::ping`] does: no timeout of its own.
    ///
    /// # Errors
    /// [`ErrorKind::Closed`] while the client has no connection (between two, or closed or
    /// stopped), and if the connection ends before the pong.
    pub async fn ping(&self) -> Result<Duration> {
        let sender = self
            .sender()
            .ok_or_else(|| Error::new(ErrorKind::Closed, "the client has no connection to ping"))?;
        sender.ping().await
    }

    /// Stops reconnecting and closes the connection with 1000; see
    /// [`close_with`](Client::close_with).
    pub fn close(&self) {
        let _ = self.close_with(1000, "");
    }

    /// Stops reconnecting and closes the connection with `code` and `reason`. Dropping the
    /// client does the same with 1000.
    ///
    /// Every message [`send`](Client::send) accepted before goes to the connection, which
    /// writes it before the close frame; if the connection cannot (it was already closing,
    /// or it fails first), its [`Disconnect`](crate::Disconnect) counts the message in
    /// `unsent`, and so does the [`StopReason`]. While disconnected, queued messages cannot go
    /// out: the client stops and its [`StopReason`] counts them. Sends from this call on fail
    /// with [`ErrorKind::Closed`] at once, as does [`connected`](Client::connected), also
    /// before the client's task has seen the close (and through a [`ClientHandle`]).
    ///
    /// # Errors
    /// A code that may not be sent, or a reason over 123 bytes.
    pub fn close_with(&self, code: u16, reason: &str) -> Result<()> {
        crate::frame::check_close_code(code)?;
        crate::frame::check_close_reason(reason)?;
        self.shared.link.close();
        self.close.send_if_modified(|request| {
            let first = request.is_none();
            if first {
                *request = Some((code, reason.to_owned()));
            }
            first
        });
        Ok(())
    }

    /// Waits until the client has stopped for good; says why.
    pub async fn stopped(&self) -> StopReason {
        let mut stopped = self.shared.link.stopped.subscribe();
        let reason = stopped.wait_for(Option::is_some).await;
        match reason.as_deref() {
            Ok(Some(reason)) => reason.clone(),
            _ => StopReason::new(StopCause::TaskEnded),
        }
    }
}

impl Drop for Client {
    /// Refuses a [`ClientHandle`]'s sends at once; the task sees the close request's sender
    /// dropped and closes the connection with 1000.
    fn drop(&mut self) {
        self.shared.link.close();
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("connected", &self.is_connected())
            .finish()
    }
}
