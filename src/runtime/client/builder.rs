//! Building a [`Client`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use tokio::sync::watch;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderMap;
use tracing::Instrument;

use super::connect::Tls;
use super::manager::Manager;
use super::proxy;
use super::queue;
use super::shared::Shared;
use super::target::Target;
use super::{Client, ClientHandle, HandshakeHeaders, OnConnect};
use crate::config::{ClientConfig, SocketConfig};
use crate::runtime::{Hub, Side};
use crate::{Config, Error, Result, Sender, Supervisor};

/// Builds a [`Client`].
///
/// # Default
/// [`Supervisor::new`] (Python `websockets`' keepalive), [`ClientConfig::default`] and
/// [`SocketConfig::default`], no hub, no on-connect hook; for `wss://`, the webpki roots.
///
/// ```no_run
/// # async fn run() -> ws_health::Result<()> {
/// use ws_health::runtime::{Client, Hub};
/// use ws_health::Config;
///
/// let config = Config::from(Config::figment())?;
/// // Its supervisor too ([ping], [checks], [policy], [queues]), unless given one with
/// // `with_supervisor`.
/// let client = Client::builder("ws://127.0.0.1:8765")
///     .with_config(&config)
///     .with_hub(Hub::new())
///     .connect()?;
/// # drop(client);
/// # Ok(()) }
/// ```
#[must_use]
pub struct ClientBuilder {
    target: Result<Target>,
    /// The application's, or one built from a configuration (its error kept for `connect`).
    supervisor: Result<Supervisor>,
    /// The application gave the supervisor: `with_config` leaves it.
    own_supervisor: bool,
    client: ClientConfig,
    socket: SocketConfig,
    hub: Option<Hub>,
    on_connect: Option<OnConnect>,
    headers: Option<HandshakeHeaders>,
    state: Option<crate::runtime::StateMaker>,
    seed: Option<u64>,
    #[cfg(feature = "rustls")]
    tls: Option<Arc<crate::runtime::tls::rustls::ClientConfig>>,
}

