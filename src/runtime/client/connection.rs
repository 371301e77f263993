//! One connection of the client, from its handshake to its end: the on-connect hook, the
//! hand-over to `recv`, the queued messages forwarded, health changes reported, the close
//! the application asks for; then whether to reconnect.

use tokio::sync::watch;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tracing::field::DisplayValue;
use tracing::{debug, warn};

use super::backoff::Reconnect;
use super::logs::failed_attempt;
use super::manager::{Manager, Next};
use super::outbox;
use super::{ClientEvent, OnConnect, StopCause, StopReason};
use crate::error::{contain_panics, Who};
use crate::supervisor::{Disconnect, Initiator};
use crate::{Connection, Health, Sender, Status};

impl Manager {
    /// Runs one connection to its end; says whether to reconnect. The on-connect hook must
    /// finish within `connect_timeout` of `started`, the attempt's start.
    pub(super) async fn connected(
        &mut self,
        conn: Connection,
        mut health: watch::Receiver<Health>,
        started: Instant,
        reconnect: &mut Reconnect,
        pending: &mut Option<Message>,
    ) -> Next {
        let sender = conn.sender();
        let id = sender.id();
        self.shared.set_current(Some(&sender));
        self.emit(ClientEvent::Connected {
            id,
            peer: sender.peer_addr(),
        });
        let mut app_closed = false;
        // Every connection starts Healthy ("connected").
        let mut reported = Status::Healthy;
        // The connection refused a message (it is closing): forward nothing more to it.
        let mut refused = false;
        // Messages the client had accepted that the connection refused when the application
        // closed: they count as unsent on this connection.
        let mut unsent = 0;

        // The attempt succeeds once the hook, if any, has finished with the connection open.
        let mut opened = true;
        if let Some(hook) = self.on_connect.clone() {
            // What is left of `connect_timeout`; a duration, not an instant, as
            // `Duration::MAX` ("never") would overflow one.
            let left = self
                .client
                .connect_timeout
                .saturating_sub(started.elapsed());
            let hook =
                tokio::time::timeout(left, run_hook(hook, sender.clone(), self.unspanned_url()));
            let failed = tokio::select! {
                // The hook first: its request fails as the connection ends, and its error then
                // says what the hook was doing when the close came.
                biased;
                outcome = hook => match outcome {
                    Ok(result) => result.err().map(|error| match closing(&sender) {
                        // Failed because of the close (a request cut short), not its cause.
                        Some(close) => format!("{error} (the connection {close})"),
                        None => error,
                    }),
                    Err(_) => Some("on-connect hook timed out".to_owned()),
                },
                end = sender.closed() => {
                    Some(format!("on-connect hook cut off: the connection {end}"))
                }
                // The application's close does not wait for the hook, and what it queued
                // does not go out without the hook: it is reported unsent when we stop.
                _ = self.close.changed() => {
                    app_closed = true;
                    self.outbound.close();
                    let (code, reason) = self.close_request();
                    let _ = sender.close(code, &reason);
                    None
                }
            };
            if let Some(error) = failed {
                let _ = sender.close(1011, crate::frame::truncate_reason(&error));
                opened = false;
                // A failed attempt, thinned out in the log as a refused one is.
                let failures = reconnect.attempt_failed();
                failed_attempt(
                    failures,
                    self.unspanned_url(),
                    &error,
                    "closing the connection",
                );
            }
        }
        if opened {
            reconnect.succeeded();
            // Stable only counted from here: time spent in a hook that then failed is not.
            reconnect.connected(Instant::now());
        }
        self.shared
            .hand_over(conn, opened && !app_closed, || self.unspanned_url());
        // Connected for `send` and `connected()` only once the hook has succeeded: a
        // connection it failed is closing, and so is one the application closed meanwhile.
        if opened && !app_closed && !self.shared.link.is_closed() {
            self.shared.set_connected(true);
        }

        let mut end: Disconnect = loop {
            tokio::select! {
                biased;
                end = sender.closed() => break end,
                // Taken before `forward`: `outbox::close_after` sends the queue first.
                _ = self.close.changed(), if !app_closed => {
                    app_closed = true;
                    let (code, reason) = self.close_request();
                    unsent = outbox::close_after(&mut self.outbound, pending, &sender, code, &reason).await;
                }
                changed = health.changed() => {
                    if changed.is_err() {
                        continue;
                    }
                    self.health_changed(&sender, &mut health, &mut reported, reconnect);
                }
                // Handing a message over waits in this branch, not in its body, so that a
                // connection backed up by a peer that stopped reading does not keep the loop
                // from the close, health changes and the end.
                sent = outbox::forward(pending, &mut self.outbound, &sender), if !app_closed && !refused => {
                    match sent {
                        Ok(()) => *pending = None,
                        // The client and all its handles are gone.
                        Err(None) => {
                            app_closed = true;
                            unsent = outbox::close_after(&mut self.outbound, pending, &sender, 1000, "").await;
                        }
                        // `pending` keeps the message: it waits for the next connection.
                        Err(Some(err)) if err.is_closed() => refused = true,
                        Err(Some(err)) => {
                            // `Client::send` checks the same limit, which reloads keep: not
                            // expected, but never a silent loss.
                            let url = self.unspanned_url();
                            warn!(url, error = %err, "a queued message was dropped");
                            *pending = None;
                        }
                    }
                }
            }
        };
        end.unsent += unsent;
        // The last change (Unhealthy, before a close by policy) may have been ready together
        // with the end, which the loop takes first.
        if health.has_changed().unwrap_or(false) {
            self.health_changed(&sender, &mut health, &mut reported, reconnect);
        }
        self.shared.set_connected(false);
        self.shared.set_current(None);
        reconnect.disconnected(last_heard(&sender));
        debug!(id, %end, "disconnected");
        self.emit(ClientEvent::Disconnected {
            id,
            disconnect: end.clone(),
        });
        // Lost with the connection, if it is the last: the stop counts them too.
        let stop = |cause| {
            Next::Stop(StopReason {
                cause,
                unsent: end.unsent,
            })
        };
        if app_closed || self.close.borrow().is_some() {
            return stop(StopCause::Closed);
        }
        let retry = Next::Retry {
            last: end.to_string(),
            after: Some(id),
            unsent: end.unsent,
        };
        if end.reconnect {
            return retry;
        }
        let by_peer_or_policy = matches!(end.initiator, Initiator::Peer | Initiator::Policy);
        if by_peer_or_policy && self.client.is_final(end.code) {
            return stop(StopCause::FinalCloseCode {
                code: end.code,
                reason: end.reason.clone(),
            });
        }
        retry
    }

