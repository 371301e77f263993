//! The accept loop: admits, filters and refuses connections, survives accept errors, and
//! runs the graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tracing::field::{display, DisplayValue};
use tracing::{debug, error, info, warn, Instrument};

use super::connection;
use super::log_throttle::LogThrottle;
use super::stop::Stop;
use super::workers::Workers;
use super::Handler;
use crate::config::{ServerConfig, SocketConfig};
use crate::metrics::{self, Dropped};
use crate::runtime::socket::configure_socket;
use crate::supervisor::Observer;
use crate::{Disconnect, Supervisor};

pub(super) type AcceptFilter = Arc<dyn Fn(&TcpStream, SocketAddr) -> bool + Send + Sync + 'static>;

/// Everything a connection task needs, shared by all of them.
pub(super) struct Context {
    pub(super) supervisor: Supervisor,
    pub(super) server: ServerConfig,
    pub(super) socket: SocketConfig,
    pub(super) websocket: WebSocketConfig,
    pub(super) observer: Arc<dyn Observer>,
    pub(super) filter: Option<AcceptFilter>,
    pub(super) state: Option<crate::runtime::StateMaker>,
    pub(super) handshake: Option<super::handshake::HandshakeHook>,
    pub(super) http_fallback: Option<super::fallback::HttpFallback>,
    pub(super) handler: Handler,
    pub(super) handler_in_driver_task: bool,
    /// Triggered by `Server::shutdown`.
    pub(super) stop: Arc<Stop>,
    pub(super) active: Arc<AtomicUsize>,
    /// Drivers aborted when a shutdown dropped their connection's task: the shutdown waits
    /// for each to be dropped before it returns.
    pub(super) aborted: Mutex<Vec<JoinHandle<Disconnect>>>,
    /// `None`: connections run on the runtime of the accept loop.
    pub(super) workers: Option<Workers>,
    /// The server's address where its `ws_health.server` span is off (see [`unspanned`]).
    ///
    /// [`unspanned`]: Context::unspanned
    pub(super) unspanned_addr: Option<SocketAddr>,
    #[cfg(feature = "rustls")]
    pub(super) tls: Option<crate::runtime::tls::TlsAcceptor>,
}

impl Context {
    /// The server's `local_addr`, as a field of its warnings, only where its span is off: a
    /// filter that keeps warnings but not the info-level `ws_health.server` span
    /// (`RUST_LOG=warn`) would print them with nothing to tell a process's servers apart.
    /// With the span on, `None` records nothing, so the line does not repeat the span's field.
    pub(super) fn unspanned(&self) -> Option<DisplayValue<SocketAddr>> {
        self.unspanned_addr.map(display)
    }
}

/// Refusals (HTTP 503) in progress beyond which an over-limit connection is dropped without
/// an answer, so a flood cannot make the server spend unbounded work on refusing.
pub(super) const MAX_REFUSING: usize = 256;

pub(super) async fn run(listener: TcpListener, context: Arc<Context>) {
    let mut tasks = JoinSet::new();
    let mut refusals = Refusals::default();
    let mut failures = 0u32;
    let mut failure_log = LogThrottle::default();
    loop {
        tokio::select! {
            biased;
            () = context.stop.wait() => break,
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Err(err) = done {
                    if err.is_panic() {
                        error!(local_addr = context.unspanned(), "a connection task panicked");
                    }
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Eased off one step per success, not reset: under sustained descriptor
                    // pressure each freed descriptor admits one connection, and a reset would
                    // restart the backoff at 5 ms every time.
                    failures = failures.saturating_sub(1);
                    admit(&context, stream, peer, &mut tasks, &mut refusals);
                }
                // A client that reset before it was accepted: its problem, not a shortage.
                Err(err) if of_one_connection(&err) => {
                    debug!(error = %err, "connection failed before accept");
                }
                Err(err) => {
                    // EMFILE, ENFILE, ENOBUFS...: the listener is fine; back off so that a
                    // descriptor shortage does not spin the loop, then go on. A shutdown
                    // asked for meanwhile is not kept waiting.
                    let delay = accept_backoff(failures);
                    failures = failures.saturating_add(1);
                    // Once a second at most: each freed descriptor can admit one connection
                    // and fail the next accept at once.
                    if let Some(count) = failure_log.occurred(Instant::now()) {
                        warn!(
                            local_addr = context.unspanned(),
                            error = %err,
                            ?delay,
                            count,
                            "accept failed; retrying after a pause"
                        );
                    }
                    tokio::select! {
                        () = context.stop.wait() => break,
                        () = tokio::time::sleep(delay) => {}
                    }
                }
            },
        }
    }
    drop(listener);
    let open = tasks.len();
    info!(
        open,
        "shutting down: closing every connection with 1001 \"going away\""
    );
    let timeout = context.server.shutdown_timeout;
    let drained = tokio::time::timeout(timeout, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        warn!(
            local_addr = context.unspanned(),
            remaining = tasks.len(),
            ?timeout,
            "connections still open after the shutdown timeout; dropping them"
        );
        tasks.shutdown().await;
        // Each driver of a task of its own was only aborted by its connection's drop; tokio
        // drops it (its socket, its hub entry) at its next turn: wait for that.
        let aborted = std::mem::take(&mut *crate::sync::lock(&context.aborted));
        for driver in aborted {
            let _ = driver.await;
        }
    }
    info!("server stopped");
}

