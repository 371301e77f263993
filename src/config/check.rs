//! Settings of one check: its timing, thresholds and actions.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::validate::{Validate, Validator};
use super::written::duration;
use crate::policy::{Action, Rule};
use crate::{Error, Result};

/// How one check is scheduled and judged: the `[ping]` table, or a `[checks.<name>]` table.
///
/// # Default
/// Python `websockets`' keepalive: every 20 s (the first run one interval after the
/// connection starts), a 20 s timeout, no jitter, 10 ms of timer slack, thresholds of 1,
/// critical, and the policy's actions.
///
/// In code, a duration of `Duration::MAX` means "never": such a deadline is met some 30
/// years on. A configuration file or variable may give at most a year
/// ([`Config::MAX_DURATION`](crate::Config::MAX_DURATION)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckSettings {
    /// Whether the check runs at all.
    pub enabled: bool,
    /// Time between the starts of two runs; at least 1 ms (tokio's timers tick in
    /// milliseconds).
    #[serde(with = "humantime_serde")]
    pub interval: Duration,
    /// How long one run may take; a run still going then is cut off and counts as failed
    /// (for the ping check: "keepalive ping timeout"); a result ready then counts. Exceptions
    /// for a ping behind our own writes, and for the message a check's request (a
    /// `Heartbeat`'s) awaits the answer to: while it waits, each deadline is moved by another
    /// `timeout` as long as the socket keeps taking bytes, and once it left the socket late
    /// (or was sent late in the run), its answer gets a full `timeout` counted from the flush,
    /// once.
    #[serde(with = "humantime_serde")]
    pub timeout: Duration,
    /// Delay before the first run; when absent, one `interval`.
    #[serde(with = "humantime_serde", skip_serializing_if = "Option::is_none")]
    pub initial_delay: Option<Duration>,
    /// Up to this much random delay is added to each start, so that many connections
    /// opened together do not probe in lockstep.
    #[serde(with = "humantime_serde")]
    pub jitter: Duration,
    /// How late this check's deadlines (a run's start, its timeout) may be met, so that the
    /// timers of many connections fire together and one wake-up of a thread serves them
    /// all: each is rounded up to a multiple of `slack`, counted from one instant of the
    /// process. The interval is kept on average; `0` meets each deadline at its instant
    /// (to tokio's millisecond): use it in tests that time runs exactly on a paused clock,
    /// where the grid's origin depends on which runtime of the process asked first.
    #[serde(with = "humantime_serde")]
    pub slack: Duration,
    /// Consecutive failures (Unhealthy results) before the check counts as Unhealthy; a
    /// Degraded result counts at once.
    pub failure_threshold: u32,
    /// Consecutive successes before it counts as Healthy again.
    pub success_threshold: u32,
    /// Whether the check can make the connection Unhealthy; otherwise at most Degraded.
    pub critical: bool,
    /// Whether a run that times out waiting on the peer (a ping, an expected answer) still
    /// passes when the peer sent any frame during it: "data counts as liveness", for busy
    /// connections whose pongs queue behind bulk data. A run waiting on something else (a
    /// backend) is not excused. Off by default: only the answer proves the peer is alive (a
    /// peer can keep sending while it no longer reads).
    pub data_counts_as_liveness: bool,
    /// This check's own actions when it becomes Degraded, whether or not the connection's
    /// status moves (another check may hold it there already). A check with no own actions
    /// for its change that moves the connection runs its own for the connection's change (this
    /// list when it makes the connection Degraded), else the policy's. While the policy's list
    /// is owed (an earlier check's own ran instead), a check whose weight rises to the
    /// connection's status runs this list for that rise if set, else the policy's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_degraded: Option<Vec<Action>>,
    /// This check's own actions when it becomes Unhealthy (a non-critical check too, though it
    /// makes the connection only Degraded); see `on_degraded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_unhealthy: Option<Vec<Action>>,
    /// This check's own actions when its status improves; see `on_degraded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_recovered: Option<Vec<Action>>,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            enabled: true,
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(20),
            initial_delay: None,
            jitter: Duration::ZERO,
            slack: Duration::from_millis(10),
            failure_threshold: 1,
            success_threshold: 1,
            critical: true,
            data_counts_as_liveness: false,
            on_degraded: None,
            on_unhealthy: None,
            on_recovered: None,
        }
    }
}

