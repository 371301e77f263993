//! A fan-out server that also consumes its upstream builds two supervisors from one file: the
//! server's registers `backlog`, its upstream client's `feed`. Each warns of the other's table
//! (docs/configuration.md says so), and the warning must not claim what is false: the table is
//! read, by the other supervisor. It said "`checks.feed` configures no registered check, so it
//! is ignored"; it now says that this supervisor has no such check and ignores it.

mod support;

use std::time::Duration;

use support::config::{capture, jail, warnings};
use ws_health::{check, Config, Health, Supervisor};

#[test]
fn the_warning_says_this_supervisor_ignores_the_table_not_that_it_is_ignored() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[checks.backlog]\nfailure_threshold = 3\n[checks.feed]\ninterval = \"500ms\"",
        )
        .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let feed = check::from_fn(|ctx| match ctx.stats().data_idle > Duration::from_secs(3) {
            true => Health::unhealthy("feed stale"),
            false => Health::healthy("feed flowing"),
        });
        let (upstream, events) = capture(|| {
            Supervisor::builder()
                .with_config(&config)
                .with_check("feed", feed, config.check("feed"))
                .build()
        });
        upstream.unwrap();
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        assert_eq!(warned[0].field("key"), "checks.backlog");
        let message = &warned[0].message;
        assert!(
            message.contains("no check registered with this supervisor"),
            "{message}"
        );
        assert!(!message.contains("so it is ignored"), "{message}");
    });
}