impl ClientBuilder {
    pub(super) fn new(url: impl IntoClientRequest) -> Self {
        let target = url
            .into_client_request()
            .map_err(|e| Error::invalid(format!("invalid WebSocket URL: {e}")))
            .and_then(|request| Target::new(request).map_err(Error::invalid));
        ClientBuilder {
            target,
            supervisor: Ok(Supervisor::new()),
            own_supervisor: false,
            client: ClientConfig::default(),
            socket: SocketConfig::default(),
            hub: None,
            on_connect: None,
            headers: None,
            state: None,
            seed: None,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }

    /// Supervises every connection with `supervisor` (checks, timings, policy), whatever
    /// [`with_config`](ClientBuilder::with_config) is given, before or after.
    pub fn with_supervisor(mut self, supervisor: Supervisor) -> Self {
        self.supervisor = Ok(supervisor);
        self.own_supervisor = true;
        self
    }

    /// Takes `config`: its `[client]` and `[socket]` tables, and, unless the application
    /// gives a supervisor of its own ([`with_supervisor`](ClientBuilder::with_supervisor)),
    /// a supervisor built from it (`[ping]`, `[checks]`, `[policy]`, `[queues]`), as
    /// [`SupervisorBuilder::with_config`](crate::supervisor::SupervisorBuilder::with_config)
    /// builds one. A supervisor that needs more (a check's implementation, a custom action)
    /// is the application's to build: `connect` fails naming what is missing. So is one to
    /// reload ([`ConfigLoader::reload`](crate::ConfigLoader::reload)): the one built here is
    /// the client's alone; build it, give a clone to `with_supervisor` and reload the other
    /// (clones share their configuration).
    pub fn with_config(mut self, config: &Config) -> Self {
        if !self.own_supervisor {
            self.supervisor = Supervisor::builder().with_config(config).build();
        }
        self.with_client_config(config.client.clone())
            .with_socket_config(config.socket.clone())
    }

    /// Sets the connect timeout, backoff, final close codes, offline queue and proxy.
    pub fn with_client_config(mut self, client: ClientConfig) -> Self {
        self.client = client;
        self
    }

    /// Sets the TCP options and tungstenite buffers. `connect` checks them as a
    /// configuration file is checked, and that the write buffer holds the largest message
    /// the supervisor lets the application send.
    pub fn with_socket_config(mut self, socket: SocketConfig) -> Self {
        self.socket = socket;
        self
    }

    /// Registers every connection in `hub`.
    pub fn with_hub(mut self, hub: Hub) -> Self {
        self.hub = Some(hub);
        self
    }

    /// Adds the headers `make` gives to each handshake request, made afresh for every attempt:
    /// a bearer token that expires, a cursor to resume from. They replace the request's
    /// headers of the same names.
    ///
    /// `make` runs first in an attempt, under `client.connect_timeout`, before the TCP connect. An
    /// error, a panic or the timeout fails the attempt ([`ClientEvent::ConnectFailed`] names it)
    /// and the client retries after its backoff, as when the server is down. With it, a handshake
    /// answered 401 or 403 is retried once (without it the client stops): the next attempt presents
    /// fresh credentials, in case a token expired on its way; refused again, the client stops. A
    /// header of the handshake's own (`Connection`, `Upgrade`, `Sec-WebSocket-Version`,
    /// `Sec-WebSocket-Key`) or a value that is not visible ASCII stops the client: no attempt could
    /// send it.
    ///
    /// ```no_run
    /// # async fn run(tokens: std::sync::Arc<TokenSource>) -> ws_health::Result<()> {
    /// use ws_health::runtime::Client;
    /// use ws_health::tungstenite::http::{header, HeaderMap, HeaderValue};
    ///
    /// let client = Client::builder("wss://feed.example/v1")
    ///     .with_handshake_headers(move || {
    ///         let tokens = tokens.clone();
    ///         async move {
    ///             let token = tokens.current().await?;
    ///             let mut headers = HeaderMap::new();
    ///             headers.insert(header::AUTHORIZATION, HeaderValue::try_from(format!("Bearer {token}"))?);
    ///             Ok::<_, Box<dyn std::error::Error + Send + Sync>>(headers)
    ///         }
    ///     })
    ///     .connect()?;
    /// # drop(client); Ok(()) }
    /// # struct TokenSource;
    /// # impl TokenSource {
    /// #     async fn current(&self) -> Result<String, std::io::Error> { Ok(String::new()) }
    /// # }
    /// ```
    ///
    /// [`ClientEvent::ConnectFailed`]: super::ClientEvent::ConnectFailed
    pub fn with_handshake_headers<F, Fut, E>(mut self, make: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = std::result::Result<HeaderMap, E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        self.headers = Some(Arc::new(move || {
            let made = make();
            Box::pin(async move { made.await.map_err(Into::into) })
        }));
        self
    }

    /// Runs `hook` after every connect, before the queued messages go out and before the
    /// application receives from the new connection: re-subscribe, resume, authenticate
    /// (await the server's answer with [`Sender::request`]).
    /// An error or a panic closes the connection with 1011 and counts as a failed attempt;
    /// [`Error::other`] makes one from the application's own error. The connection was open,
    /// so its events are [`Connected`](super::ClientEvent::Connected) and then
    /// [`Disconnected`](super::ClientEvent::Disconnected), whose reason names the hook's
    /// error, not `ConnectFailed`.
    ///
    /// The hook is part of the attempt: it has what is left of `client.connect_timeout`
    /// after the handshakes, and one still running then is dropped (1011, a failed attempt
    /// too). [`Client::close`] does not wait for it either: the hook is dropped, the
    /// connection closed, and messages queued meanwhile are not sent without it (the
    /// [`Stopped`](super::ClientEvent::Stopped) reason counts them).
    pub fn with_on_connect<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(Sender) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<()>> + Send + 'static,
    {
        self.on_connect = Some(Arc::new(move |sender| Box::pin(hook(sender))));
        self
    }

    /// Gives each connection (each reconnect makes a new one) state of its own, made from
    /// the server's address: what its checks read with
    /// [`CheckContext::state`](crate::check::CheckContext::state), and the application with
    /// [`Sender::state`](crate::Sender::state) (the on-connect hook included).
    ///
    /// It is called once the WebSocket handshake is done. A panic in it fails the attempt
    /// ([`ClientEvent::ConnectFailed`](super::ClientEvent::ConnectFailed): "connection state
    /// factory panicked: …"), which is retried after the backoff, as a failed on-connect hook
    /// is.
    pub fn with_connection_state<T, F>(mut self, make: F) -> Self
    where
        T: std::any::Any + Send + Sync,
        F: Fn(std::net::SocketAddr) -> Arc<T> + Send + Sync + 'static,
    {
        self.state = Some(Arc::new(move |peer| {
            make(peer) as Arc<dyn std::any::Any + Send + Sync>
        }));
        self
    }

    /// Seeds the backoff's random source, for reproducible delays in tests.
    pub fn with_jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Uses `config` for `wss://` (e.g. from
    /// [`tls::client_config_with_roots`](crate::runtime::tls::client_config_with_roots)).
    #[cfg(feature = "rustls")]
    pub fn with_tls_config(
        mut self,
        config: Arc<crate::runtime::tls::rustls::ClientConfig>,
    ) -> Self {
        self.tls = Some(config);
        self
    }

    /// Validates everything and starts the client's task, which connects at once. Returns
    /// without waiting for the connection: await [`Client::connected`], watch
    /// [`Client::events`] or call [`Client::recv`].
    ///
    /// `client.proxy` is resolved here: with `"env"`, the default, a non-loopback server is
    /// reached through the proxy the environment names (`http_proxy` for `ws://`,
    /// `https_proxy` for `wss://`, unless `no_proxy` lists it), read now, not at each attempt.
    /// Set `client.proxy = "none"` to always connect directly.
    ///
    /// # Errors
    /// An invalid URL or setting, named; a proxy the client cannot use (`https://`, SOCKS),
    /// named with the variable that set it.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn connect(self) -> Result<Client> {
        let mut target = self.target?;
        let supervisor = self.supervisor?;
        self.client.validate()?;
        target.proxy = proxy::route(&self.client.proxy, &target, |name| std::env::var_os(name))
            .map_err(|e| Error::invalid(format!("{}: {e}", target.loggable())))?;
        crate::runtime::socket::validate(&self.socket, &supervisor)?;
        let (outbound_tx, outbound_rx) =
            queue::channel(self.client.offline_queue, self.client.offline_queue_bytes);
        let (close_tx, close_rx) = watch::channel(None);
        let shared = Arc::new(Shared::new());
        let span = tracing::info_span!("ws_health.client", url = %target.loggable());
        let manager = Manager {
            target,
            supervisor: supervisor.clone(),
            socket: self.socket,
            tls: Tls {
                #[cfg(feature = "rustls")]
                config: self.tls,
            },
            observer: self.hub.map(|hub| hub.observer(Side::Client)),
            on_connect: self.on_connect,
            headers: self.headers,
            state: self.state,
            seed: self.seed,
            shared: shared.clone(),
            outbound: outbound_rx,
            close: close_rx,
            client: self.client.clone(),
            span_off: span.is_disabled(),
        };
        tokio::spawn(manager.run().instrument(span));
        let handle = ClientHandle {
            link: shared.link.clone(),
            outbound: outbound_tx,
            supervisor,
        };
        Ok(Client {
            shared,
            handle,
            current: None,
            close: close_tx,
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("client", &self.client)
            .field("socket", &self.socket)
            .field("on_connect", &self.on_connect.is_some())
            .field("handshake_headers", &self.headers.is_some())
            .finish()
    }
}
