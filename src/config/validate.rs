//! Validation: every value checked, every problem named by its dotted key.
//!
//! Each table implements [`Validate`] next to its definition (`check.rs`, `socket.rs`, …),
//! and [`Config`]'s implementation below lists the tables. Adding a table is one line
//! there: `v.table("server", &self.server);` for a table implementing [`Validate`], or
//! `v.result("server", "…", self.server.validate());` for one with a plain
//! `fn validate(&self) -> Result<()>`. Unknown keys and unparsable values of a new table
//! need nothing: serde and figment report them, and the messages come from `diagnose.rs`.
//!
//! Problems are collected, not returned at the first, so that one run reports everything
//! wrong. Errors make loading fail; warnings are risky but legal values, logged with the
//! reason when the configuration is loaded.
//!
//! A configuration's durations are at most [`Config::MAX_DURATION`]; a table checked on its
//! own, as built in code ([`Validator::in_code`]), may use `Duration::MAX` for "never".

use std::fmt::{self, Display};
use std::time::Duration;

use super::written::{dotted, duration};
use crate::config::Config;
use crate::frame::{check_close_code, check_close_reason};
use crate::policy::{Action, Policy};
use crate::Result;

/// Something wrong (or risky) with one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    /// The value's path: table names, keys, and array indices as decimal strings.
    pub(crate) path: Vec<String>,
    /// The offending value, as written in TOML.
    pub(crate) value: String,
    /// What is wrong, and what to do about it.
    pub(crate) reason: String,
    /// The paths of other keys whose values make this one wrong (`client.backoff.initial`
    /// for a `max` below it): their sources are named too.
    pub(crate) related: Vec<Vec<String>>,
}

impl Problem {
    /// The dotted key, with array indices in brackets: `policy.on_unhealthy[0].code`.
    pub(crate) fn key(&self) -> String {
        dotted(&self.path)
    }
}

