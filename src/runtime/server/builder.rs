//! Building a [`Server`].

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tracing::Instrument;

use super::accept::{self, AcceptFilter, Context};
use super::fallback::HttpFallback;
use super::handshake::{Accepted, Handshake, HandshakeHook, Refusal};
use super::stop::Stop;
use super::workers::Workers;
use super::{Handler, Server};
use crate::config::{ServerConfig, SocketConfig};
use crate::runtime::StateMaker;
use crate::runtime::{Hub, Side};
use crate::{Config, Connection, Error, ErrorKind, Result, Supervisor};
use tokio_tungstenite::tungstenite::handshake::server::Request;
use tokio_tungstenite::tungstenite::http::Response;

/// Builds a [`Server`].
///
/// # Default
/// [`ServerConfig::default`] and [`SocketConfig::default`], a hub of its own, no accept
/// filter, plain TCP, each handler on a task of its own.
///
/// ```no_run
/// # async fn run() -> ws_health::Result<()> {
/// use ws_health::runtime::{Hub, Server};
/// use ws_health::{Config, Supervisor};
///
/// let config = Config::default();
/// let hub = Hub::new();
/// let server = Server::builder(Supervisor::builder().with_config(&config).build()?)
///     .with_config(&config)
///     .with_hub(hub.clone())
///     .with_accept_filter(|_tcp, peer| peer.ip().is_loopback())
///     .serve("127.0.0.1:0", |conn| async move {
///         let _ = conn.closed().await;
///     })
///     .await?;
/// # drop(server);
/// # Ok(()) }
/// ```
#[must_use]
pub struct ServerBuilder {
    supervisor: Supervisor,
    server: ServerConfig,
    socket: SocketConfig,
    hub: Option<Hub>,
    filter: Option<AcceptFilter>,
    state: Option<StateMaker>,
    handshake: Option<HandshakeHook>,
    http_fallback: Option<HttpFallback>,
    handler_in_driver_task: bool,
    #[cfg(feature = "rustls")]
    tls: Option<crate::runtime::tls::TlsAcceptor>,
}

