//! `WS_HEALTH_PROFILE` selects a profile: the selected profile's values override
//! `[default]`'s, `[global]`'s override both; built-in profiles come with ws-health, the
//! file's tables of the same name refine them; an unknown name is an error.

mod support;

use std::time::Duration;

use support::config::{capture, jail, warnings};
use ws_health::config::BuiltinProfiles;
use ws_health::policy::Action;
use ws_health::{Config, ConfigLoader};

const FILE: &str = r#"
    [default.ping]
    interval = "5s"
    timeout = "4s"

    [staging.ping]
    interval = "10s"

    [global.policy]
    close_timeout = "3s"
"#;

fn load() -> Config {
    Config::from(Config::figment()).unwrap()
}

#[test]
fn default_is_selected_when_no_profile_is_named() {
    jail(|jail| {
        jail.create_file("ws-health.toml", FILE).unwrap();
        let config = load();
        assert_eq!(config.ping.interval, Duration::from_secs(5));
        assert_eq!(
            config.policy.close_timeout,
            Duration::from_secs(3),
            "global"
        );
    });
}

#[test]
fn a_named_profile_overrides_default_and_global_overrides_both() {
    jail(|jail| {
        jail.create_file("ws-health.toml", FILE).unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "staging");
        let config = load();
        assert_eq!(config.ping.interval, Duration::from_secs(10), "staging");
        assert_eq!(config.ping.timeout, Duration::from_secs(4), "from default");
        assert_eq!(
            config.policy.close_timeout,
            Duration::from_secs(3),
            "global"
        );
    });
}

#[test]
fn top_level_keys_are_the_default_profile() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"5s\"\n[staging.ping]\ninterval = \"10s\"",
        )
        .unwrap();
        assert_eq!(load().ping.interval, Duration::from_secs(5));
        jail.set_env("WS_HEALTH_PROFILE", "staging");
        assert_eq!(load().ping.interval, Duration::from_secs(10));
    });
}

#[test]
fn built_in_profiles_apply_and_the_file_refines_them() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_PROFILE", "mobile");
        let mobile = load();
        assert_eq!(mobile.ping.interval, Duration::from_secs(45));
        assert_eq!(mobile.ping.timeout, Duration::from_secs(30));
        assert_eq!(mobile.ping.failure_threshold, 2);

        jail.set_env("WS_HEALTH_PROFILE", "datacenter");
        let dc = load();
        assert_eq!(dc.ping.interval, Duration::from_secs(5));
        assert_eq!(dc.ping.timeout, Duration::from_secs(2));
        assert_eq!(dc.policy.close_timeout, Duration::from_secs(2));
        assert_eq!(dc.socket.user_timeout, Some(Duration::from_secs(10)));

        jail.set_env("WS_HEALTH_PROFILE", "development");
        let dev = load();
        assert!(matches!(dev.policy.on_unhealthy[..], [Action::Log { .. }]));

        jail.create_file("ws-health.toml", "[mobile.ping]\ninterval = \"50s\"")
            .unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "mobile");
        let refined = load();
        assert_eq!(refined.ping.interval, Duration::from_secs(50), "the file's");
        assert_eq!(refined.ping.timeout, Duration::from_secs(30), "built-in's");
    });
}

#[test]
fn built_in_profiles_are_valid_and_raise_no_warning() {
    jail(|jail| {
        for name in BuiltinProfiles::NAMES {
            jail.set_env("WS_HEALTH_PROFILE", name);
            let (config, events) = capture(|| Config::from(Config::figment()));
            assert!(config.is_ok(), "{name}: {config:?}");
            assert!(warnings(&events).is_empty(), "{name}: {events:?}");
        }
    });
}

#[test]
fn with_profile_beats_the_variable_and_names_are_case_insensitive() {
    jail(|jail| {
        jail.set_env("WS_HEALTH_PROFILE", "mobile");
        let config = ConfigLoader::new()
            .with_profile("DataCenter")
            .load()
            .unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(5));
    });
}

#[test]
fn an_unknown_profile_is_an_error_listing_the_known_ones() {
    jail(|jail| {
        jail.create_file("ws-health.toml", FILE).unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "mobil");
        let err = Config::from(Config::figment()).unwrap_err();
        assert!(err.is_config());
        let msg = err.to_string();
        assert!(msg.contains("unknown profile `mobil`"), "{msg}");
        assert!(msg.contains("did you mean `mobile`?"), "{msg}");
        assert!(msg.contains("WS_HEALTH_PROFILE"), "{msg}");
        for known in ["datacenter", "default", "development", "mobile", "staging"] {
            assert!(msg.contains(known), "{known} missing from: {msg}");
        }

        let err = ConfigLoader::new().with_profile("prod").load().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("unknown profile `prod`"), "{msg}");
        assert!(msg.contains("(from ConfigLoader::with_profile)"), "{msg}");
    });
}

