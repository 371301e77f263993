//! The client's one task: attempts (`attempt.rs`) and the connections they open
//! (`connection.rs`) in turn, with the backoff between; events reported, and why it stopped.

use std::sync::Arc;

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tracing::{info, warn};

use super::attempt::Opened;
use super::backoff::Reconnect;
use super::connect::{Failed, Tls};
use super::logs::{failed_attempt, unspanned_url};
use super::outbox;
use super::queue::QueueReceiver;
use super::shared::Shared;
use super::target::Target;
use super::{ClientEvent, HandshakeHeaders, OnConnect, StopCause, StopReason};
use crate::config::{ClientConfig, SocketConfig};
use crate::runtime::StateMaker;
use crate::supervisor::{ConnectionInfo, Observer, Side};
use crate::Supervisor;

pub(super) struct Manager {
    pub(super) target: Target,
    pub(super) supervisor: Supervisor,
    pub(super) client: ClientConfig,
    pub(super) socket: SocketConfig,
    pub(super) tls: Tls,
    pub(super) observer: Option<Arc<dyn Observer>>,
    pub(super) on_connect: Option<OnConnect>,
    pub(super) headers: Option<HandshakeHeaders>,
    pub(super) state: Option<StateMaker>,
    pub(super) seed: Option<u64>,
    pub(super) shared: Arc<Shared>,
    pub(super) outbound: QueueReceiver,
    pub(super) close: watch::Receiver<Option<(u16, String)>>,
    /// The client's span is off (a filter dropped it): its warnings name its URL themselves.
    pub(super) span_off: bool,
}

/// How an attempt, or the connection it opened, ended.
pub(super) enum Next {
    /// Try again; what went wrong, for the reason `max_retries` gives when it stops, the
    /// connection that ended, if any (its id), and the messages it ended without writing,
    /// which that stop counts.
    Retry {
        last: String,
        after: Option<u64>,
        unsent: usize,
    },
    /// Stop; `unsent` counts the messages the connection, if any, ended without writing.
    Stop(StopReason),
}

impl Manager {
    pub(super) async fn run(mut self) {
        let mut reconnect =
            Reconnect::new(self.client.backoff, self.client.stable_after, self.seed);
        // A message taken from the queue that no connection accepted yet: it goes first.
        let mut pending: Option<Message> = None;
        // The last attempt's fresh credentials were refused (401, 403).
        let mut credentials_refused = false;
        // What the server asked of the next retry (`Retry-After`), if it did.
        let mut retry_after = None;
        if let Some(proxy) = &self.target.proxy {
            info!(proxy = %proxy.address(), "connecting through an HTTP proxy");
        }
        let mut reason = loop {
            // The attempt, on-connect hook included.
            let started = Instant::now();
            // A clone: the attempt borrows `self`. Either sees the same close request.
            let mut close = self.close.clone();
            // Boxed: inline, its state (3,840 bytes in a debug build) would size the client's
            // task for its whole life, connected or waiting to retry, not only while it attempts.
            let attempt = tokio::select! {
                attempt = Box::pin(self.attempt(started)) => attempt,
                _ = close.changed() => break StopReason::new(StopCause::Closed),
            };
            let next = match attempt {
                Ok(Opened {
                    ws,
                    progress,
                    peer,
                    state,
                }) => {
                    credentials_refused = false;
                    let mut info = ConnectionInfo::new()
                        .with_side(Side::Client)
                        .with_peer(peer)
                        .with_write_progress(progress);
                    if let Some(observer) = &self.observer {
                        info = info.with_observer(observer.clone());
                    }
                    if let Some(state) = state {
                        info = info.with_state(state);
                    }
                    let (conn, driver) = self.supervisor.attach_with(ws, info);
                    // Before the driver runs: a change it makes at once is not taken as seen.
                    let health = conn.sender().watch_health();
                    tokio::spawn(driver);
                    info!(id = conn.id(), %peer, "connected");
                    self.connected(conn, health, started, &mut reconnect, &mut pending)
                        .await
                }
                Err(Failed {
                    error,
                    is_final,
                    status,
                    retry_after: asked,
                    refused_credentials,
                }) => {
                    retry_after = asked;
                    let failures = reconnect.attempt_failed();
                    failed_attempt(
                        failures,
                        self.unspanned_url(),
                        &error,
                        "connection attempt failed",
                    );
                    self.emit(ClientEvent::ConnectFailed {
                        error: error.clone(),
                    });
                    // Fresh credentials refused twice in a row: not a token that expired on
                    // its way, and retrying cannot help.
                    let refused_again = refused_credentials && credentials_refused;
                    credentials_refused = refused_credentials;
                    if refused_again {
                        Next::Stop(StopReason::new(StopCause::FinalError {
                            status,
                            error: format!("{error} (fresh credentials refused twice in a row)"),
                        }))
                    } else if is_final {
                        Next::Stop(StopReason::new(StopCause::FinalError { status, error }))
                    } else {
                        Next::Retry {
                            last: error,
                            after: None,
                            unsent: 0,
                        }
                    }
                }
            };
            let (last, after, unsent) = match next {
                Next::Stop(reason) => break reason,
                Next::Retry {
                    last,
                    after,
                    unsent,
                } => (last, after, unsent),
            };
            if let Some(retries) = self.client.max_retries {
                if reconnect.failed_retries() >= retries {
                    let cause = StopCause::GaveUp { retries, last };
                    break StopReason { cause, unsent };
                }
            }
            let (attempt, delay) = reconnect.next_delay(retry_after.take());
            // Which connection ended and how: the client's span names only its URL, which
            // every client of one feed shares.
            info!(attempt, ?delay, after, cause = %last, "reconnecting");
            self.emit(ClientEvent::Reconnecting { attempt, delay });
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.close.changed() => break StopReason::new(StopCause::Closed),
            }
        };
        reason.unsent += outbox::discard(&mut self.outbound, &mut pending).await;
        if reason.unsent > 0 {
            let url = self.unspanned_url();
            warn!(
                url,
                unsent = reason.unsent,
                "client stopped with messages accepted and never sent"
            );
        }
        // A stop the application did not ask for is for good: a final close code or HTTP
        // status, or `max_retries`; the failed attempt before it may have been at info.
        if matches!(reason.cause, StopCause::Closed) {
            info!(%reason, "client stopped");
        } else {
            let url = self.unspanned_url();
            warn!(url, %reason, "client stopped");
        }
        self.shared.set_current(None);
        self.shared.stop(|| reason);
    }

    /// The client's URL as a field of its warnings, where its span is off.
    pub(super) fn unspanned_url(&self) -> Option<tracing::field::DisplayValue<String>> {
        unspanned_url(self.span_off, || self.target.loggable())
    }

    pub(super) fn emit(&self, event: ClientEvent) {
        self.shared.events.send(event);
    }
}

impl Drop for Manager {
    /// `recv` and `stopped` never wait for a task that panicked or was dropped.
    fn drop(&mut self) {
        self.shared.stop(|| StopReason::new(StopCause::TaskEnded));
    }
}
