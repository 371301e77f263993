//! `examples/ws-health.toml` is exactly the defaults and sets every key that has one;
//! `docs/configuration.md` lists every key, and the default it documents is the code's.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Value};
use figment::Figment;
use support::config::{capture, jail, warnings};
use ws_health::config::BuiltinProfiles;
use ws_health::policy::Action;
use ws_health::{CheckSettings, Config, ConfigLoader};

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Dotted paths of every leaf (non-table value) of `value`.
fn leaves(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Dict(_, dict) => {
            for (key, value) in dict {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(value, &path, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

fn leaves_of(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    leaves(&Value::serialize(config).unwrap(), "", &mut out);
    out
}

/// The defaults with one user check, as the example file shows them.
fn defaults_with_my_check() -> Config {
    let mut config = Config::default();
    config
        .checks
        .insert("my_check".into(), CheckSettings::default());
    config
}

#[test]
fn the_example_file_is_exactly_the_defaults() {
    jail(|_| {
        let loader = ConfigLoader::new().with_file(repo_file("examples/ws-health.toml"));
        let (config, events) = capture(|| loader.load());
        assert_eq!(config.unwrap(), defaults_with_my_check());
        assert!(warnings(&events).is_empty(), "{events:?}");
    });
}

#[test]
fn the_example_file_sets_every_key_that_has_a_default() {
    let text = std::fs::read_to_string(repo_file("examples/ws-health.toml")).unwrap();
    let file: Dict = Toml::from_str(&text).unwrap();
    let mut in_file = Vec::new();
    leaves(&Value::from(file), "", &mut in_file);
    for key in leaves_of(&defaults_with_my_check()) {
        assert!(
            in_file.contains(&key),
            "examples/ws-health.toml lacks `{key}`"
        );
    }
}

/// Every key, optional ones included.
fn every_key() -> Vec<String> {
    let actions = Some(vec![Action::Reconnect]);
    let full = CheckSettings {
        initial_delay: Some(Duration::from_secs(1)),
        on_degraded: actions.clone(),
        on_unhealthy: actions.clone(),
        on_recovered: actions,
        ..CheckSettings::default()
    };
    let mut config = Config {
        ping: full.clone(),
        ..Config::default()
    };
    config.checks.insert("NAME".into(), full);
    config.socket.user_timeout = Some(Duration::from_secs(1));
    config.client.max_retries = Some(1);
    leaves_of(&config)
        .into_iter()
        .map(|key| key.replace("checks.NAME.", "checks.<name>."))
        .collect()
}

/// The reference rows of the docs: key → default cell, from `| `key` | type | default | … |`.
fn documented() -> BTreeMap<String, String> {
    let docs = std::fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    docs.lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
            let key = cells.first()?.strip_prefix("| `")?.strip_suffix('`')?;
            if !key.contains('.') || cells.len() < 4 {
                return None;
            }
            let default = cells[2].trim_matches('`').to_string();
            Some((key.to_string(), default))
        })
        .collect()
}

#[test]
fn the_docs_list_every_key() {
    let documented = documented();
    for key in every_key() {
        assert!(
            documented.contains_key(&key),
            "docs/configuration.md lacks `{key}`"
        );
    }
    for key in documented.keys() {
        assert!(
            every_key().contains(key),
            "docs/configuration.md lists unknown `{key}`"
        );
    }
}

#[test]
fn the_documented_defaults_are_the_code_defaults() {
    for (key, default) in documented() {
        if default == "—" {
            continue; // optional: no value unless set
        }
        let value: Dict = Toml::from_str(&format!("v = {default}")).unwrap_or_else(|e| {
            panic!("`{key}`: the documented default {default} is not TOML: {e}")
        });
        let (key, expected) = match key.strip_prefix("checks.<name>.") {
            Some(field) => {
                let mut expected = Config::default();
                expected.checks.insert("t".into(), CheckSettings::default());
                (format!("checks.t.{field}"), expected)
            }
            None => (key.clone(), Config::default()),
        };
        let figment =
            Figment::from(Config::default()).merge(Serialized::default(&key, &value["v"]));
        let config = Config::from(figment).unwrap_or_else(|e| panic!("`{key}`: {e}"));
        assert_eq!(
            config, expected,
            "`{key}`: documented default {default} is not the code's"
        );
    }
}

#[test]
fn the_docs_explain_every_built_in_profile() {
    let docs = std::fs::read_to_string(repo_file("docs/configuration.md")).unwrap();
    for name in BuiltinProfiles::NAMES {
        assert!(
            docs.contains(&format!("| `{name}` |")),
            "docs lack profile `{name}`"
        );
    }
}
