//! The crate-wide error type.

use std::borrow::Cow;
use std::fmt;
use std::net::SocketAddr;

use tracing::field::DisplayValue;

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A `Result` whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is. Match on it through [`Error::kind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A value given to the library is invalid: a ping payload over 125 bytes, a close reason
    /// over 123 bytes, a close code that may not be sent, a zero interval, a message the
    /// application may not send (a Pong, a raw Frame, a message over
    /// `socket.max_message_size`, a Close on a `Client`); also a
    /// configuration table given to a builder in code (`with_policy`, `with_client_config`,
    /// …) that fails validation.
    InvalidInput,
    /// A configuration could not be loaded (its files, the environment, TLS certificate and
    /// key files), or a whole [`Config`](crate::Config) failed validation
    /// ([`Config::validate`](crate::Config::validate), a reload).
    Config,
    /// The connection is closed (or closing); nothing more can be sent.
    Closed,
    /// A bounded queue is full; the message was not accepted.
    QueueFull,
    /// A deadline passed.
    Timeout,
    /// The WebSocket transport failed.
    Transport,
    /// An I/O operation failed.
    Io,
    /// An error of the application's own, made with [`Error::other`] (in a hook).
    Other,
}

/// The error of every fallible ws-health operation.
///
/// Opaque on purpose: inspect it with [`kind`](Error::kind) and the `is_*` predicates, read
/// the human message with `Display`, and follow [`source`](std::error::Error::source) for the
/// underlying cause.
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
    source: Option<BoxError>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            kind,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub(crate) fn invalid(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// A configuration error; the message names the key, the value and where it came from.
    pub(crate) fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    pub(crate) fn closed() -> Self {
        Error::new(ErrorKind::Closed, "the connection is closed")
    }

    /// An error of the application's own, for a hook that returns this crate's `Result`
    /// (the client's on-connect hook). As [`std::io::Error::other`], it shows as `error` does,
    /// its [`source`](std::error::Error::source) is `error`'s own, and
    /// [`get_ref`](Error::get_ref) gives `error` back.
    ///
    /// ```
    /// let refused = ws_health::Error::other("subscription refused: no such feed");
    /// assert_eq!(refused.to_string(), "subscription refused: no such feed");
    /// assert_eq!(refused.kind(), ws_health::ErrorKind::Other);
    /// assert!(std::error::Error::source(&refused).is_none()); // not the message again
    /// ```
    pub fn other(error: impl Into<BoxError>) -> Self {
        let error = error.into();
        Error::new(ErrorKind::Other, error.to_string()).with_source(error)
    }

    /// The application's error inside an [`Error::other`].
    pub fn get_ref(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self.kind {
            ErrorKind::Other => self.source.as_deref(),
            _ => None,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether a value given to the library was refused.
    pub fn is_invalid_input(&self) -> bool {
        self.kind == ErrorKind::InvalidInput
    }

    /// Whether the configuration was at fault.
    pub fn is_config(&self) -> bool {
        self.kind == ErrorKind::Config
    }

    /// Whether the connection was already closed.
    pub fn is_closed(&self) -> bool {
        self.kind == ErrorKind::Closed
    }

    /// Whether a bounded queue refused the message.
    pub fn is_queue_full(&self) -> bool {
        self.kind == ErrorKind::QueueFull
    }

    /// Whether a deadline passed.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }
}

/// `{:?}` reads as the message and then its causes, as anyhow's errors do: it is what `main`
/// prints of an error it returns (`Error: …`), and a configuration error spans lines that a
/// struct's `Debug` would escape into one, beside figment's metadata. A cause whose text the
/// message already holds is not repeated, nor is figment's error beneath a configuration
/// error, whose message says it in the configuration's words. `{:#?}` shows the fields.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !f.alternate() {
            f.write_str(&self.message)?;
            let first = std::error::Error::source(self).filter(|_| self.kind != ErrorKind::Config);
            // A cause whose text the message, or the cause above it, holds says nothing new.
            let mut above = self.message.to_string();
            let mut causes = std::iter::successors(first, |e| e.source())
                .map(ToString::to_string)
                .filter(|cause| !std::mem::replace(&mut above, cause.clone()).contains(cause))
                .peekable();
            if causes.peek().is_some() {
                f.write_str("\n\nCaused by:")?;
            }
            for cause in causes {
                write!(f, "\n    {cause}")?;
            }
            return Ok(());
        }
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind).field("message", &self.message);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self.source.as_deref()?;
        match self.kind {
            // Shown as itself already: its cause comes next, not itself again.
            ErrorKind::Other => source.source(),
            _ => Some(source),
        }
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for Error {
    fn from(err: tokio_tungstenite::tungstenite::Error) -> Self {
        Error::new(ErrorKind::Transport, format!("websocket error: {err}")).with_source(err)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, format!("i/o error: {err}")).with_source(err)
    }
}

