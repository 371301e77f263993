//! Risky but legal values load, with a `tracing` warning that names the key, the value,
//! its source, and says why it is risky.

mod support;

use std::time::Duration;

use support::config::{capture, jail, warnings};
use ws_health::Config;

#[test]
fn a_timeout_longer_than_the_interval_warns() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"10s\"\ntimeout = \"15s\"",
        )
        .unwrap();
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert_eq!(
            config.unwrap().ping.timeout,
            Duration::from_secs(15),
            "accepted"
        );
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        let w = warned[0];
        assert_eq!(w.field("key"), "ping.timeout");
        assert_eq!(w.field("value"), "\"15s\"");
        assert!(w.field("source").contains("ws-health.toml"), "{w:?}");
        assert!(w.message.contains("longer than `interval` (10s)"), "{w:?}");
        assert!(
            w.message.contains("dead peer is noticed only after"),
            "{w:?}"
        );
    });
}

#[test]
fn a_jitter_as_long_as_the_interval_warns() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"10s\"\ntimeout = \"5s\"\njitter = \"1y\"",
        )
        .unwrap();
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert!(config.is_ok(), "accepted");
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        let w = warned[0];
        assert_eq!(w.field("key"), "ping.jitter");
        assert!(w.message.contains("at least `interval` (10s)"), "{w:?}");
        assert!(w.message.contains("a dead peer may go unnoticed"), "{w:?}");

        // Under the interval: quiet.
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"10s\"\ntimeout = \"5s\"\njitter = \"9s\"",
        )
        .unwrap();
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert!(config.is_ok());
        assert!(warnings(&events).is_empty(), "{events:?}");
    });
}

#[test]
fn a_user_check_timeout_longer_than_its_interval_warns_from_the_environment() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_CHECKS__FEED__TIMEOUT", "2m");
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert!(config.is_ok());
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        assert_eq!(warned[0].field("key"), "checks.feed.timeout");
        assert!(
            warned[0]
                .field("source")
                .contains("WS_HEALTH_CHECKS__FEED__TIMEOUT"),
            "{:?}",
            warned[0]
        );
    });
}

#[test]
fn a_ping_interval_of_60_seconds_or_more_warns_about_proxies() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_PING__INTERVAL", "60s");
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert!(config.is_ok());
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        let w = warned[0];
        assert_eq!(w.field("key"), "ping.interval");
        assert_eq!(w.field("value"), "\"1m\"");
        assert!(
            w.field("source").contains("WS_HEALTH_PING__INTERVAL"),
            "{w:?}"
        );
        assert!(w.message.contains("proxy idle timeouts"), "{w:?}");
    });
}

#[test]
fn just_under_60_seconds_and_the_defaults_are_quiet() {
    jail(|jail| {
        let (_, events) = capture(|| Config::from(Config::figment()).unwrap());
        assert!(warnings(&events).is_empty(), "{events:?}");
        jail.set_env("WS_HEALTH_PING__INTERVAL", "59s");
        let (_, events) = capture(|| Config::from(Config::figment()).unwrap());
        assert!(warnings(&events).is_empty(), "{events:?}");
    });
}

#[test]
fn a_disabled_ping_check_is_not_risky() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[ping]\nenabled = false\ninterval = \"5m\"\ntimeout = \"10m\"",
        )
        .unwrap();
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert!(!config.unwrap().ping.enabled);
        assert!(warnings(&events).is_empty(), "{events:?}");
    });
}

/// A `[checks.NAME]` table no registered check reads (a typo) warns at build and at reload,
/// naming the table and the nearest registered check, instead of leaving the check at its
/// defaults in silence.
#[test]
fn a_check_table_no_check_reads_warns_at_build_and_reload() {
    use ws_health::{async_trait, CheckContext, Health, HealthCheck, Supervisor};
    struct Feed;
    #[async_trait]
    impl HealthCheck for Feed {
        async fn check(&self, _: &CheckContext) -> Health {
            Health::healthy("flowing")
        }
    }
    jail(|jail| {
        jail.create_file("ws-health.toml", "[checks.fed]\ntimeout = \"1s\"")
            .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let (supervisor, events) = capture(|| {
            Supervisor::builder()
                .with_config(&config)
                .with_check("feed", Feed, config.check("feed"))
                .build()
        });
        let supervisor = supervisor.unwrap();
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        assert_eq!(warned[0].field("key"), "checks.fed");
        assert!(
            warned[0].message.contains("did you mean `feed`?"),
            "{:?}",
            warned[0]
        );

        let (reloaded, events) = capture(|| supervisor.reload(&config));
        reloaded.unwrap();
        assert_eq!(warnings(&events).len(), 1, "{events:?}");

        // No check of the application's: the tables are another program's (the CLI reading
        // an application's file), not typos.
        let (built, events) = capture(|| Supervisor::builder().with_config(&config).build());
        built.unwrap();
        assert!(warnings(&events).is_empty(), "{events:?}");

        // A table a check reads: no warning.
        let (built, events) = capture(|| {
            Supervisor::builder()
                .with_config(&config)
                .with_check("fed", Feed, config.check("fed"))
                .build()
        });
        built.unwrap();
        assert!(warnings(&events).is_empty(), "{events:?}");
    });
}