impl Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` = {}: {}", self.key(), self.value, self.reason)
    }
}

/// Collects [`Problem`]s while walking a configuration.
#[derive(Debug)]
pub(crate) struct Validator {
    /// The table being walked, from the top.
    pub(super) path: Vec<String>,
    pub(crate) errors: Vec<Problem>,
    pub(crate) warnings: Vec<Problem>,
    /// Durations over [`Config::MAX_DURATION`] are errors: off for values built in code.
    limit_durations: bool,
}

/// A validator for a whole configuration: keys from the top, durations limited.
impl Default for Validator {
    fn default() -> Self {
        Validator {
            path: Vec::new(),
            errors: Vec::new(),
            warnings: Vec::new(),
            limit_durations: true,
        }
    }
}

/// A configuration table that can check its own values.
pub(crate) trait Validate {
    /// Reports every problem of `self` to `v`, with keys relative to this table.
    fn report(&self, v: &mut Validator);
}

impl Validator {
    /// A validator for one table built in code, whose keys start at `prefix` (e.g.
    /// `["checks", "feed"]`). Its durations are not limited: in code, `Duration::MAX` means
    /// "never", and the driver meets such a deadline decades on instead of panicking.
    pub(crate) fn in_code(prefix: &[&str]) -> Self {
        Validator {
            path: prefix.iter().map(|s| s.to_string()).collect(),
            limit_durations: false,
            ..Validator::default()
        }
    }

    /// Validates `table` under `key`.
    pub(crate) fn table<T: Validate + ?Sized>(&mut self, key: impl Display, table: &T) {
        self.scope(key, |v| table.report(v));
    }

    /// Runs `f` with keys relative to `key` of the current table.
    pub(crate) fn scope(&mut self, key: impl Display, f: impl FnOnce(&mut Self)) {
        self.path.push(key.to_string());
        f(self);
        self.path.pop();
    }

    /// Runs `f` with keys relative to `path` (keys and array indices) below the current table.
    pub(crate) fn scope_path<S: Display>(&mut self, path: &[S], f: impl FnOnce(&mut Self)) {
        let depth = self.path.len();
        self.path.extend(path.iter().map(ToString::to_string));
        f(self);
        self.path.truncate(depth);
    }

    /// Records the outcome of a table validated by a plain `fn validate(&self) -> Result<()>`.
    pub(crate) fn result(&mut self, key: &str, value: impl Display, result: Result<()>) {
        if let Err(e) = result {
            self.error(key, value, e.to_string());
        }
    }

    fn problem(&self, key: &str, others: &[&str], value: impl Display, reason: String) -> Problem {
        Problem {
            path: self.path_of(key),
            value: value.to_string(),
            reason,
            related: others.iter().map(|k| self.path_of(k)).collect(),
        }
    }

    fn path_of(&self, key: &str) -> Vec<String> {
        let mut path = self.path.clone();
        path.push(key.to_string());
        path
    }

    /// Records an invalid value at `key` of the current table.
    pub(crate) fn error(&mut self, key: &str, value: impl Display, reason: impl Into<String>) {
        self.error_against(key, &[], value, reason);
    }

    /// Records a legal but risky value at `key` of the current table.
    pub(crate) fn warn(&mut self, key: &str, value: impl Display, reason: impl Into<String>) {
        self.warn_against(key, &[], value, reason);
    }

    /// As [`error`](Self::error), for a value wrong against the values of `others` (keys of
    /// the same table), whose sources the message names too.
    pub(crate) fn error_against(
        &mut self,
        key: &str,
        others: &[&str],
        value: impl Display,
        reason: impl Into<String>,
    ) {
        let problem = self.problem(key, others, value, reason.into());
        self.errors.push(problem);
    }

    /// As [`warn`](Self::warn), for a value risky against the values of `others`.
    pub(crate) fn warn_against(
        &mut self,
        key: &str,
        others: &[&str],
        value: impl Display,
        reason: impl Into<String>,
    ) {
        let problem = self.problem(key, others, value, reason.into());
        self.warnings.push(problem);
    }

    /// Requires a duration of at least a millisecond, the resolution of tokio's timers: a
    /// shorter one is met at once, every time. And [`positive`](Self::positive).
    pub(crate) fn millisecond_or_more(&mut self, key: &str, value: Duration, hint: &str) {
        self.positive(key, value, hint);
        if !value.is_zero() && value < Duration::from_millis(1) {
            self.error(
                key,
                duration(value),
                "must be at least 1ms: tokio's timers tick in milliseconds",
            );
        }
    }

    /// Requires a duration to be greater than zero, and [`bounded`](Self::bounded).
    pub(crate) fn positive(&mut self, key: &str, value: Duration, hint: &str) {
        if value.is_zero() {
            self.error(key, "\"0s\"", format!("must be greater than zero{hint}"));
        }
        self.bounded(key, value, hint);
    }

    /// Requires a configuration's duration to be at most [`Config::MAX_DURATION`]: humantime
    /// reads "400000000000y", but no clock reaches it, and a typo must not mean "never".
    pub(crate) fn bounded(&mut self, key: &str, value: Duration, hint: &str) {
        if self.limit_durations && value > Config::MAX_DURATION {
            self.error(
                key,
                duration(value),
                format!(
                    "must be at most {} (365.25 days): a longer duration is a typo, not a \
                     timing{hint}",
                    duration(Config::MAX_DURATION)
                ),
            );
        }
    }

    /// The errors found, as one [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput)
    /// error naming every key.
    pub(crate) fn into_result(self) -> Result<()> {
        match self.errors.as_slice() {
            [] => Ok(()),
            problems => Err(crate::Error::invalid(
                problems
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
        }
    }

    /// Requires a count to be greater than zero.
    pub(crate) fn nonzero(&mut self, key: &str, value: u64) {
        if value == 0 {
            self.error(key, 0, "must be greater than zero");
        }
    }
}

impl Validate for Config {
    fn report(&self, v: &mut Validator) {
        v.table("ping", &self.ping);
        v.table("checks", &self.checks);
        v.table("policy", &self.policy);
        v.table("queues", &self.queues);
        v.table("socket", &self.socket);
        v.table("server", &self.server);
        v.table("client", &self.client);
        v.scope("ping", |v| proxy_idle(v, &self.ping));
    }
}

impl<T: Validate> Validate for std::collections::BTreeMap<String, T> {
    fn report(&self, v: &mut Validator) {
        for (name, table) in self {
            v.table(name, table);
        }
    }
}

impl Policy {
    /// Checks the policy's values, as built in code (`Duration::MAX` may mean "never").
    ///
    /// # Errors
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput), naming every offending
    /// key: a zero `close_timeout`, an invalid close code or reason.
    /// [`SupervisorBuilder::build`](crate::supervisor::SupervisorBuilder::build) calls it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ws_health::policy::Policy;
    /// use ws_health::Supervisor;
    ///
    /// let hasty = Policy { close_timeout: Duration::ZERO, ..Policy::default() };
    /// let err = Supervisor::builder().with_policy(hasty).build().unwrap_err();
    /// assert!(err.to_string().contains("`policy.close_timeout`"), "{err}");
    /// ```
    pub fn validate(&self) -> Result<()> {
        let mut v = Validator::in_code(&["policy"]);
        self.report(&mut v);
        v.into_result()
    }
}

