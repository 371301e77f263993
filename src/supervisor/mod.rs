//! The supervisor: when to probe, per connection. It drives the socket.
//!
//! [`Supervisor`] is a cheap, cloneable template (checks, settings, policy) shared by every
//! connection it supervises. [`Supervisor::supervise`] spawns one task per connection — the
//! *driver* — which owns the WebSocket: it reads (answering the peer's pings even while the
//! application is busy), writes (control frames ahead of queued data), runs every check on
//! its own schedule under its own timeout, feeds results to the policy engine and carries
//! out the actions. When the connection ends, the task ends, and with it every check and
//! timer of the connection.

#[doc(hidden)]
pub mod bench; // internals for benches/hot_paths
mod builder; // SupervisorBuilder: checks, config, custom actions registered by name
mod connection; // the application's handles: Connection, Sender, WeakSender
mod disconnect; // Disconnect: how a connection ended
mod driver; // the per-connection task: reading, check runs, writing, actions, reload
mod drivers; // a supervisor's live drivers, for a reload
mod health_cell; // the connection's health, and its watch channel
mod in_flight; // pings awaiting pongs (a pong matched to its ping), expected messages
pub(crate) mod later; // deadline arithmetic that cannot panic
mod observer; // Observer and ConnectionInfo: peer, state, side
mod plan; // what runs on each connection: checks, settings, policy, custom actions
mod probe; // Probe for checks: pings, expectations and the reading pause
mod request; // Sender::request and Sender::ping
mod shared; // what a driver shares with its handles and checks; queues in shared/
mod try_send_error; // TrySendError
pub(crate) mod unspanned; // who an event is about, where a filter dropped the span

pub use builder::SupervisorBuilder;
pub use connection::{Connection, Sender, WeakSender};
pub use disconnect::{Disconnect, Initiator};
pub use observer::{ConnectionInfo, Observer, Side};
pub use try_send_error::TrySendError;

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{Sink, Stream};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;
use tracing::Instrument;

use crate::config::{Problem, Validator};
use crate::{Config, Result};
use plan::Plan;
use shared::Shared;

/// Anything that is a `Stream` and `Sink` of WebSocket messages: tokio-tungstenite's
/// `WebSocketStream` over any I/O, or another stack's socket behind a thin adapter.
///
/// A broken frame is failed with its close code (1002, 1007, 1009: `Initiator::Protocol`)
/// when the read error is, or has in its `source()` chain, a `tungstenite::Error`; any other
/// read error ends the connection as lost to the network (1006).
pub trait Transport:
    Stream<Item = Result<Message, <Self as Transport>::Error>>
    + Sink<Message, Error = <Self as Transport>::Error>
    + Unpin
    + Send
    + 'static
{
    /// The transport's error.
    type Error: std::error::Error + Send + Sync + 'static;
}

impl<T, E> Transport for T
where
    T: Stream<Item = Result<Message, E>> + Sink<Message, Error = E> + Unpin + Send + 'static,
    E: std::error::Error + Send + Sync + 'static,
{
    type Error = E;
}

/// Supervises WebSocket connections: one driver task per connection runs the checks and
/// applies the policy. Clone it freely; clones share one plan.
///
/// ```no_run
/// # async fn run(ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) {
/// use ws_health::Supervisor;
///
/// // Python websockets' keepalive: ping every 20 s, close 1011 after 20 s without a pong.
/// let supervisor = Supervisor::new();
/// let mut conn = supervisor.supervise(ws);
/// while let Some(message) = conn.recv().await {
///     conn.send(message).await.ok(); // echo
/// }
/// println!("{}", conn.closed().await);
/// # }
/// ```
#[derive(Clone)]
pub struct Supervisor {
    plan: Arc<watch::Sender<Arc<Plan>>>,
    /// Its live connections' drivers, woken by a reload.
    drivers: Arc<drivers::Drivers>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Supervisor {
    /// A supervisor with the default configuration: the ping check only, Python
    /// `websockets`' timings.
    pub fn new() -> Self {
        Supervisor::builder()
            .build()
            .expect("the default configuration is valid")
    }

    /// A builder, to add checks and set timings, policy and custom actions.
    pub fn builder() -> SupervisorBuilder {
        SupervisorBuilder::default()
    }

    /// The largest message the application may send (`None`: no limit).
    pub(crate) fn max_message_size(&self) -> Option<usize> {
        self.plan.borrow().max_message_size
    }

    fn from_plan(plan: Plan) -> Self {
        // The payload pool is made now, not in the first ping's pass, whose round trip is
        // timed from the pass's start: the first ping of a process read milliseconds late.
        let _ = crate::check::pooled_payload(0);
        Supervisor {
            plan: Arc::new(watch::Sender::new(Arc::new(plan))),
            drivers: Arc::default(),
        }
    }

    /// Supervises `ws` on a new task of the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn supervise<S: Transport>(&self, ws: S) -> Connection {
        self.spawn(ws, None)
    }

    /// Like [`supervise`](Supervisor::supervise), with per-connection state that checks
    /// reach through [`CheckContext::state`](crate::check::CheckContext::state).
    pub fn supervise_with_state<S, T>(&self, ws: S, state: Arc<T>) -> Connection
    where
        S: Transport,
        T: Any + Send + Sync,
    {
        self.spawn(ws, Some(state))
    }