    /// The close the application asked for; 1000 when it dropped the client.
    fn close_request(&self) -> (u16, String) {
        self.close.borrow().clone().unwrap_or((1000, String::new()))
    }

    /// Tells the backoff and the application that the connection's status changed from the
    /// one `reported` last; a new reason for the same status (see `Driver::restate`) is not
    /// a change, as for the hub's observer.
    fn health_changed(
        &self,
        sender: &Sender,
        health: &mut watch::Receiver<Health>,
        reported: &mut Status,
        reconnect: &mut Reconnect,
    ) {
        let now = health.borrow_and_update().clone();
        if std::mem::replace(reported, now.status()) == now.status() {
            return;
        }
        let healthy = now.status() == Status::Healthy;
        reconnect.health(healthy, Instant::now(), last_heard(sender));
        self.emit(ClientEvent::HealthChanged {
            id: sender.id(),
            status: now.status(),
            reason: now.reason().to_owned(),
        });
    }
}

/// Runs the on-connect hook; a panic, in its call or its future, fails it as an error does
/// (it would end the client's task).
async fn run_hook(
    hook: OnConnect,
    sender: Sender,
    url: Option<DisplayValue<String>>,
) -> Result<(), String> {
    contain_panics("on-connect hook", Who::client(url), || hook(sender))
        .await?
        .map_err(|err| format!("on-connect hook failed: {err}"))
}

/// How the connection ended, or with what our side is closing it (a policy's close, say):
/// what an on-connect hook that failed meanwhile failed of.
fn closing(sender: &Sender) -> Option<String> {
    if let Some(end) = sender.disconnect() {
        return Some(end.to_string());
    }
    let frame = sender.closing_with()?;
    Some(format!(
        "was closing with {} {:?}",
        u16::from(frame.code),
        frame.reason.as_str()
    ))
}

/// When the connection's peer was last heard (a frame of any kind), or when it was
/// supervised if never: the end of the time the connection was seen Healthy.
fn last_heard(sender: &Sender) -> Instant {
    let now = Instant::now();
    now.checked_sub(sender.stats().idle).unwrap_or(now)
}
