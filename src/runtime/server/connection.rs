//! One accepted connection: handshake under a timeout, supervise, run the handler, close
//! with 1001 on shutdown. Or, over the connection limit, an HTTP 503.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tracing::{debug, warn};

use super::accept::{Context, Slot, Socket};
use super::upgrade::{refuse_over_limit, upgrade};
use crate::error::{contain_panics, Who};
use crate::metrics::{self, Dropped};
use crate::supervisor::WeakSender;
use crate::supervisor::{ConnectionInfo, Side};
use crate::sync::lock;
use crate::{Connection, Disconnect};

/// Serves one connection to its end on two tasks, the driver's and this one, which runs the
/// handler. `_slot` counts the connection against the limit.
pub(super) async fn serve(
    context: Arc<Context>,
    stream: Socket,
    peer: SocketAddr,
    _slot: Slot,
    span: tracing::Span,
    accepted: Instant,
) {
    let Some((conn, driver)) = supervise(&context, stream, peer, span, accepted).await else {
        return;
    };
    let mut driver = AbortOnDrop {
        driver: Some(tokio::spawn(driver)),
        aborted: &context.aborted,
    };
    run_handler(&context, conn).await;
    // The task lasts as long as the connection, so a shutdown can wait for it.
    if let Some(handle) = &mut driver.driver {
        let _ = handle.await;
    }
    driver.driver = None;
}

/// As [`serve`], with the driver and the handler on this one task
/// (`ServerBuilder::with_handler_in_driver_task`). A function of its own, so that each task
/// type is sized for its own way: the driver inline here, in a task of its own there.
pub(super) async fn serve_joined(
    context: Arc<Context>,
    stream: Socket,
    peer: SocketAddr,
    _slot: Slot,
    span: tracing::Span,
    accepted: Instant,
) {
    let Some((conn, driver)) = supervise(&context, stream, peer, span, accepted).await else {
        return;
    };
    // Dropped at a shutdown past its timeout, the driver ends the connection itself.
    let _ = futures_util::future::join(run_handler(&context, conn), driver).await;
}

/// The opening handshake under its timeout (from `accepted`), then the supervisor takes the
/// connection, its driver in `span`. `None` if the handshake failed or the server is stopping.
async fn supervise(
    context: &Context,
    stream: Socket,
    peer: SocketAddr,
    span: tracing::Span,
    accepted: Instant,
) -> Option<(
    Connection,
    impl Future<Output = Disconnect> + Send + 'static,
)> {
    let stream = match stream.register() {
        Ok(stream) => stream,
        Err(err) => {
            // The peer, where the connection's span that names it is off.
            let peer = span.is_disabled().then(|| tracing::field::display(peer));
            let local_addr = context.unspanned();
            let what = "dropping connection: a worker could not register it";
            warn!(local_addr, peer, error = %err, "{what}");
            metrics::dropped(Dropped::WorkerHandoff);
            return None;
        }
    };
    // Boxed: the handshake's state is large and would otherwise stay part of this task's
    // state for the whole life of the connection.
    let handshake = Box::pin(upgrade(context, stream, peer, accepted));
    let upgraded = tokio::select! {
        upgraded = handshake => upgraded,
        () = context.stop.wait() => {
            debug!(%peer, "handshake dropped by the shutdown");
            metrics::dropped(Dropped::Shutdown);
            return None;
        }
    };
    let upgraded = match upgraded {
        Ok(upgraded) => upgraded,
        Err(refused) => {
            // Counted already: a shutdown only cuts the answer's linger short.
            if let Some(refused) = refused {
                // Boxed: its linger's read buffer (1 KiB) would otherwise be part of every
                // connection task's state, upgraded or not, for the connection's whole life.
                tokio::select! {
                    () = Box::pin(refused.answer()) => {}
                    () = context.stop.wait() => {}
                }
            }
            return None;
        }
    };
    let (ws, made) = (upgraded.ws, upgraded.state);
    let mut info = ConnectionInfo::new()
        .with_side(Side::Server)
        .with_peer(peer)
        .with_write_progress(upgraded.progress)
        .with_observer(context.observer.clone())
        .with_span(span);
    if let Some(state) = made {
        info = info.with_state(state);
    }
    Some(context.supervisor.attach_with(ws, info))
}

/// Runs the handler to its end; closes with 1001 on shutdown, 1011 if it panicked.
async fn run_handler(context: &Context, conn: Connection) {
    let sender = conn.sender();
    // The handler may panic in the call that makes its future, as well as in the future.
    let (id, peer) = conn.unspanned();
    let who = Who {
        id,
        peer,
        url: None,
    };
    let handler = contain_panics("connection handler", who, || (context.handler)(conn));
    tokio::pin!(handler);
    let finished = tokio::select! {
        finished = &mut handler => finished,
        () = context.stop.wait() => {
            let _ = sender.close(1001, "going away");
            handler.await
        }
    };
    if finished.is_err() {
        let _ = sender.close(1011, "internal error");
    }
    // The handler's handles are gone; with ours, the connection closes with 1000 unless a
    // clone lives on elsewhere (a broadcast list, a task of its own). A shutdown closes that
    // one with 1001 too, waited for without a handle, which would keep it open.
    let weak = sender.downgrade();
    drop(sender);
    if weak.held() {
        // Boxed: rare, and its state would otherwise enlarge every connection's task.
        Box::pin(close_at_shutdown(context, weak)).await;
    }
}

/// Closes the connection with 1001 if the server shuts down before it ends.
async fn close_at_shutdown(context: &Context, weak: WeakSender) {
    tokio::select! {
        biased;
        () = weak.ended() => {}
        () = context.stop.wait() => {
            if let Some(sender) = weak.upgrade() {
                let _ = sender.close(1001, "going away");
            }
        }
    }
}

/// Answers a connection over the limit with HTTP 503 (within the handshake timeout, from
/// `accepted`).
pub(super) async fn refuse(
    context: Arc<Context>,
    stream: TcpStream,
    _slot: Slot,
    accepted: Instant,
) {
    // A shutdown does not wait for a peer slow to read its refusal.
    tokio::select! {
        () = refuse_over_limit(&context, stream, accepted) => {}
        () = context.stop.wait() => {}
    }
}

/// Aborts the driver if the connection task is dropped (a shutdown past its timeout), and
/// leaves its handle for the shutdown to wait on: the driver drops the socket and publishes
/// the end only when tokio next turns to it.
struct AbortOnDrop<'a> {
    /// `None` once the driver has ended.
    driver: Option<JoinHandle<Disconnect>>,
    aborted: &'a Mutex<Vec<JoinHandle<Disconnect>>>,
}

impl Drop for AbortOnDrop<'_> {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            driver.abort();
            lock(self.aborted).push(driver);
        }
    }
}
