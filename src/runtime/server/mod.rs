//! The supervised server: accept, handshake, supervise, run the application's handler.

mod accept; // the accept loop: filter, the limit (refusals counted, logged), shutdown
mod builder; // ServerBuilder
mod connection; // one connection: handshake, supervise, handler, 1001 at shutdown
mod fallback; // the application's answers to plain HTTP requests
mod fd_limit; // the open-file limit against max_connections
mod handshake; // the application's handshake hook: Handshake, Accepted, Refusal
mod http; // reading the upgrade request's head, writing answers
mod log_throttle; // one warning a second for a condition that repeats
mod request; // what an upgrade request must hold, and its 101 answer
mod stop; // the shutdown signal
mod upgrade; // the opening handshake: TLS, request, hook, answer (503 over the limit), LeanStream
mod workers; // worker runtimes, one per core

pub use builder::ServerBuilder;
pub use handshake::{Accepted, Handshake, Refusal};

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::ToSocketAddrs;
use tokio::task::JoinHandle;

use super::Hub;
use crate::{Config, Connection, Result, Supervisor};

type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
pub(crate) type Handler = Arc<dyn Fn(Connection) -> BoxFuture + Send + Sync>;

/// Serves WebSocket connections on `addr` with the default `[server]` and `[socket]`
/// settings: each connection is supervised by `supervisor` and handed to `handler` on its
/// own task.
///
/// Returns once the listener is bound; the server runs until [`Server::shutdown`] or a
/// [`ServerHandle::shutdown`] (dropping the `Server` leaves it running, like a detached task).
///
/// # Errors
/// The address cannot be bound.
///
/// ```no_run
/// # async fn run() -> ws_health::Result<()> {
/// use ws_health::{runtime, Supervisor};
///
/// let server = runtime::serve("127.0.0.1:8765", Supervisor::new(), |mut conn| async move {
///     while let Some(message) = conn.recv().await {
///         if conn.send(message).await.is_err() {
///             break;
///         }
///     }
/// })
/// .await?;
/// println!("listening on {}", server.local_addr());
/// tokio::signal::ctrl_c().await?;
/// server.shutdown().await;
/// # Ok(()) }
/// ```
pub async fn serve<A, H, F>(addr: A, supervisor: Supervisor, handler: H) -> Result<Server>
where
    A: ToSocketAddrs + fmt::Display,
    H: Fn(Connection) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    Server::builder(supervisor).serve(addr, handler).await
}

/// Like [`serve`], with the `[server]` and `[socket]` tables of `config` (handshake
/// timeout, connection limit, shutdown timeout, TCP options, tungstenite buffers).
///
/// # Errors
/// A setting fails validation, or the address cannot be bound.
///
/// ```no_run
/// # async fn run() -> ws_health::Result<()> {
/// use ws_health::{runtime, Config, Supervisor};
///
/// let config = Config::default();
/// let supervisor = Supervisor::builder().with_config(&config).build()?;
/// let server = runtime::serve_with_config(&config.server.bind, supervisor, &config, |conn| async move {
///     let _ = conn.closed().await;
/// })
/// .await?;
/// # drop(server);
/// # Ok(()) }
/// ```
pub async fn serve_with_config<A, H, F>(
    addr: A,
    supervisor: Supervisor,
    config: &Config,
    handler: H,
) -> Result<Server>
where
    A: ToSocketAddrs + fmt::Display,
    H: Fn(Connection) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    Server::builder(supervisor)
        .with_config(config)
        .serve(addr, handler)
        .await
}

/// A running server: its address, its hub, and the way to stop it.
#[must_use = "a dropped Server keeps running: keep it, or its `handle()`, to stop it"]
pub struct Server {
    local_addr: SocketAddr,
    hub: Hub,
    active: Arc<AtomicUsize>,
    stop: Arc<stop::Stop>,
    task: JoinHandle<()>,
    workers_exited: Option<workers::Exited>,
}

impl Server {
    /// A builder, for configuration, a shared hub, an accept filter or TLS.
    pub fn builder(supervisor: Supervisor) -> ServerBuilder {
        ServerBuilder::new(supervisor)
    }

    /// The address the server listens on (with the port the OS chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The hub in which the server registers its connections.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Connections being served, handshakes in progress included.
    pub fn connections(&self) -> usize {
        self.active.load(Ordering::Relaxed)
    }

    /// Shuts down gracefully: stops accepting, closes every connection with 1001 "going
    /// away", waits up to the shutdown timeout for them to end, then drops the rest.
    /// Returns when every connection has been dropped (its socket closed, its hub entry
    /// removed), and the worker threads have ended too
    /// ([`ServerConfig::workers`](crate::config::ServerConfig::workers)).
    pub async fn shutdown(self) {
        self.stop.trigger();
        self.stopped().await;
    }

    /// A handle that asks this server to shut down from elsewhere (a signal's task, an admin
    /// endpoint), while the owner of the `Server` waits with [`stopped`](Self::stopped).
    ///
    /// ```no_run
    /// # async fn run(server: ws_health::Server) {
    /// let handle = server.handle();
    /// tokio::spawn(async move {
    ///     let _ = tokio::signal::ctrl_c().await;
    ///     handle.shutdown();
    /// });
    /// server.stopped().await; // every connection closed with 1001 and dropped
    /// # }
    /// ```
    pub fn handle(&self) -> ServerHandle {
        ServerHandle {
            stop: self.stop.clone(),
        }
    }

    /// Waits for the server to end, without asking it to: returns once a
    /// [`ServerHandle::shutdown`] has run its course, as [`shutdown`](Self::shutdown) does.
    pub async fn stopped(self) {
        let _ = self.task.await;
        if let Some(exited) = self.workers_exited {
            exited.wait().await;
        }
    }
}

/// Asks a [`Server`] to shut down, from any task: [`Server::handle`]. Cloneable; asking
/// again, or after the server has ended, does nothing.
#[derive(Clone)]
pub struct ServerHandle {
    stop: Arc<stop::Stop>,
}

impl ServerHandle {
    /// Starts the graceful shutdown [`Server::shutdown`] performs (stop accepting, close every
    /// connection with 1001, drop the rest at the shutdown timeout) and returns at once; the
    /// `Server`'s owner learns of the end with [`Server::stopped`].
    pub fn shutdown(&self) {
        self.stop.trigger();
    }
}

impl fmt::Debug for ServerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerHandle").finish_non_exhaustive()
    }
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("local_addr", &self.local_addr)
            .field("connections", &self.connections())
            .finish()
    }
}
