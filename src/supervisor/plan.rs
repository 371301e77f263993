//! What a supervisor runs on each connection: checks, their settings, the policy.

use std::any::TypeId;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use crate::check::{HealthCheck, PingCheck};
use crate::config::{Queues, Validate, Validator};
use crate::policy::{Action, CustomAction, Policy, Rule, Transition};
use crate::sync::lock;
use crate::{CheckSettings, Config, Error, Result, Status};

/// The name of the built-in ping/pong check.
pub(crate) const PING: &str = "ping";

#[derive(Clone)]
pub(crate) struct PlannedCheck {
    pub(crate) name: Arc<str>,
    pub(crate) check: Arc<dyn HealthCheck>,
    pub(crate) settings: CheckSettings,
    /// What a reload without its table gives it: the settings it was registered with, or the
    /// defaults if those were its table's (`config.check(name)`).
    pub(crate) registered: CheckSettings,
    /// The check is the built-in [`PingCheck`], which the driver runs inline: no boxed
    /// future per run, so a ping cycle allocates nothing.
    pub(crate) inline_ping: bool,
    /// Its settings were given in code, other than its table's (`with_ping_settings`, or
    /// `with_check` with settings of its own): a reload that replaces them warns.
    pub(crate) in_code: bool,
}

impl PlannedCheck {
    pub(crate) fn new<C: HealthCheck>(name: Arc<str>, check: C, settings: CheckSettings) -> Self {
        PlannedCheck {
            name,
            check: Arc::new(check),
            registered: settings.clone(),
            settings,
            inline_ping: is_builtin_ping::<C>(),
            in_code: false,
        }
    }
}

/// `PingCheck` holds nothing, so a shared or boxed one is the same check.
fn is_builtin_ping<C: 'static>() -> bool {
    let c = TypeId::of::<C>();
    c == TypeId::of::<PingCheck>()
        || c == TypeId::of::<Arc<PingCheck>>()
        || c == TypeId::of::<Box<PingCheck>>()
}

#[derive(Clone)]
pub(crate) struct Plan {
    /// Enabled or not, in registration order; the ping check first.
    pub(crate) checks: Vec<PlannedCheck>,
    pub(crate) policy: Policy,
    pub(crate) custom: HashMap<String, Arc<dyn CustomAction>>,
    pub(crate) queues: Queues,
    /// The largest message the application may send (`socket.max_message_size`).
    pub(crate) max_message_size: Option<usize>,
    pub(crate) in_code: InCode,
}

/// Whether the policy and queue sizes are the application's, set in code to other values
/// than the configuration gave (`with_policy`, `with_queues` after `with_config`): a reload
/// replaces them, and warns where that changes a value, as an adjustment that lasted until the
/// first SIGHUP is easy to miss. Each check keeps its own ([`PlannedCheck::in_code`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct InCode {
    pub(crate) policy: bool,
    pub(crate) queues: bool,
}

impl Plan {
    pub(crate) fn check_names(&self) -> impl Iterator<Item = &str> {
        self.checks.iter().map(|c| &*c.name)
    }

