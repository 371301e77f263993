//! Building a [`Supervisor`].

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use super::plan::{InCode, Plan, PlannedCheck, PING};
use super::Supervisor;
use crate::check::{HealthCheck, PingCheck};
use crate::config::{Queues, SocketConfig};
use crate::policy::{CustomAction, Policy};
use crate::{CheckSettings, Config, Result};

/// Builds a [`Supervisor`]: the ping check, user checks, policy and custom actions.
///
/// # Default
/// The [`PingCheck`] with [`CheckSettings::default`] (every 20 s, 20 s timeout),
/// [`Policy::default`] (Unhealthy closes with 1011) and queues of 64 messages and 8 MiB each
/// way.
///
/// ```
/// use std::time::Duration;
/// use ws_health::{CheckSettings, Supervisor};
///
/// let supervisor = Supervisor::builder()
///     .with_ping_settings(CheckSettings::every(Duration::from_secs(5), Duration::from_secs(3)))
///     .build()?;
/// # drop(supervisor);
/// # Ok::<_, ws_health::Error>(())
/// ```
#[must_use]
pub struct SupervisorBuilder {
    ping: PlannedCheck,
    checks: Vec<PlannedCheck>,
    policy: Policy,
    custom: HashMap<String, Arc<dyn CustomAction>>,
    queues: Queues,
    max_message_size: Option<usize>,
    /// The configuration's `[checks.*]` tables: to warn about those no check registered
    /// reads, and to tell a check registered with its table's settings.
    configured: BTreeMap<String, CheckSettings>,
    /// What `with_config` gave (the defaults before it): what differs at the build was set
    /// in code, and a reload that replaces it warns.
    given: Given,
}

/// The ping settings, policy and queue sizes `with_config` gave.
#[derive(Default)]
struct Given {
    ping: CheckSettings,
    policy: Policy,
    queues: Queues,
}

impl Default for SupervisorBuilder {
    fn default() -> Self {
        SupervisorBuilder {
            ping: PlannedCheck::new(PING.into(), PingCheck, CheckSettings::default()),
            checks: Vec::new(),
            policy: Policy::default(),
            custom: HashMap::new(),
            queues: Queues::default(),
            max_message_size: SocketConfig::default().max_message_size,
            configured: BTreeMap::new(),
            given: Given::default(),
        }
    }
}

impl SupervisorBuilder {
    /// Takes the ping settings, policy, queue sizes and send limit from `config`. User
    /// checks read their own tables with [`Config::check`].
    ///
    /// Each `with_*` call sets what it names, and a later call wins: call `with_config`
    /// first and adjust after it (`with_ping_settings`, `with_policy`, `with_queues`,
    /// `with_max_message_size` before it are replaced by the configuration's).
    /// [`with_ping`](Self::with_ping) keeps the settings, whichever comes first.
    pub fn with_config(mut self, config: &Config) -> Self {
        self.ping.settings = config.ping.clone();
        self.policy = config.policy.clone();
        self.queues = config.queues;
        self.max_message_size = config.socket.max_message_size;
        self.configured = config.checks.clone();
        self.given = Given {
            ping: config.ping.clone(),
            policy: config.policy.clone(),
            queues: config.queues,
        };
        self
    }

    /// Replaces the implementation of the built-in ping check (named `"ping"`), e.g. with
    /// one that overrides [`HealthCheck::judge`].
    pub fn with_ping(mut self, check: impl HealthCheck) -> Self {
        self.ping = PlannedCheck::new(PING.into(), check, self.ping.settings);
        self
    }

    /// Sets the ping check's timing, thresholds and actions.
    pub fn with_ping_settings(mut self, settings: CheckSettings) -> Self {
        self.ping.settings = settings;
        self
    }

    /// Adds a check under `name`, with its settings (e.g. `config.check(name)`).
    pub fn with_check(
        mut self,
        name: impl Into<String>,
        check: impl HealthCheck,
        settings: CheckSettings,
    ) -> Self {
        self.checks
            .push(PlannedCheck::new(name.into().into(), check, settings));
        self
    }

    /// Sets the connection-wide policy.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Registers a custom action under `name`, for policies to name.
    pub fn with_custom_action(
        mut self,
        name: impl Into<String>,
        action: impl CustomAction,
    ) -> Self {
        self.custom.insert(name.into(), Arc::new(action));
        self
    }

    /// Sets the inbound and outbound queue sizes, in messages; [`build`](Self::build)
    /// refuses a size of 0, as loading a configuration does.
    ///
    /// ```
    /// use ws_health::config::Queues;
    ///
    /// let none = Queues { inbound: 0, ..Queues::default() };
    /// let err = ws_health::Supervisor::builder().with_queues(none).build().unwrap_err();
    /// assert!(err.to_string().contains("`queues.inbound`"), "{err}");
    /// ```
    pub fn with_queues(mut self, queues: Queues) -> Self {
        self.queues = queues;
        self
    }

    /// Sets the largest message the application may send; `send` refuses a larger one with an
    /// error. It bounds sending only: what the peer may send is the transport's limit, the
    /// runtime's `socket.max_message_size` (`ServerBuilder::with_socket_config`,
    /// `ClientBuilder::with_socket_config`), and the runtime's builders warn when the two differ.
    /// `with_config` sets both from one configuration. `None` lets any size through: the runtime's
    /// builders then require an unbounded write buffer (`max_write_buffer_size: usize::MAX`).
    pub fn with_max_message_size(mut self, max: Option<usize>) -> Self {
        self.max_message_size = max;
        self
    }

    /// Validates everything and builds the supervisor.
    ///
    /// # Errors
    /// A zero interval or timeout, a duplicate or reserved check name, an invalid close code
    /// or reason, a custom action that is named but not registered, or a queue of size 0.
    pub fn build(self) -> Result<Supervisor> {
        let mut checks = Vec::with_capacity(self.checks.len() + 1);
        checks.push(self.ping);
        for mut check in self.checks {
            // Registered with `config.check(name)`: a reload that finds the table gone gives
            // what `config.check(name)` would, the defaults.
            let table = self.configured.get(&*check.name);
            if table == Some(&check.settings) {
                check.registered = CheckSettings::default();
            }
            check.in_code = check.settings != table.cloned().unwrap_or_default();
            checks.push(check);
        }
        checks[0].in_code = checks[0].settings != self.given.ping;
        let in_code = InCode {
            policy: self.policy != self.given.policy,
            queues: self.queues != self.given.queues,
        };
        let plan = Plan {
            checks,
            policy: self.policy,
            custom: self.custom,
            queues: self.queues,
            max_message_size: self.max_message_size,
            in_code,
        };
        plan.validate()?;
        plan.warn_unread_tables(self.configured.keys(), true);
        Ok(Supervisor::from_plan(plan))
    }
}

impl fmt::Debug for SupervisorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorBuilder")
            .field("ping_settings", &self.ping.settings)
            .field(
                "checks",
                &self.checks.iter().map(|c| &*c.name).collect::<Vec<_>>(),
            )
            .field("policy", &self.policy)
            .finish()
    }
}