impl ServerBuilder {
    pub(super) fn new(supervisor: Supervisor) -> Self {
        ServerBuilder {
            supervisor,
            server: ServerConfig::default(),
            socket: SocketConfig::default(),
            hub: None,
            filter: None,
            state: None,
            handshake: None,
            http_fallback: None,
            handler_in_driver_task: false,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }

    /// Runs each connection's handler in the task that drives the connection, instead of a
    /// task of its own: less memory per connection (docs/performance.md), for handlers that
    /// only await between short steps — echo, forwarding, feeding a channel. The price: a
    /// handler that blocks its thread or computes long between awaits then holds up its
    /// connection's pongs and deadlines too, where on its own task the driver would run on
    /// another worker meanwhile (on a multi-thread runtime; not on the server's own worker
    /// threads, `server.workers`, where both share one thread either way). Off by default.
    pub fn with_handler_in_driver_task(mut self, joined: bool) -> Self {
        self.handler_in_driver_task = joined;
        self
    }

    /// Takes the `[server]` and `[socket]` tables of `config`, and only those: `[ping]`,
    /// `[checks]`, `[policy]` and `[queues]` are the supervisor's, given to
    /// [`Server::builder`](crate::Server::builder) and built with
    /// [`SupervisorBuilder::with_config`](crate::supervisor::SupervisorBuilder::with_config)
    /// (unlike a client's `with_config`, which builds one when given none).
    pub fn with_config(self, config: &Config) -> Self {
        self.with_server_config(config.server.clone())
            .with_socket_config(config.socket.clone())
    }

    /// Sets the handshake timeout, connection limit and shutdown timeout.
    pub fn with_server_config(mut self, server: ServerConfig) -> Self {
        self.server = server;
        self
    }

    /// Sets the TCP options and tungstenite buffers of accepted connections. `serve` and
    /// `listen` check them as a configuration file is checked, and that the write buffer
    /// holds the largest message the supervisor lets the application send.
    pub fn with_socket_config(mut self, socket: SocketConfig) -> Self {
        self.socket = socket;
        self
    }

    /// Registers connections in `hub` (shared with other servers or clients) instead of a
    /// hub of the server's own.
    pub fn with_hub(mut self, hub: Hub) -> Self {
        self.hub = Some(hub);
        self
    }

    /// Called for each accepted TCP connection after the socket options are set and before
    /// the handshake, with the socket and the peer's address: `false` drops the connection
    /// at once (an allow-list, a per-address limit). It may read or change socket options
    /// through `socket2::SockRef::from(tcp)`. It runs on the accept loop: keep it quick. A
    /// panic in it drops that one connection (logged at error), never the server.
    pub fn with_accept_filter<F>(mut self, filter: F) -> Self
    where
        F: Fn(&TcpStream, SocketAddr) -> bool + Send + Sync + 'static,
    {
        self.filter = Some(Arc::new(filter));
        self
    }

    /// Gives each connection state of its own, made from the peer's address when it is
    /// accepted: what its checks read with
    /// [`CheckContext::state`](crate::check::CheckContext::state), and the handler with
    /// [`Sender::state`](crate::Sender::state) (a session cell the handler fills once the peer
    /// has authenticated, and a session check reads). Made before the upgrade is answered,
    /// unless the handshake hook gave the connection state of its own; a panic in `make`
    /// answers that upgrade with HTTP 500 (logged at error), never ends the server.
    pub fn with_connection_state<T, F>(mut self, make: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(SocketAddr) -> Arc<T> + Send + Sync + 'static,
    {
        self.state = Some(Arc::new(move |peer| {
            make(peer) as Arc<dyn Any + Send + Sync>
        }));
        self
    }

    /// Looks at each WebSocket upgrade request before it is answered: authenticate it (a
    /// bearer token, a cookie, the path), choose a subprotocol for the answer
    /// ([`Handshake::response_headers`]), or refuse it with an HTTP status ([`Refusal`]).
    /// What it returns becomes the connection's state, in place of
    /// [`with_connection_state`](ServerBuilder::with_connection_state)'s: the session its
    /// token names, for a session check's
    /// [`CheckContext::state`](crate::check::CheckContext::state) and the handler's
    /// [`Sender::state`](crate::Sender::state). `Arc::new(())` is no state: a hook that only
    /// checks keeps `with_connection_state`'s.
    ///
    /// It is synchronous, on the connection's task: keep it quick and never block (the
    /// handshake timeout cannot cut a blocked call short, and it would hold a runtime
    /// thread); a lookup that awaits takes
    /// [`with_handshake_async`](ServerBuilder::with_handshake_async). A refusal is logged at
    /// debug and counted in `ws_health_connections_dropped_total{reason="handshake_refused"}`;
    /// a panic answers 500 (logged at error) and is counted there too. A request over the
    /// connection limit is answered 503 without it. The last of the two hooks set is used.
    ///
    /// ```no_run
    /// # async fn run() -> ws_health::Result<()> {
    /// use std::sync::Arc;
    /// use ws_health::runtime::{Refusal, Server};
    /// use ws_health::tungstenite::http::{header, StatusCode};
    /// use ws_health::Supervisor;
    ///
    /// struct Session { user: String }
    ///
    /// let server = Server::builder(Supervisor::new())
    ///     .with_handshake(|handshake| {
    ///         let token = handshake.request().headers().get(header::AUTHORIZATION);
    ///         match token.and_then(|t| t.to_str().ok()) {
    ///             Some("Bearer alice-token") => Ok(Arc::new(Session { user: "alice".into() })),
    ///             _ => Err(Refusal::new(StatusCode::UNAUTHORIZED, "unknown token")),
    ///         }
    ///     })
    ///     .serve("127.0.0.1:0", |conn: ws_health::Connection| async move {
    ///         let user = conn.sender().state::<Session>().map(|s| s.user.clone());
    ///         # drop(user);
    ///     })
    ///     .await?;
    /// # drop(server); Ok(()) }
    /// ```
    pub fn with_handshake<T, F>(mut self, inspect: F) -> Self
    where
        T: Any + Send + Sync,
        F: Fn(&mut Handshake) -> Result<Arc<T>, Refusal> + Send + Sync + 'static,
    {
        self.handshake = Some(Arc::new(move |mut handshake| {
            let accepted = inspect(&mut handshake).map(|state| handshake.accept(state));
            Box::pin(std::future::ready(accepted))
        }));
        self
    }

    /// As [`with_handshake`](ServerBuilder::with_handshake), for a hook that awaits: a
    /// session store, a token introspection endpoint. It takes the [`Handshake`] and accepts
    /// with [`Handshake::accept`] (it owns the handshake across its awaits, hence a shape of
    /// its own). The handshake timeout (`server.handshake_timeout`, counted from the accept,
    /// TLS and the peer's request included) bounds it: a hook still running then is dropped
    /// and the peer answered `503 Service Unavailable` with `Retry-After: 1`, counted in
    /// `ws_health_connections_dropped_total{reason="handshake_hook_timeout"}`. A hook whose
    /// peer leaves (closes, half-closes or resets the connection) is dropped as the socket
    /// shows it, counted as `peer_left`: it must not rely on running to its end.
    ///
    /// ```no_run
    /// # async fn run() -> ws_health::Result<()> {
    /// # async fn look_up(_token: Option<String>) -> Option<String> { None }
    /// use std::sync::Arc;
    /// use ws_health::runtime::{Refusal, Server};
    /// use ws_health::tungstenite::http::{header, StatusCode};
    /// use ws_health::Supervisor;
    ///
    /// let server = Server::builder(Supervisor::new())
    ///     .with_handshake_async(|handshake| async move {
    ///         let token = handshake.request().headers().get(header::AUTHORIZATION);
    ///         let token = token.and_then(|t| t.to_str().ok()).map(String::from);
    ///         match look_up(token).await {
    ///             Some(user) => Ok(handshake.accept(Arc::new(user))),
    ///             None => Err(Refusal::new(StatusCode::UNAUTHORIZED, "unknown token")),
    ///         }
    ///     })
    ///     .serve("127.0.0.1:0", |conn: ws_health::Connection| async move {
    ///         let user = conn.sender().state::<String>();
    ///         # drop(user);
    ///     })
    ///     .await?;
    /// # drop(server); Ok(()) }
    /// ```
    pub fn with_handshake_async<F, Fut>(mut self, inspect: F) -> Self
    where
        F: Fn(Handshake) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Accepted, Refusal>> + Send + 'static,
    {
        self.handshake = Some(Arc::new(move |handshake| Box::pin(inspect(handshake))));
        self
    }

    /// Answers plain HTTP requests on the WebSocket port, the ones that are no upgrade: a
    /// load balancer's or Kubernetes' health check (`GET /healthz`), a page for a browser.
    /// `None` leaves the server's own answer (400 with the reason, 405 for another method).
    /// It never sees a request with a body (not read: the server's own answer), nor one with
    /// any sign of an upgrade (a broken upgrade gets the handshake's 400 or 426). Each answer
    /// is written with its length and `Connection: close` (hop-by-hop headers it sets are
    /// dropped), without a body to `HEAD` and for 204 and 304; a panic, or an answer
    /// HTTP/1.1 cannot carry, answers 500 (logged at error). It is synchronous, on the
    /// connection's task: it must not block. It is answered even over the connection limit
    /// (while fewer than 256 refusals are in progress there), so that a full server does not
    /// fail its health check; not counted as a failed handshake.
    ///
    /// ```no_run
    /// # async fn run() -> ws_health::Result<()> {
    /// use ws_health::runtime::Server;
    /// use ws_health::tungstenite::http::Response;
    /// use ws_health::Supervisor;
    ///
    /// let server = Server::builder(Supervisor::new())
    ///     .with_http_fallback(|request| match request.uri().path() {
    ///         "/healthz" => Some(Response::new("ok\n".to_owned())),
    ///         _ => None,
    ///     })
    ///     .serve("127.0.0.1:0", |conn: ws_health::Connection| async move {
    ///         let _ = conn.closed().await;
    ///     })
    ///     .await?;
    /// # drop(server); Ok(()) }
    /// ```
    pub fn with_http_fallback<F>(mut self, answer: F) -> Self
    where
        F: Fn(&Request) -> Option<Response<String>> + Send + Sync + 'static,
    {
        self.http_fallback = Some(Arc::new(answer));
        self
    }

    /// Serves `wss://`: every accepted connection does the TLS handshake first (within the
    /// handshake timeout). See [`tls::acceptor_from_pem`](crate::runtime::tls::acceptor_from_pem).
    #[cfg(feature = "rustls")]
    pub fn with_tls(mut self, acceptor: crate::runtime::tls::TlsAcceptor) -> Self {
        self.tls = Some(acceptor);
        self
    }

    /// Binds `addr` and serves on it; returns once bound.
    ///
    /// # Errors
    /// A setting fails validation, or the address cannot be bound.
    pub async fn serve<A, H, F>(self, addr: A, handler: H) -> Result<Server>
    where
        A: ToSocketAddrs + fmt::Display,
        H: Fn(Connection) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        // Before binding: a bad setting binds nothing.
        self.validate()?;
        let listener = TcpListener::bind(&addr).await.map_err(|err| {
            Error::new(ErrorKind::Io, format!("could not listen on {addr}: {err}")).with_source(err)
        })?;
        self.listen_validated(listener, handler)
    }

    /// Serves on a listener you bound yourself.
    ///
    /// # Errors
    /// A setting fails validation, or the listener has no local address.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn listen<H, F>(self, listener: TcpListener, handler: H) -> Result<Server>
    where
        H: Fn(Connection) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        self.validate()?;
        self.listen_validated(listener, handler)
    }