    pub(crate) fn rules(&self) -> impl Iterator<Item = Rule> + '_ {
        self.checks.iter().map(|c| c.settings.rule())
    }

    /// Each check's rule, `None` for a disabled one, for
    /// [`PolicyEngine::reload`](crate::policy::PolicyEngine::reload).
    pub(crate) fn reload_rules(&self) -> impl Iterator<Item = Option<Rule>> + '_ {
        self.checks
            .iter()
            .map(|c| c.settings.enabled.then(|| c.settings.rule()))
    }

    /// The actions due when check `index` moved the connection through `transition`: the
    /// check's own, else the policy's.
    pub(crate) fn actions(&self, index: usize, transition: Transition) -> &[Action] {
        let (own, default) = self.actions_for(index, transition);
        own.unwrap_or(default)
    }

    /// The actions due when a reload from `old` moved the connection through `transition`,
    /// owed to check `index`: none if the check had the same own actions for that change
    /// before (they follow its status, which the reload did not change: they ran when it
    /// changed, or are not due); else those of [`actions`](Plan::actions), the check's new own
    /// or the policy's.
    pub(crate) fn reload_actions(
        &self,
        old: &Plan,
        index: usize,
        transition: Transition,
    ) -> &[Action] {
        let own = self.own_actions(index, transition);
        if own.is_some() && own == old.own_actions(index, transition) {
            return &[];
        }
        self.actions(index, transition)
    }

    /// The check's own actions for a change of its status, if it has any.
    pub(crate) fn own_actions(&self, index: usize, transition: Transition) -> Option<&[Action]> {
        self.actions_for(index, transition).0
    }

    fn actions_for(&self, index: usize, transition: Transition) -> (Option<&[Action]>, &[Action]) {
        let settings = &self.checks[index].settings;
        let (own, default) = if transition.to < transition.from {
            (&settings.on_recovered, &self.policy.on_recovered)
        } else if transition.to == Status::Unhealthy {
            (&settings.on_unhealthy, &self.policy.on_unhealthy)
        } else {
            (&settings.on_degraded, &self.policy.on_degraded)
        };
        // A disabled check (one a reload turned off) has no actions of its own left to run.
        (own.as_deref().filter(|_| settings.enabled), default)
    }

    /// Checks the whole plan; errors name the check and key at fault.
    pub(crate) fn validate(&self) -> Result<()> {
        for (i, check) in self.checks.iter().enumerate() {
            check.settings.validate(&check.name)?;
            if self.checks[..i].iter().any(|c| c.name == check.name) {
                return Err(Error::invalid(format!(
                    "two checks are named `{}`; names must be unique",
                    check.name
                )));
            }
        }
        self.policy.validate()?;
        let mut queues = Validator::in_code(&["queues"]);
        self.queues.report(&mut queues);
        queues.into_result()?;
        for (_, actions) in self.action_lists() {
            actions.iter().try_for_each(Action::validate)?;
        }
        let mut unregistered = Validator::in_code(&[]);
        self.report_unregistered(&mut unregistered);
        unregistered.into_result()
    }

    /// Every list of actions with its table's path: the policy's, then each check's own.
    fn action_lists(&self) -> impl Iterator<Item = (Vec<&str>, &[Action])> {
        let policy = &self.policy;
        let lists = [
            ("on_degraded", Some(&policy.on_degraded)),
            ("on_unhealthy", Some(&policy.on_unhealthy)),
            ("on_recovered", Some(&policy.on_recovered)),
        ]
        .map(|(key, list)| (vec!["policy", key], list));
        let own = self.checks.iter().flat_map(|c| {
            let s = &c.settings;
            // The ping check's table is `[ping]`; the others', `[checks.NAME]`.
            let table = match &*c.name {
                PING => vec![PING],
                name => vec!["checks", name],
            };
            [
                ("on_degraded", s.on_degraded.as_ref()),
                ("on_unhealthy", s.on_unhealthy.as_ref()),
                ("on_recovered", s.on_recovered.as_ref()),
            ]
            .map(|(key, list)| ([table.as_slice(), &[key]].concat(), list))
        });
        lists
            .into_iter()
            .chain(own)
            .filter_map(|(path, list)| Some((path, list?.as_slice())))
    }

    /// Reports every custom action the lists name that the supervisor does not have, at its
    /// key (`policy.on_unhealthy[0].name`), so that a reload can name the file it came from.
    pub(crate) fn report_unregistered(&self, v: &mut Validator) {
        let mut known: Vec<_> = self.custom.keys().map(String::as_str).collect();
        known.sort_unstable();
        for (path, actions) in self.action_lists() {
            for (i, action) in actions.iter().enumerate() {
                let Action::Custom { name } = action else {
                    continue;
                };
                if self.custom.contains_key(name) {
                    continue;
                }
                let hint = crate::config::nearest(name, known.iter().copied())
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                let reason = format!(
                    "custom action `{name}` is not registered ({hint}registered: {known:?}; \
                     register it with `SupervisorBuilder::with_custom_action`)"
                );
                let index = i.to_string();
                let at = [path.as_slice(), &[&index]].concat();
                v.scope_path(&at, |v| v.error("name", format!("{name:?}"), reason));
            }
        }
    }

    /// Warns about `[checks.NAME]` tables no check reads: a typo (`[checks.fed]` for `feed`)
    /// would otherwise leave the check at its defaults in silence. Only where the application
    /// registered checks of its own: without, the tables are another program's (`ws-health
    /// probe` reading an application's file). `[checks.ping]` always: the ping check reads
    /// `[ping]`.
    ///
    /// `once`: at a build, each table is warned of once per process for the same checks, as an
    /// application that builds a supervisor per client from one file would repeat it for every
    /// client (1,213 lines for 300 clients). A reload, an operator's act, always warns.
    pub(crate) fn warn_unread_tables<'a>(
        &self,
        configured: impl IntoIterator<Item = &'a String>,
        once: bool,
    ) {
        /// The tables warned of at a build, with the checks then registered.
        static WARNED: Mutex<BTreeSet<(String, Vec<String>)>> = Mutex::new(BTreeSet::new());
        let user_checks = || self.checks.iter().map(|c| &*c.name).filter(|&n| n != PING);
        let has_user_checks = user_checks().next().is_some();
        for table in configured {
            let unread = match table.as_str() {
                PING => true,
                name => has_user_checks && !user_checks().any(|check| check == name),
            };
            if !unread {
                continue;
            }
            // Sorted: the same checks registered in another order are the same application.
            let mut registered: Vec<String> = user_checks().map(str::to_owned).collect();
            registered.sort_unstable();
            if once && !lock(&WARNED).insert((table.clone(), registered)) {
                continue;
            }
            let hint = match crate::config::nearest(table, user_checks().chain([PING])) {
                Some(PING) => " (did you mean `[ping]`?)".to_owned(),
                Some(name) => format!(" (did you mean `{name}`?)"),
                None => String::new(),
            };
            let key = crate::config::dotted(&["checks", table]);
            tracing::warn!(
                key,
                registered = ?user_checks().collect::<Vec<_>>(),
                "`{key}` configures no check registered with this supervisor, which ignores \
                 it{hint}"
            );
        }
    }

    /// This plan with the timings, policy and queue sizes of `config`, as `with_config` takes
    /// them, and each check's table (one without a table gets the settings it was registered
    /// with); the checks stay, and so does the send limit: it is the transport's, built with
    /// the old `[socket]`.
    pub(crate) fn reconfigured(&self, config: &Config) -> Result<Plan> {
        let plan = self.applied(config);
        plan.validate()?;
        plan.warn_unread_tables(config.checks.keys(), false);
        self.warn_replaced_in_code(&plan);
        Ok(plan)
    }

    /// Warns of each value set in code that the reload to `new` replaces with another.
    fn warn_replaced_in_code(&self, new: &Plan) {
        let checks = self.checks.iter().zip(&new.checks);
        let checks = checks.filter(|(old, new)| old.in_code && old.settings != new.settings);
        for (check, _) in checks {
            let (table, method) = match &*check.name {
                PING => (PING.to_owned(), "with_ping_settings"),
                name => (format!("checks.{name}"), "with_check"),
            };
            warn_replaced(&table, method);
        }
        if self.in_code.policy && self.policy != new.policy {
            warn_replaced("policy", "with_policy");
        }
        if self.in_code.queues && self.queues != new.queues {
            warn_replaced("queues", "with_queues");
        }
    }

    /// This plan with `config`'s settings and policy, as [`reconfigured`](Self::reconfigured)
    /// makes it, unchecked.
    pub(crate) fn applied(&self, config: &Config) -> Plan {
        let mut plan = self.clone();
        plan.policy = config.policy.clone();
        plan.queues = config.queues;
        for check in &mut plan.checks {
            if &*check.name == PING {
                check.settings = config.ping.clone();
                check.in_code = false;
            } else {
                let table = config.checks.get(&*check.name);
                check.settings = table.unwrap_or(&check.registered).clone();
                // Without a table, the settings given in code (if any) are back.
                check.in_code = table.is_none() && check.registered != CheckSettings::default();
            }
        }
        plan.in_code = InCode::default();
        plan
    }
}