/// A profile written as a value (`production = 5`) is no profile, and no key either: the
/// error for selecting it says what the file holds under that name, which "unknown profile"
/// alone hid (the unknown key's own error showed only with the default profile selected).
#[test]
fn a_profile_written_as_a_value_is_named_as_such() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "production = 5\n[ping]\ninterval = \"9s\"\n",
        )
        .unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "production");
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(msg.contains("unknown profile `production`"), "{msg}");
        assert!(
            msg.contains("`production` is a value (from TOML file ws-health.toml"),
            "{msg}"
        );
        assert!(
            msg.contains("a profile is a table: `[production]`"),
            "{msg}"
        );
    });
}

/// An empty profile table is a profile: selecting it means the defaults (and the file's
/// top level), not an unknown profile.
#[test]
fn an_empty_profile_table_can_be_selected() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"9s\"\n[staging.ping]\ninterval = \"10s\"\n[production]\n",
        )
        .unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "production");
        let config = Config::from(Config::figment()).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(9));
    });
}

#[test]
fn every_profile_is_checked_even_when_not_selected() {
    jail(|jail| {
        // A bad value in a profile nobody selected.
        jail.create_file("ws-health.toml", "[staging.ping]\ninterval = \"0s\"")
            .unwrap();
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(msg.contains("profile `staging`"), "{msg}");
        assert!(msg.contains("staging.ping.interval"), "{msg}");

        // A misspelt table at the top level is a profile of its own, checked too.

        jail.create_file("ws-health.toml", "[pnig]\ninterval = \"5s\"")
            .unwrap();
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(msg.contains("did you mean `[ping]`?"), "{msg}");
        assert!(msg.contains("pnig.interval"), "{msg}");

        // So is an application's own table: the error says where such settings go.
        jail.create_file("ws-health.toml", "[fleet]\nregion = \"eu\"")
            .unwrap();
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(msg.contains("fleet.region"), "{msg}");
        assert!(
            msg.contains("an application's own settings belong"),
            "{msg}"
        );
        assert!(msg.contains("`Figment::focus`"), "{msg}");
        // A profile with one of ws-health's tables is a profile, however bad its keys.
        jail.create_file("ws-health.toml", "[fleet.ping]\ninterval = \"0s\"")
            .unwrap();
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(!msg.contains("own settings"), "{msg}");
    });
}

#[test]
fn the_default_profile_is_checked_when_another_is_selected() {
    jail(|jail| {
        // A bad top-level value that every profile in use overrides.
        let file = "[ping]\ninterval = \"0s\"\n\n\
                    [staging.ping]\ninterval = \"5s\"\ntimeout = \"1s\"\n\n\
                    [development.ping]\ninterval = \"5s\"\ntimeout = \"1s\"\n";
        jail.create_file("ws-health.toml", file).unwrap();
        jail.set_env("WS_HEALTH_PROFILE", "staging");
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(
            msg.contains("in profile `default` (every profile is checked; `staging` is selected)"),
            "{msg}"
        );
        assert!(msg.contains("`ping.interval` = \"0s\""), "{msg}");

        // Named as the default's, not as a profile's that merely inherits it.
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"0s\"\n\n[staging.ping]\ninterval = \"5s\"\ntimeout = \"1s\"\n",
        )
        .unwrap();
        let msg = Config::from(Config::figment()).unwrap_err().to_string();
        assert!(msg.contains("in profile `default`"), "{msg}");
    });
}

/// `with_default_profile` is the application's choice, which `WS_HEALTH_PROFILE` overrides
/// and `with_profile` beats; an unknown one is named as the loader's.
#[test]
fn a_default_profile_in_code_yields_to_the_variable() {
    jail(|jail| {
        jail.create_file("ws-health.toml", FILE).unwrap();
        let loader = ConfigLoader::new().with_default_profile("staging");
        assert_eq!(
            loader.load().unwrap().ping.interval,
            Duration::from_secs(10)
        );

        jail.set_env("WS_HEALTH_PROFILE", "default");
        assert_eq!(loader.load().unwrap().ping.interval, Duration::from_secs(5));
        jail.set_env("WS_HEALTH_PROFILE", "");
        assert_eq!(
            loader.load().unwrap().ping.interval,
            Duration::from_secs(10)
        );
        let fixed = loader.clone().with_profile("default");
        assert_eq!(fixed.load().unwrap().ping.interval, Duration::from_secs(5));

        let err = ConfigLoader::new()
            .with_default_profile("stagign")
            .load()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown profile `stagign` (did you mean `staging`?) (from ConfigLoader::with_default_profile)"),
            "{err}"
        );
    });
}