    fn listen_validated<H, F>(self, listener: TcpListener, handler: H) -> Result<Server>
    where
        H: Fn(Connection) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        super::fd_limit::warn_if_short(self.server.max_connections, self.server.workers);
        let local_addr = listener.local_addr()?;
        let hub = self.hub.unwrap_or_default();
        let active = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(Stop::default());
        let handler: Handler = Arc::new(move |conn| Box::pin(handler(conn)));
        let (workers, workers_exited) = match self.server.workers {
            0 => (None, None),
            count => {
                let (workers, exited) = Workers::start(count)?;
                (Some(workers), Some(exited))
            }
        };
        let span = tracing::info_span!("ws_health.server", %local_addr);
        let context = Arc::new(Context {
            supervisor: self.supervisor,
            websocket: self.socket.websocket_config(),
            socket: self.socket,
            server: self.server,
            observer: hub.observer(Side::Server),
            filter: self.filter,
            state: self.state,
            handshake: self.handshake,
            http_fallback: self.http_fallback,
            handler,
            handler_in_driver_task: self.handler_in_driver_task,
            stop: stop.clone(),
            active: active.clone(),
            aborted: Default::default(),
            workers,
            unspanned_addr: span.is_disabled().then_some(local_addr),
            #[cfg(feature = "rustls")]
            tls: self.tls,
        });
        let task = tokio::spawn(accept::run(listener, context).instrument(span));
        tracing::info!(%local_addr, "listening");
        Ok(Server {
            local_addr,
            hub,
            active,
            stop,
            task,
            workers_exited,
        })
    }

    fn validate(&self) -> Result<()> {
        self.server.validate()?;
        crate::runtime::socket::validate(&self.socket, &self.supervisor)
    }
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("server", &self.server)
            .field("socket", &self.socket)
            .field("accept_filter", &self.filter.is_some())
            .field("handshake", &self.handshake.is_some())
            .field("http_fallback", &self.http_fallback.is_some())
            .field("connection_state", &self.state.is_some())
            .finish()
    }
}
