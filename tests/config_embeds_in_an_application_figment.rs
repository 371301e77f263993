//! Figment's recipe for library authors: `Config::from(any provider)`, `Config` is itself
//! a provider, and a user check reads its own table by its name (defaults without one).

mod support;

use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::Figment;
use serde::Deserialize;
use support::config::jail;
use ws_health::{CheckSettings, Config, Supervisor};

#[derive(Debug, Deserialize)]
struct AppConfig {
    name: String,
    ws_health: Config,
}

#[test]
fn config_is_a_provider_that_round_trips() {
    let mut config = Config::default();
    config.ping.interval = Duration::from_millis(1500);
    config.checks.insert(
        "feed".into(),
        CheckSettings::every(Duration::from_secs(3), Duration::from_secs(1)),
    );
    config.socket.user_timeout = Some(Duration::from_secs(9));
    assert_eq!(Config::from(&config).unwrap(), config);
    let extracted: Config = Figment::from(&config).extract().unwrap();
    assert_eq!(extracted, config);
}

#[test]
fn an_application_nests_it_under_its_own_key() {
    jail(|jail| {
        jail.create_file(
            "App.toml",
            "name = \"feeds\"\n[ws_health.ping]\ninterval = \"3s\"\n[ws_health.checks.feed]\ntimeout = \"1s\"",
        )
        .unwrap();
        let figment = Figment::from(Serialized::default("ws_health", Config::default()))
            .merge(Toml::file("App.toml"));
        let app: AppConfig = figment.extract().unwrap();
        assert_eq!(app.name, "feeds");
        assert_eq!(app.ws_health.ping.interval, Duration::from_secs(3));

        // Or extract just ws-health's part, with ws-health's checks and messages.
        let config = Config::from(figment.focus("ws_health")).unwrap();
        assert_eq!(config, app.ws_health);
        let err =
            Config::from(Figment::from(Toml::string("[ping]\ninterval = \"0s\""))).unwrap_err();
        assert!(err.to_string().contains("`ping.interval`"), "{err}");
    });
}

#[test]
fn an_application_merges_its_own_provider_over_the_default_sources() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[ping]\ninterval = \"5s\"\ntimeout = \"4s\"",
        )
        .unwrap();
        let figment = Config::figment().merge(Serialized::default("ping.interval", "2s"));
        let config = Config::from(figment).unwrap();
        assert_eq!(config.ping.interval, Duration::from_secs(2));
        assert_eq!(config.ping.timeout, Duration::from_secs(4));
    });
}

#[test]
fn a_user_check_reads_its_table_by_name_and_defaults_without_one() {
    jail(|jail| {
        jail.create_file(
            "ws-health.toml",
            "[checks.feed]\ninterval = \"2s\"\ntimeout = \"500ms\"\ncritical = false",
        )
        .unwrap();
        let config = Config::from(Config::figment()).unwrap();
        let feed = config.check("feed");
        assert_eq!(feed.interval, Duration::from_secs(2));
        assert_eq!(feed.timeout, Duration::from_millis(500));
        assert!(!feed.critical);
        assert_eq!(config.check("orders"), CheckSettings::default());

        let supervisor = Supervisor::builder()
            .with_config(&config)
            .with_check("feed", ws_health::check::PingCheck, config.check("feed"))
            .build();
        assert!(supervisor.is_ok());
    });
}
