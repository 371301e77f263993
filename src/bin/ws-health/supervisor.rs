//! The supervisor both commands run: the configuration's, with a stand-in for each custom
//! action it names. A custom action is the application's code, which the CLI does not have;
//! without the stand-ins, an application's own file could not be served or probed with.

use std::collections::BTreeSet;

use ws_health::config::CheckSettings;
use ws_health::policy::{Action, ActionEvent};
use ws_health::{Config, Supervisor};

use crate::Failure;

pub(crate) fn build(config: &Config) -> Result<Supervisor, Failure> {
    let mut builder = Supervisor::builder().with_config(config);
    for name in custom_actions(config) {
        builder = builder.with_custom_action(name.clone(), move |event: &ActionEvent<'_>| {
            // The connection, where a filter dropped its span (`RUST_LOG=warn`), which else
            // names it: as the library's own warnings do. The action runs in that span.
            let span_off = tracing::Span::current().is_disabled();
            let id = span_off.then_some(event.connection_id);
            let peer = event.peer.filter(|_| span_off).map(tracing::field::display);
            tracing::warn!(
                id,
                peer,
                action = %name,
                check = event.check,
                from = %event.from,
                to = %event.to,
                reason = event.health.reason(),
                "custom action: the application's, which ws-health only logs"
            );
        });
    }
    builder.build().map_err(Failure::usage)
}

/// The names of the custom actions in the policy's lists and in every check's own.
fn custom_actions(config: &Config) -> BTreeSet<String> {
    let policy = &config.policy;
    let own = |s: &CheckSettings| {
        let lists = [&s.on_degraded, &s.on_unhealthy, &s.on_recovered];
        lists
            .into_iter()
            .flatten()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
    };
    let checks = std::iter::once(&config.ping).chain(config.checks.values());
    [
        &policy.on_degraded,
        &policy.on_unhealthy,
        &policy.on_recovered,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .chain(checks.flat_map(own))
    .filter_map(|action| match action {
        Action::Custom { name } => Some(name),
        _ => None,
    })
    .collect()
}