/// Supervisors built one per client from one file warn of a table no check reads once in the
/// process, not once each (300 clients logged 1,213 such lines); a reload warns every time.
/// The table is this test's own: the once is per process.
#[test]
fn a_check_table_no_check_reads_warns_once_however_many_supervisors_read_it() {
    use ws_health::{async_trait, CheckContext, Health, HealthCheck, Supervisor};
    struct Stock;
    #[async_trait]
    impl HealthCheck for Stock {
        async fn check(&self, _: &CheckContext) -> Health {
            Health::healthy("fresh")
        }
    }
    jail(|jail| {
        jail.create_file("ws-health.toml", "[checks.stok]\ntimeout = \"1s\"")
            .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let build = || {
            Supervisor::builder()
                .with_config(&config)
                .with_check("stock", Stock, config.check("stock"))
                .build()
        };
        let (built, events) = capture(|| (0..3).map(|_| build()).collect::<Vec<_>>());
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        assert_eq!(warned[0].field("key"), "checks.stok");
        for supervisor in built {
            let (reloaded, events) = capture(|| supervisor.unwrap().reload(&config));
            reloaded.unwrap();
            assert_eq!(warnings(&events).len(), 1, "{events:?}");
        }
    });
}

/// `[checks.ping]` is never read (the ping check's table is `[ping]`): it warns, pointing
/// at `[ping]`, with or without checks of the application's.
#[test]
fn a_checks_ping_table_warns_pointing_at_ping() {
    jail(|jail| {
        jail.create_file("ws-health.toml", "[checks.ping]\ntimeout = \"5s\"")
            .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let (built, events) = capture(|| {
            ws_health::Supervisor::builder()
                .with_config(&config)
                .build()
        });
        built.unwrap();
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        assert_eq!(warned[0].field("key"), "checks.ping");
        assert!(
            warned[0].message.contains("did you mean `[ping]`?"),
            "{:?}",
            warned[0]
        );
    });
}

/// A warning about a value nobody set names the defaults as its source, and the key set
/// that made it risky with its own.
#[test]
fn a_default_made_risky_by_another_key_is_named_as_the_default() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_PING__INTERVAL", "1s");
        let (config, events) = capture(|| Config::from(Config::figment()));
        assert!(config.is_ok());
        let warned = warnings(&events);
        assert_eq!(warned.len(), 1, "{events:?}");
        let w = warned[0];
        assert_eq!(w.field("key"), "ping.timeout");
        assert!(w.field("source").contains("built-in defaults"), "{w:?}");
        assert!(w.message.contains("WS_HEALTH_PING__INTERVAL"), "{w:?}");
    });
}

/// A key a file or the environment does not set, in a table it does, is the default's: the
/// warning does not name a source for it that does not have it, and names the key that was
/// set with its own source.
#[test]
fn a_default_key_in_a_table_set_elsewhere_is_named_as_the_default() {
    for (file, env) in [
        (Some("[checks.session]\ninterval = \"1s\""), None),
        (None, Some(("WS_HEALTH_CHECKS__SESSION__INTERVAL", "1s"))),
    ] {
        jail(|jail| {
            if let Some(file) = file {
                jail.create_file("ws-health.toml", file).unwrap();
            }
            if let Some((name, value)) = env {
                jail.set_env(name, value);
            }
            let (config, events) = capture(|| Config::from(Config::figment()));
            assert!(config.is_ok());
            let warned = warnings(&events);
            assert_eq!(warned.len(), 1, "{events:?}");
            let w = warned[0];
            assert_eq!(w.field("key"), "checks.session.timeout");
            let source = w.field("source");
            assert!(source.starts_with("from the defaults; "), "{w:?}");
            let set_by = match env {
                Some(_) => {
                    "`checks.session.interval` from environment variable \
                            `WS_HEALTH_CHECKS__SESSION__INTERVAL`"
                }
                None => "`checks.session.interval` from TOML file",
            };
            assert!(source.contains(set_by), "{w:?}");
        });
    }
}
