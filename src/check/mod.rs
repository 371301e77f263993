//! Checks: what to probe on a connection.
//!
//! A [`HealthCheck`] runs once per scheduled tick and returns a [`Health`]. Its default
//! implementation *is* the WebSocket ping/pong keepalive, written as one-line calls to the
//! free functions [`ping_pong`], [`random_payload`] and [`judge_rtt`]. Override one method and
//! call the free function for the rest, the way `syn`'s visitors "call super".
//!
//! ```
//! use std::time::Duration;
//! use ws_health::check::{judge_rtt, HealthCheck};
//! use ws_health::Health;
//!
//! /// The default ping/pong, except that a pong slower than 250 ms degrades the connection.
//! struct SlowPongIsDegraded;
//!
//! #[ws_health::async_trait]
//! impl HealthCheck for SlowPongIsDegraded {
//!     fn judge(&self, rtt: Duration) -> Health {
//!         if rtt > Duration::from_millis(250) {
//!             Health::degraded("pong slower than 250ms").with_rtt(rtt)
//!         } else {
//!             judge_rtt(rtt)
//!         }
//!     }
//! }
//!
//! // In place of the built-in ping check, with its settings (`[ping]`), not beside it:
//! // `with_check` would add a second ping check.
//! let supervisor = ws_health::Supervisor::builder().with_ping(SlowPongIsDegraded).build()?;
//! # drop(supervisor);
//! # Ok::<_, ws_health::Error>(())
//! ```
//!
//! A business check implements [`HealthCheck::check`] and is added beside the ping with
//! [`with_check`](crate::supervisor::SupervisorBuilder::with_check); a type that implements
//! nothing else is a second ping check. One that decides from what it can read at once (stats,
//! the connection's state) can be a closure: [`from_fn`].

mod context;
mod detached;
mod from_fn;
mod heartbeat;
mod ping;

pub(crate) use context::{await_pong, Matcher, Probe, Ticket};
pub use context::{CheckContext, ProbeError};
pub use from_fn::{from_fn, FromFn};
pub use heartbeat::Heartbeat;
pub use ping::{judge_rtt, ping_pong, random_payload, PingCheck};
pub(crate) use ping::{pooled_payload, unanswered};

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

use crate::Health;

/// One health check of a connection.
///
/// Every method has a default, and together the defaults are the WebSocket ping/pong
/// keepalive: send a ping with [`payload`](HealthCheck::payload), wait for its pong, and
/// [`judge`](HealthCheck::judge) the round-trip time. [`PingCheck`] is that default, named.
///
/// The supervisor bounds each run with the check's timeout, contains panics, and never lets
/// one check delay another, provided none blocks its thread: checks run on the connection's
/// task, so a blocking call stalls its reads, pongs and other checks (hand such work to
/// `spawn_blocking`). Keep the trait object-safe: checks are stored as
/// `Arc<dyn HealthCheck>` and shared by every connection of a supervisor, so per-connection
/// data lives in [`CheckContext::state`], not in `self`.
#[async_trait]
pub trait HealthCheck: Send + Sync + 'static {
    /// Runs the check once. Default: [`ping_pong`].
    ///
    /// Override it for a business check (session still authorised, feed not stale, an
    /// application-level `{"op":"ping"}`), and call [`ping_pong`] from it to keep the
    /// keepalive as part of the same check. [`CheckContext::stats`] has what the common ones
    /// read:
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws_health::{async_trait, CheckContext, Health, HealthCheck};
    ///
    /// /// The feed the peer sends us is stale after 5 s without a message (for a feed we send
    /// /// the peer, see `Stats::messages_sent`); the peer falls behind when what we send it
    /// /// fills three quarters of the outbound queue (`queues.outbound`, 64 messages, or
    /// /// `queues.outbound_bytes`, 8 MiB).
    /// struct Feed;
    ///
    /// #[async_trait]
    /// impl HealthCheck for Feed {
    ///     async fn check(&self, ctx: &CheckContext) -> Health {
    ///         let stats = ctx.stats();
    ///         // Pongs do not reset `data_idle`; messages waiting for the application do
    ///         // not count as staleness (it is slow, not the feed). Any message queued for
    ///         // `recv` resets it: a feed whose server also sends heartbeats tracks its ticks.
    ///         if stats.data_idle > Duration::from_secs(5) && stats.inbound_queued == 0 {
    ///             Health::unhealthy("feed stale")
    ///         } else if stats.outbound_queued >= 48 || stats.outbound_queued_bytes >= 6 << 20 {
    ///             Health::degraded("peer falling behind")
    ///         } else {
    ///             Health::healthy("feed flowing")
    ///         }
    ///     }
    /// }
    /// ```
    async fn check(&self, ctx: &CheckContext) -> Health {
        ping_pong(self, ctx).await
    }

    /// The payload of the next ping. Default: [`random_payload`], 4 bytes of a random pool.
    /// Override it to put a sequence number or timestamp on the wire; payloads over 125
    /// bytes are refused and the run reports Unhealthy. Avoid 5-byte payloads that start
    /// with `b'a'`: [`Sender::ping`](crate::Sender::ping) uses them.
    ///
    /// A pong is matched to its ping by payload, so keep payloads distinct from one ping to
    /// the next: with a constant payload, a late pong to a ping that was cut off passes for
    /// the answer to the next one. Only the built-in [`PingCheck`] takes the pool's windows
    /// in turn (no repeat within 65,536 pings of a connection); a check that overrides any
    /// method and keeps this default draws them at random, a repeat 1 in 65,536 per pair.
    fn payload(&self) -> Bytes {
        random_payload()
    }

    /// Judges a measured round-trip time. Default: [`judge_rtt`], healthy whatever the RTT.
    /// Override it to make a slow pong Degraded (or Unhealthy).
    ///
    /// Only [`ping_pong`] calls it (and `payload`): a check whose `check` does not, such as
    /// a [`Heartbeat`], is not judged by it.
    fn judge(&self, rtt: Duration) -> Health {
        judge_rtt(rtt)
    }
}

macro_rules! forward {
    ($($ptr:ty),*) => {$(
        #[async_trait]
        impl<T: HealthCheck + ?Sized> HealthCheck for $ptr {
            async fn check(&self, ctx: &CheckContext) -> Health {
                (**self).check(ctx).await
            }
            fn payload(&self) -> Bytes {
                (**self).payload()
            }
            fn judge(&self, rtt: Duration) -> Health {
                (**self).judge(rtt)
            }
        }
    )*};
}
forward!(Box<T>, Arc<T>);

/// Compile-time probe: `HealthCheck` stays object-safe.
fn _object_safe(_: Arc<dyn HealthCheck>) {}
