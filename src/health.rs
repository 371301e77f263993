//! What a check concludes: a [`Status`] with a reason.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How healthy a check, or a whole connection, is. Ordered from best to worst, so the
/// worst of several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Everything the check looked at is fine.
    Healthy,
    /// Working, but worse than it should be (slow pongs, a slow consumer, a non-critical
    /// check failing).
    Degraded,
    /// Not working: the peer is gone, or a critical business rule failed.
    Unhealthy,
}

impl Status {
    /// The lower-case name used in logs, metrics and configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Healthy => "healthy",
            Status::Degraded => "degraded",
            Status::Unhealthy => "unhealthy",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one check run, and the status of a connection: a [`Status`], a short
/// reason and, where a round trip was measured, its time.
///
/// ```
/// use std::time::Duration;
/// use ws_health::{Health, Status};
///
/// let h = Health::degraded("pong slow").with_rtt(Duration::from_millis(900));
/// assert_eq!(h.status(), Status::Degraded);
/// assert_eq!(h.to_string(), "degraded: pong slow (rtt 900ms)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    status: Status,
    reason: Cow<'static, str>,
    rtt: Option<Duration>,
}

impl Health {
    /// A result with the given status and reason.
    pub fn new(status: Status, reason: impl Into<Cow<'static, str>>) -> Self {
        Health {
            status,
            reason: reason.into(),
            rtt: None,
        }
    }

    /// A healthy result.
    pub fn healthy(reason: impl Into<Cow<'static, str>>) -> Self {
        Health::new(Status::Healthy, reason)
    }

    /// A degraded result.
    pub fn degraded(reason: impl Into<Cow<'static, str>>) -> Self {
        Health::new(Status::Degraded, reason)
    }

    /// An unhealthy result.
    pub fn unhealthy(reason: impl Into<Cow<'static, str>>) -> Self {
        Health::new(Status::Unhealthy, reason)
    }

    /// Attaches a measured round-trip time.
    #[must_use]
    pub fn with_rtt(mut self, rtt: Duration) -> Self {
        self.rtt = Some(rtt);
        self
    }

    /// The status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Why the check concluded what it did.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// The round-trip time the check measured, if it measured one.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt
    }

    /// Whether the status is [`Status::Healthy`].
    pub fn is_healthy(&self) -> bool {
        self.status == Status::Healthy
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.reason)?;
        if let Some(rtt) = self.rtt {
            write!(f, " (rtt {rtt:?})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_order_from_best_to_worst() {
        assert!(Status::Healthy < Status::Degraded);
        assert!(Status::Degraded < Status::Unhealthy);
        assert_eq!(
            [Status::Degraded, Status::Unhealthy, Status::Healthy]
                .into_iter()
                .max(),
            Some(Status::Unhealthy)
        );
    }

    #[test]
    fn only_a_healthy_result_is_healthy() {
        assert!(Health::healthy("pong").is_healthy());
        assert!(!Health::degraded("pong slow").is_healthy());
        assert!(!Health::unhealthy("keepalive ping timeout").is_healthy());
    }
}