impl Validate for Policy {
    fn report(&self, v: &mut Validator) {
        v.table("on_degraded", &self.on_degraded[..]);
        v.table("on_unhealthy", &self.on_unhealthy[..]);
        v.table("on_recovered", &self.on_recovered[..]);
        v.positive("close_timeout", self.close_timeout, "");
    }
}

impl Validate for [Action] {
    fn report(&self, v: &mut Validator) {
        let mut first_close = None;
        for (i, action) in self.iter().enumerate() {
            v.table(i, action);
            if !matches!(action, Action::Close { .. } | Action::Reconnect) {
                continue;
            }
            // The connection closes at the first: a second would never run.
            match first_close {
                None => first_close = Some(i),
                Some(first) => v.error(
                    &i.to_string(),
                    closing(action),
                    format!(
                        "a second close in one list never runs: the connection closes at the \
                         first, [{first}] ({}); keep one",
                        closing(&self[first])
                    ),
                ),
            }
        }
    }
}

/// A close or reconnect as a list shows it in a message.
fn closing(action: &Action) -> String {
    match action {
        Action::Close { code, .. } => format!("close {code}"),
        _ => "reconnect".into(),
    }
}

impl Validate for Action {
    fn report(&self, v: &mut Validator) {
        if let Action::Close { code, reason } = self {
            v.result("code", code, check_close_code(*code));
            if let Some(reason) = reason {
                let shown = format!("{:?} ({} bytes)", short(reason), reason.len());
                v.result(
                    "reason",
                    shown,
                    check_close_reason(reason).map_err(|_| {
                        crate::Error::invalid(format!(
                            "a close reason is at most {} bytes (RFC 6455 §5.5.1)",
                            crate::frame::MAX_CLOSE_REASON
                        ))
                    }),
                );
            }
        }
    }
}

/// The ping check is the keepalive: a long interval lets proxies cut idle connections.
fn proxy_idle(v: &mut Validator, ping: &crate::CheckSettings) {
    if ping.enabled && ping.interval >= PROXY_IDLE {
        v.warn(
            "interval",
            duration(ping.interval),
            "an interval of 60 s or more is beyond common proxy idle timeouts (nginx \
             `proxy_read_timeout` and AWS load balancers default to 60 s): an idle \
             connection may be cut before the next ping keeps it alive",
        );
    }
}

/// The idle timeout of common proxies and load balancers.
const PROXY_IDLE: std::time::Duration = std::time::Duration::from_secs(60);

/// The first 40 characters of a long string, for messages.
fn short(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_collected_with_its_key() {
        let mut config = Config::default();
        config.policy.on_unhealthy = vec![
            Action::Log {
                level: Default::default(),
            },
            Action::Close {
                code: 1005,
                reason: Some("x".repeat(124)),
            },
        ];
        config.queues.inbound = 0;
        config.socket.write_buffer_size = config.socket.max_write_buffer_size;
        config.socket.max_message_size = None;
        let mut v = Validator::default();
        config.report(&mut v);
        let keys: Vec<_> = v.errors.iter().map(Problem::key).collect();
        assert_eq!(
            keys,
            [
                "policy.on_unhealthy[1].code",
                "policy.on_unhealthy[1].reason",
                "queues.inbound",
                "socket.max_write_buffer_size",
            ]
        );
        assert!(v.errors[1].value.contains("124 bytes"), "{}", v.errors[1]);
    }
}