/// Warns that a reload replaced what `SupervisorBuilder::{method}` set for `[table]`.
fn warn_replaced(table: &str, method: &str) {
    tracing::warn!(
        table,
        "a reload replaced what `SupervisorBuilder::{method}` set in code with the \
         configuration's [{table}]; to keep an adjustment across reloads, make it to the \
         `Config` and apply that with `Supervisor::reload`"
    );
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::policy::Policy;

    fn plan(feed: CheckSettings) -> Plan {
        Plan {
            checks: vec![PlannedCheck::new("feed".into(), PingCheck, feed)],
            policy: Policy::default(),
            custom: HashMap::new(),
            queues: Queues::default(),
            max_message_size: None,
            in_code: InCode::default(),
        }
    }

    /// A check registered with its table's settings (`config.check(name)`) gets the
    /// defaults, as `config.check(name)` would, when a reload finds the table gone; one
    /// registered with settings of its own keeps them.
    #[test]
    fn a_check_registered_from_its_table_gets_the_defaults_when_it_goes() {
        let secs = Duration::from_secs;
        let mut config = Config::default();
        let off = CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        };
        config.checks.insert("feed".into(), off.clone());
        let own = CheckSettings::every(secs(1), secs(1));
        let supervisor = crate::Supervisor::builder()
            .with_config(&config)
            .with_check("feed", PingCheck, config.check("feed"))
            .with_check("own", PingCheck, own.clone())
            .build()
            .unwrap();
        supervisor.reload(&Config::default()).unwrap();
        let plan = supervisor.plan.borrow();
        assert_eq!(plan.checks[1].settings, CheckSettings::default());
        assert_eq!(plan.checks[2].settings, own);
    }

    /// A reload gives a check its table, and one without a table the settings it was
    /// registered with: deleting a table undoes it, not the last reload's.
    #[test]
    fn a_check_without_a_table_gets_the_settings_it_was_registered_with() {
        let secs = Duration::from_secs;
        let registered = CheckSettings::every(secs(1), secs(1));
        let plan = plan(registered.clone());
        let mut config = Config::default();
        let off = CheckSettings {
            enabled: false,
            ..CheckSettings::default()
        };
        config.checks.insert("feed".into(), off.clone());
        let reloaded = plan.reconfigured(&config).unwrap();
        assert_eq!(reloaded.checks[0].settings, off);

        let reloaded = reloaded.reconfigured(&Config::default()).unwrap();
        assert_eq!(reloaded.checks[0].settings, registered);
    }
}