    /// Supervises `ws` without spawning: returns the connection and the driver future,
    /// which does all the work and must be polled (spawned, or joined with your own work)
    /// until it completes with the [`Disconnect`]. Dropped before that, it ends the
    /// connection (code 1006, no close frame): the application is never left waiting.
    pub fn attach<S: Transport>(
        &self,
        ws: S,
        state: Option<Arc<dyn Any + Send + Sync>>,
    ) -> (
        Connection,
        impl Future<Output = Disconnect> + Send + 'static,
    ) {
        let info = ConnectionInfo {
            state,
            ..ConnectionInfo::default()
        };
        self.attach_with(ws, info)
    }

    /// Like [`attach`](Supervisor::attach), with what the caller knows about the connection:
    /// the peer's address, state for checks, an [`Observer`] (the runtime's hub), told now
    /// that the connection opened, and the span to run in.
    pub fn attach_with<S: Transport>(
        &self,
        ws: S,
        mut info: ConnectionInfo,
    ) -> (
        Connection,
        impl Future<Output = Disconnect> + Send + 'static,
    ) {
        let plan = self.plan.subscribe();
        let (queues, max_message_size) = {
            let plan = plan.borrow();
            (plan.queues, plan.max_message_size)
        };
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        // The application's span, unless a filter turned it off: the driver's events keep
        // the connection's id either way.
        let span = match info.span.take().filter(|span| !span.is_disabled()) {
            Some(span) => {
                span.record("id", id);
                span
            }
            None => tracing::info_span!("ws_health.connection", id),
        };
        let write_progress = info.write_progress.take();
        let span_off = span.is_disabled();
        let shared = Arc::new(Shared::new(id, info, queues, max_message_size, span_off));
        let connection = Connection::new(shared.clone());
        if let Some(observer) = &shared.observer {
            observer::call_observer("opened", || observer.opened(&connection, shared.peer));
        }
        let registered = self.drivers.register(&shared);
        let driver = driver::run(ws, write_progress, shared, plan, registered).instrument(span);
        (connection, driver)
    }

    fn spawn<S: Transport>(&self, ws: S, state: Option<Arc<dyn Any + Send + Sync>>) -> Connection {
        let (connection, driver) = self.attach(ws, state);
        tokio::spawn(driver);
        connection
    }

    /// The custom actions `config` names that this supervisor does not have, each at its key:
    /// what [`reload`](Self::reload) would refuse, for
    /// [`ConfigLoader::reload`](crate::ConfigLoader::reload) to name where they came from.
    pub(crate) fn unregistered_actions(&self, config: &Config) -> Vec<Problem> {
        let mut v = Validator::default();
        self.plan
            .borrow()
            .applied(config)
            .report_unregistered(&mut v);
        v.errors
    }

    /// Applies a new configuration to this supervisor and every live connection, at once (each
    /// connection's driver is woken): a check waiting for its next run moves to the first point
    /// from now of its new interval's grid (each connection keeping its place in the cycle), with
    /// its new jitter; a new timeout applies to runs started from now, new thresholds and actions
    /// from the next result. A status the new rules give the results already seen (a failing check
    /// made critical, a degraded one disabled) is acted on now, and so are actions the new rules
    /// owe the status the connection stays at (those its list gained: a policy that only logged,
    /// now closing; the policy's list owed to a failing check made critical). No connection is
    /// dropped for the reload itself. A configuration that fails validation is refused and the old
    /// one stays. The send limit (`socket.max_message_size`) stays as built, with a warning if
    /// `config` asks for another than the default.
    ///
    /// Each check gets its `[checks.<name>]` table; one without a table, the defaults if it
    /// was registered with its table's settings (`config.check(name)`), else the settings it
    /// was registered with; the ping's settings, the policy and the queue sizes are `config`'s,
    /// as [`SupervisorBuilder::with_config`] takes them (code adjustments made after it are
    /// replaced, with a warning naming each that changes: make them to `config`).
    pub fn reload(&self, config: &Config) -> Result<()> {
        // A whole configuration refused: `ErrorKind::Config`, as loading one is.
        let plan = self.plan.borrow().reconfigured(config);
        let plan = plan.map_err(|e| crate::Error::config(e.to_string()))?;
        // Warned only for a value other than the default, which a file without `[socket]`
        // gives: the supervisor's may have been set in code.
        let asked = config.socket.max_message_size;
        let default = crate::config::SocketConfig::default().max_message_size;
        if asked != plan.max_message_size && asked != default {
            tracing::warn!(
                configured = ?asked,
                kept = ?plan.max_message_size,
                "socket.max_message_size is not changed by a reload: the send limit is the \
                 transport's, set when the supervisor was built"
            );
        }
        self.plan.send_replace(Arc::new(plan));
        self.drivers.wake_all();
        Ok(())
    }
}

impl Default for Supervisor {
    fn default() -> Self {
        Supervisor::new()
    }
}

impl fmt::Debug for Supervisor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plan = self.plan.borrow();
        f.debug_struct("Supervisor")
            .field("checks", &plan.check_names().collect::<Vec<_>>())
            .finish()
    }
}
