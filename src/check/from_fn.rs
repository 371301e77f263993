//! A check from a closure: [`from_fn`].

use std::fmt;

use async_trait::async_trait;

use super::{CheckContext, HealthCheck};
use crate::Health;

/// A check that decides from what it can read at once: a closure of the run's
/// [`CheckContext`] (its [`stats`](CheckContext::stats), the connection's
/// [`state`](CheckContext::state)) to a [`Health`], as `tower::service_fn` makes a service. For
/// a check that awaits (a request, a lookup), implement [`HealthCheck::check`].
///
/// ```
/// use std::time::Duration;
/// use ws_health::{check, CheckSettings, Health, Supervisor};
///
/// // The feed is stale after 5 s without a message the application has not read yet.
/// let feed = check::from_fn(|ctx| {
///     let stats = ctx.stats();
///     if stats.data_idle > Duration::from_secs(5) && stats.inbound_queued == 0 {
///         Health::unhealthy("feed stale")
///     } else {
///         Health::healthy("feed flowing")
///     }
/// });
/// let every_second = CheckSettings::every(Duration::from_secs(1), Duration::from_secs(1));
/// let supervisor = Supervisor::builder() // beside the default ping
///     .with_check("feed", feed, every_second)
///     .build()?;
/// # drop(supervisor);
/// # Ok::<_, ws_health::Error>(())
/// ```
pub fn from_fn<F>(decide: F) -> FromFn<F>
where
    F: Fn(&CheckContext) -> Health + Send + Sync + 'static,
{
    FromFn(decide)
}

/// The check [`from_fn`] makes.
#[derive(Clone)]
pub struct FromFn<F>(F);

#[async_trait]
impl<F> HealthCheck for FromFn<F>
where
    F: Fn(&CheckContext) -> Health + Send + Sync + 'static,
{
    async fn check(&self, ctx: &CheckContext) -> Health {
        (self.0)(ctx)
    }
}

impl<F> fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FromFn").finish_non_exhaustive()
    }
}