fn admit(
    context: &Arc<Context>,
    stream: TcpStream,
    peer: SocketAddr,
    tasks: &mut JoinSet<()>,
    refusals: &mut Refusals,
) {
    // The handshake timeout runs from here, not from the task's first poll, which a burst of
    // accepts or a busy worker can put off.
    let accepted = Instant::now();
    if let Err(err) = configure_socket(&stream, &context.socket) {
        let local_addr = context.unspanned();
        warn!(local_addr, %peer, error = %err, "dropping connection");
        metrics::dropped(Dropped::SocketOptions);
        return;
    }
    if let Some(filter) = &context.filter {
        // The application's code, on the accept loop: a panic there refuses this connection
        // instead of ending the loop, and with it the server and every connection.
        match std::panic::catch_unwind(AssertUnwindSafe(|| filter(&stream, peer))) {
            Ok(true) => {}
            Ok(false) => {
                debug!(%peer, "connection refused by the accept filter");
                metrics::dropped(Dropped::Filtered);
                return;
            }
            Err(_) => {
                let local_addr = context.unspanned();
                error!(local_addr, %peer, "the accept filter panicked; connection dropped");
                metrics::dropped(Dropped::Filtered);
                return;
            }
        }
    }
    let limit = context.server.max_connections;
    if context.active.load(Ordering::Relaxed) >= limit {
        // Logged as the limit is reached, not per refusal, and at most once a second for a
        // server that goes back and forth across it (each ended connection lets one in):
        // a flood must not flood the logs too. Each refusal is counted
        // (`ws_health_connections_refused_total`).
        let now = Instant::now();
        let times = if std::mem::replace(&mut refusals.at_limit, true) {
            // Still at the limit: a warning held back at this stretch's start is due now.
            (!refusals.announced)
                .then(|| refusals.log.due(now))
                .flatten()
        } else {
            refusals.log.occurred(now)
        };
        if let Some(times) = times {
            refusals.announced = true;
            warn!(
                local_addr = context.unspanned(),
                limit, times, "connection limit reached: refusing new connections with HTTP 503"
            );
        }
        let answered = refusals.in_progress.load(Ordering::Relaxed) < MAX_REFUSING;
        metrics::refused(answered);
        if !answered {
            debug!(%peer, "over the connection limit; dropped without an answer");
            return;
        }
        debug!(%peer, limit, "over the connection limit; refusing with HTTP 503");
        let slot = Slot::take(&refusals.in_progress);
        let span = tracing::info_span!("ws_health.refused", %peer);
        tasks.spawn(connection::refuse(context.clone(), stream, slot, accepted).instrument(span));
        return;
    }
    // Said only after a warning that was logged.
    if std::mem::take(&mut refusals.at_limit) && std::mem::take(&mut refusals.announced) {
        info!(limit, "under the connection limit again: accepting");
    }
    let slot = Slot::take(&context.active);
    // The connection's one span, for its task and its driver: the id is recorded once the
    // connection is supervised.
    let span = tracing::info_span!("ws_health.connection", %peer, id = tracing::field::Empty);
    let driver_span = span.clone();
    if context.handler_in_driver_task {
        let serve = move |context, stream| {
            connection::serve_joined(context, stream, peer, slot, driver_span, accepted)
        };
        spawn(context, stream, peer, tasks, span, serve);
    } else {
        let serve = move |context, stream| {
            connection::serve(context, stream, peer, slot, driver_span, accepted)
        };
        spawn(context, stream, peer, tasks, span, serve);
    }
}

