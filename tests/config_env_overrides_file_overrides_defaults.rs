//! Sources merge key by key: defaults ← `ws-health.toml` ← `WS_HEALTH_*` variables, with
//! nested keys written with `__` in variable names.

mod support;

use std::time::Duration;

use support::config::jail;
use ws_health::policy::Action;
use ws_health::{CheckSettings, Config};

const FILE: &str = r#"
    [ping]
    interval = "5s"
    timeout = "4s"

    [checks.feed]
    interval = "1m"
    critical = false

    [socket.keepalive]
    retries = 7
"#;

#[test]
fn with_no_file_and_no_variables_the_defaults_load() {
    jail(|_| {
        assert_eq!(Config::from(Config::figment()).unwrap(), Config::default());
    });
}

#[test]
fn the_file_overrides_the_defaults_key_by_key() {
    jail(|jail| {
        jail.create_file("ws-health.toml", FILE).unwrap();
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(5));
        assert_eq!(config.ping.timeout, Duration::from_secs(4));
        assert_eq!(
            config.ping.failure_threshold, 1,
            "untouched keys keep defaults"
        );
        let feed = config.check("feed");
        assert_eq!(feed.interval, Duration::from_secs(60));
        assert!(!feed.critical);
        assert_eq!(feed.timeout, CheckSettings::default().timeout);
        assert_eq!(config.socket.keepalive.retries, 7);
        assert_eq!(config.socket.keepalive.idle, Duration::from_secs(60));
        assert_eq!(config.policy, Config::default().policy);
    });
}

#[test]
fn variables_override_the_file_and_nest_with_double_underscores() {
    jail(|jail| {
        jail.create_file("ws-health.toml", FILE).unwrap();
        jail.set_env("WS_HEALTH_PING__INTERVAL", "2s");
        jail.set_env("WS_HEALTH_CHECKS__FEED__TIMEOUT", "250ms");
        jail.set_env("WS_HEALTH_CHECKS__ORDERS__ENABLED", "false");
        jail.set_env("WS_HEALTH_SOCKET__KEEPALIVE__RETRIES", "3");
        jail.set_env("WS_HEALTH_POLICY__CLOSE_TIMEOUT", "1s");
        jail.set_env(
            "WS_HEALTH_POLICY__ON_UNHEALTHY",
            r#"[{action="close",code=4000,reason="bye"}]"#,
        );
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(
            config.ping.interval,
            Duration::from_secs(2),
            "env beats file"
        );
        assert_eq!(
            config.ping.timeout,
            Duration::from_secs(4),
            "file beats default"
        );
        let feed = config.check("feed");
        assert_eq!(feed.timeout, Duration::from_millis(250));
        assert_eq!(
            feed.interval,
            Duration::from_secs(60),
            "the rest of the table stays"
        );
        assert!(!config.check("orders").enabled);
        assert_eq!(config.socket.keepalive.retries, 3);
        assert_eq!(config.policy.close_timeout, Duration::from_secs(1));
        assert_eq!(
            config.policy.on_unhealthy,
            [Action::Close {
                code: 4000,
                reason: Some("bye".into())
            }]
        );
    });
}

#[test]
fn variables_override_every_profile() {
    jail(|jail| {
        jail.create_file("ws-health.toml", "[staging.ping]\ninterval = \"9s\"")
            .unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "staging");
        jail.set_env("WS_HEALTH_PING__INTERVAL", "2s");
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(2));
        jail.set_env("WS_HEALTH_PROFILE", "mobile");
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(2), "built-in too");
        assert_eq!(config.ping.timeout, Duration::from_secs(30), "mobile's own");
    });
}

#[test]
fn the_profile_and_file_variables_are_not_keys() {
    jail(|jail| {
        jail.create_file("other.toml", "[ping]\ninterval = \"3s\"")
            .unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "default");
        jail.set_env("WS_HEALTH_CONFIG", "other.toml");
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(3));
    });
}

/// `load_with`'s provider overrides every source, whatever profile it put its values in:
/// figment's `Serialized::defaults` puts them in the default profile, which a selected
/// profile and the environment (global) would otherwise override.
#[test]
fn load_with_overrides_every_source_from_any_profile() {
    use figment::providers::Serialized;
    use ws_health::config::ConfigLoader;

    jail(|jail| {
        jail.create_file("ws-health.toml", "[staging.ping]\ninterval = \"9s\"")
            .unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "staging");
        jail.set_env("WS_HEALTH_PING__TIMEOUT", "2s");
        let flags = Serialized::defaults(serde_json::json!({
            "ping": { "interval": "5s", "timeout": "3s" }
        }));
        let config = ConfigLoader::new().load_with(flags).unwrap();
        assert_eq!(
            config.ping.interval,
            Duration::from_secs(5),
            "over the profile"
        );
        assert_eq!(
            config.ping.timeout,
            Duration::from_secs(3),
            "over the environment"
        );
        // A provider's own global values still win over its default ones.
        let flags = figment::Figment::from(Serialized::defaults(
            serde_json::json!({ "ping": { "interval": "5s" } }),
        ))
        .merge(Serialized::globals(
            serde_json::json!({ "ping": { "interval": "6s" } }),
        ));
        let config = ConfigLoader::new().load_with(flags).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(6));
    });
}

/// A profile only `load_with`'s provider names may be selected, its values apply; an error
/// about a value from a `Figment` given as the provider still names the provider.
#[test]
fn load_with_keeps_the_providers_profiles_and_sources() {
    use figment::providers::Serialized;
    use ws_health::config::ConfigLoader;

    jail(|_| {
        let canary = Serialized::default("ping.interval", "7s").profile("canary");
        let config = ConfigLoader::new()
            .with_profile("canary")
            .load_with(canary)
            .unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(7));

        let flags = figment::Figment::from(Serialized::globals(serde_json::json!({
            "ping": { "interval": "0s" }
        })));
        let err = ConfigLoader::new()
            .load_with(flags)
            .unwrap_err()
            .to_string();
        assert!(err.contains("`ping.interval`"), "{err}");
        assert!(!err.contains("source unknown"), "{err}");
        assert!(
            err.contains("config_env_overrides_file_overrides_defaults.rs"),
            "{err}"
        );
    });
}