impl CheckSettings {
    /// Settings that run every `interval` with the given `timeout`, the rest default.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws_health::CheckSettings;
    ///
    /// let fast = CheckSettings::every(Duration::from_secs(1), Duration::from_millis(500));
    /// assert_eq!(fast.failure_threshold, 1);
    /// ```
    pub fn every(interval: Duration, timeout: Duration) -> Self {
        CheckSettings {
            interval,
            timeout,
            ..CheckSettings::default()
        }
    }

    /// The delay before the first run.
    pub fn first_delay(&self) -> Duration {
        self.initial_delay.unwrap_or(self.interval)
    }

    /// The policy rule these settings describe.
    pub fn rule(&self) -> Rule {
        Rule {
            failure_threshold: self.failure_threshold,
            success_threshold: self.success_threshold,
            critical: self.critical,
        }
    }

    /// Checks the values; `name` is the check's name: `"ping"` for the built-in check, whose
    /// keys are `ping.*`, any other for a user check, whose keys are `checks.<name>.*`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming every offending
    /// key: a zero interval, timeout or threshold, an invalid close code or reason. Durations
    /// have no upper bound here, where code may use `Duration::MAX` for "never"; a
    /// configuration refuses those over [`Config::MAX_DURATION`](crate::Config::MAX_DURATION).
    pub fn validate(&self, name: &str) -> Result<()> {
        let mut v = if name == "ping" {
            Validator::in_code(&["ping"])
        } else {
            Validator::in_code(&["checks", name])
        };
        self.report(&mut v);
        match v.errors.as_slice() {
            [] => Ok(()),
            problems => Err(Error::invalid(
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            )),
        }
    }
}

impl Validate for CheckSettings {
    fn report(&self, v: &mut Validator) {
        let hint = " (to turn the check off, set `enabled = false`)";
        // Shorter than 1 ms, a check that completes at once would be due again in the same
        // poll, and started again, forever.
        v.millisecond_or_more("interval", self.interval, hint);
        v.positive("timeout", self.timeout, hint);
        if let Some(delay) = self.initial_delay {
            v.bounded("initial_delay", delay, "");
        }
        v.bounded("jitter", self.jitter, "");
        v.bounded("slack", self.slack, "");
        v.nonzero("failure_threshold", self.failure_threshold.into());
        v.nonzero("success_threshold", self.success_threshold.into());
        v.table(
            "on_degraded",
            self.on_degraded.as_deref().unwrap_or_default(),
        );
        v.table(
            "on_unhealthy",
            self.on_unhealthy.as_deref().unwrap_or_default(),
        );
        v.table(
            "on_recovered",
            self.on_recovered.as_deref().unwrap_or_default(),
        );
        if self.enabled && self.slack > self.interval / 10 {
            v.warn_against(
                "slack",
                &["interval"],
                duration(self.slack),
                format!(
                    "over a tenth of `interval` ({}): each run may start, and each timeout be \
                     judged, this much late",
                    duration(self.interval).trim_matches('"')
                ),
            );
        }
        if self.enabled && self.jitter >= self.interval && !self.interval.is_zero() {
            v.warn_against(
                "jitter",
                &["interval"],
                duration(self.jitter),
                format!(
                    "at least `interval` ({}): each run may start this much late, past the \
                     next one's time, so a dead peer may go unnoticed for `interval` + \
                     `jitter` + `timeout`",
                    duration(self.interval).trim_matches('"')
                ),
            );
        }
        if self.enabled && self.timeout > self.interval && !self.interval.is_zero() {
            v.warn_against(
                "timeout",
                &["interval"],
                duration(self.timeout),
                format!(
                    "longer than `interval` ({}): a dead peer is noticed only after the \
                     timeout, and the next run waits for this one, so the check runs less \
                     often than the interval says",
                    duration(self.interval).trim_matches('"')
                ),
            );
        }
    }
}