/// Who a hook's panic is about, as fields of its error where the span that names it is off
/// (`RUST_LOG=warn`): a connection's `id` and `peer`, a client's `url`; else nothing.
#[derive(Default)]
pub(crate) struct Who {
    pub(crate) id: Option<u64>,
    pub(crate) peer: Option<DisplayValue<SocketAddr>>,
    pub(crate) url: Option<DisplayValue<String>>,
}

impl Who {
    /// A client's hook: its `url`, where its span is off.
    pub(crate) fn client(url: Option<DisplayValue<String>>) -> Who {
        Who {
            url,
            ..Who::default()
        }
    }
}

/// Runs an application's async hook, `call` and the future it returns, with their panics
/// caught: `Err` is "`hook` panicked: …", logged at error with `who` (a panic would end the
/// task that runs the hook, and with it what the task serves).
pub(crate) async fn contain_panics<F, Fut>(
    hook: &'static str,
    who: Who,
    call: F,
) -> Result<Fut::Output, String>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future,
{
    use futures_util::FutureExt;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    let panicked = |panic: Box<dyn std::any::Any + Send>| {
        let message = panic_message(&*panic);
        let Who { id, peer, url } = &who;
        tracing::error!(id, peer, url, hook, panic = message, "hook panicked");
        format!("{hook} panicked: {message}")
    };
    let future = catch_unwind(AssertUnwindSafe(call)).map_err(panicked)?;
    AssertUnwindSafe(future)
        .catch_unwind()
        .await
        .map_err(panicked)
}

/// Runs an application's code that returns nothing (a capture's `Drop`, a metrics recorder),
/// its panic caught and logged at error with `what`: it would unwind out of the caller's
/// work half done.
pub(crate) fn contain_panic(what: &'static str, call: impl FnOnce()) {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    if let Err(panic) = catch_unwind(AssertUnwindSafe(call)) {
        tracing::error!(
            what,
            panic = panic_message(&*panic),
            "application code panicked"
        );
    }
}

/// What a caught panic says, for logs and reasons.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static + std::error::Error>() {}
        assert_bounds::<Error>();
    }

    #[test]
    fn display_is_the_message_and_source_is_kept() {
        let io = std::io::Error::other("boom");
        let err = Error::from(io);
        assert_eq!(err.kind(), ErrorKind::Io);
        assert_eq!(err.to_string(), "i/o error: boom");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn other_shows_as_the_applications_error_and_skips_it_in_the_chain() {
        let cause = std::io::Error::other("connection reset");
        let app = Error::from(cause);
        let err = Error::other(app);
        assert_eq!(err.to_string(), "i/o error: connection reset");
        // The chain goes on with the application's error's cause, not the error again.
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("connection reset"));
        let inner = err.get_ref().unwrap().downcast_ref::<Error>().unwrap();
        assert_eq!(inner.kind(), ErrorKind::Io);
        assert!(Error::from(std::io::Error::other("x")).get_ref().is_none());
    }

    #[test]
    fn debug_reads_as_the_message_then_causes_not_repeated() {
        let lines = Error::config("invalid configuration:\n  `a` = 1: bad\n  `b` = 2: bad");
        assert_eq!(
            format!("{lines:?}"),
            "invalid configuration:\n  `a` = 1: bad\n  `b` = 2: bad"
        );
        // Each cause once: "reset by peer" is in the cause above it.
        let inner = std::io::Error::other("reset by peer");
        let outer = std::io::Error::other(Error::from(inner));
        let err = Error::new(ErrorKind::Transport, "handshake failed").with_source(outer);
        assert_eq!(
            format!("{err:?}"),
            "handshake failed\n\nCaused by:\n    i/o error: reset by peer"
        );
        let repeated = Error::from(std::io::Error::other("boom"));
        assert_eq!(format!("{repeated:?}"), "i/o error: boom");
        let config =
            Error::config("`a` = 1: expected a table").with_source(std::io::Error::other("u32"));
        assert_eq!(format!("{config:?}"), "`a` = 1: expected a table");
        let fields = format!("{repeated:#?}");
        assert!(
            fields.contains("kind: Io") && fields.contains("source:"),
            "{fields}"
        );
    }
}