/// Spawns `serve` for one connection: here, or on the worker with the fewest tasks, with the
/// socket moved to that worker's reactor so that its readiness wakes the task on its own
/// thread. Generic, so that each way of serving keeps a task sized for itself.
fn spawn<S, F>(
    context: &Arc<Context>,
    stream: TcpStream,
    peer: SocketAddr,
    tasks: &mut JoinSet<()>,
    span: tracing::Span,
    serve: S,
) where
    S: FnOnce(Arc<Context>, Socket) -> F,
    F: Future<Output = ()> + Send + 'static,
{
    let Some(workers) = &context.workers else {
        let serve = serve(context.clone(), Socket::Registered(stream));
        tasks.spawn(serve.instrument(span));
        return;
    };
    match stream.into_std() {
        Ok(stream) => {
            let serve = serve(context.clone(), Socket::Moved(stream));
            tasks.spawn_on(serve.instrument(span), workers.pick());
        }
        Err(err) => {
            // The peer, where the connection's span that names it is off.
            let peer = span.is_disabled().then(|| display(peer));
            let local_addr = context.unspanned();
            let what = "dropping connection: could not move it to a worker";
            warn!(parent: &span, local_addr, peer, error = %err, "{what}");
            crate::metrics::dropped(crate::metrics::Dropped::WorkerHandoff);
        }
    }
}

/// An accepted socket: registered with the reactor of the runtime that accepted it, or
/// moved off it on its way to a worker, whose reactor takes it at the task's first poll.
/// Converted inside `serve`, not in a wrapping future, which would hold what it captured
/// beside `serve`'s state for the connection's whole life (144 bytes per connection).
pub(super) enum Socket {
    Registered(TcpStream),
    Moved(std::net::TcpStream),
}

impl Socket {
    /// The socket on the current runtime's reactor.
    pub(super) fn register(self) -> std::io::Result<TcpStream> {
        match self {
            Socket::Registered(stream) => Ok(stream),
            Socket::Moved(stream) => TcpStream::from_std(stream),
        }
    }
}

/// Refusals over the connection limit: how many are answering, and whether the limit has
/// been reached since it was last logged.
#[derive(Default)]
struct Refusals {
    in_progress: Arc<AtomicUsize>,
    at_limit: bool,
    /// The warning for reaching the limit: `times` it was reached since the last one.
    log: LogThrottle,
    /// That warning was logged for the current stretch at the limit.
    announced: bool,
}

/// One unit of a counter, given back on drop.
pub(super) struct Slot(Arc<AtomicUsize>);

impl Slot {
    pub(super) fn take(counter: &Arc<AtomicUsize>) -> Slot {
        counter.fetch_add(1, Ordering::Relaxed);
        Slot(counter.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An error of the one connection being accepted, not of the listener or the process: a
/// reset before the accept, or a network error Linux's accept(2) passes on from the new
/// connection, which its man page says to retry at once, as EAGAIN.
fn of_one_connection(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    #[cfg(target_os = "linux")]
    if let Some(
        libc::EPROTO | libc::ENOPROTOOPT | libc::EHOSTDOWN | libc::ENONET | libc::EOPNOTSUPP,
    ) = err.raw_os_error()
    {
        return true;
    }
    matches!(
        err.kind(),
        ConnectionAborted | ConnectionReset | NetworkDown | NetworkUnreachable | HostUnreachable
    )
}

/// The pause after `failures` accept errors in a row: 5 ms doubling to 1 s.
pub(super) fn accept_backoff(failures: u32) -> Duration {
    let ms = 5u64.saturating_mul(1 << failures.min(8));
    Duration::from_millis(ms.min(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_connection_is_not_a_shortage() {
        use std::io::{Error, ErrorKind};
        for kind in [
            ErrorKind::ConnectionAborted,
            ErrorKind::NetworkDown,
            ErrorKind::HostUnreachable,
        ] {
            assert!(of_one_connection(&Error::from(kind)), "{kind:?}");
        }
        #[cfg(target_os = "linux")]
        assert!(of_one_connection(&Error::from_raw_os_error(libc::EPROTO)));
        // The process or the system is short: back off.
        #[cfg(target_os = "linux")]
        for errno in [libc::EMFILE, libc::ENFILE, libc::ENOBUFS] {
            assert!(
                !of_one_connection(&Error::from_raw_os_error(errno)),
                "{errno}"
            );
        }
    }

    #[test]
    fn accept_backoff_doubles_to_one_second() {
        assert_eq!(accept_backoff(0), Duration::from_millis(5));
        assert_eq!(accept_backoff(1), Duration::from_millis(10));
        assert_eq!(accept_backoff(7), Duration::from_millis(640));
        assert_eq!(accept_backoff(8), Duration::from_secs(1));
        assert_eq!(accept_backoff(u32::MAX), Duration::from_secs(1));
    }
}
