//! Environment variables `WS_HEALTH_*`, as a figment provider whose errors name the variable.

use figment::providers::Env;
use figment::value::{Dict, Map};
use figment::{Metadata, Profile, Provider};

use super::Config;

/// `WS_HEALTH_PING__INTERVAL=5s` as `ping.interval = "5s"`, in the global profile so that it
/// overrides every profile. `WS_HEALTH_PROFILE` and `WS_HEALTH_CONFIG` are not keys.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EnvVars;

/// The provider's name, in messages: "from environment variable `WS_HEALTH_…`".
pub(crate) const NAME: &str = "environment variable";

/// The prefixed variable that sets `keys`: `["ping", "interval"]` → `WS_HEALTH_PING__INTERVAL`.
/// Array indices are not part of a variable's name: a variable sets a whole array.
pub(crate) fn var_name<S: AsRef<str>>(keys: &[S]) -> String {
    let keys: Vec<String> = keys
        .iter()
        .map(|k| k.as_ref())
        .take_while(|k| k.is_empty() || !k.bytes().all(|b| b.is_ascii_digit()))
        .map(|k| k.to_ascii_uppercase())
        .collect();
    format!("{}{}", Config::ENV_PREFIX, keys.join("__"))
}

/// The variable that set `keys`, as it is set: figment reads names whatever their case
/// (`ws_health_ping__interval`), so a message names the one the user wrote.
fn set_name(keys: &[&str]) -> String {
    let name = var_name(keys);
    std::env::vars_os()
        .filter_map(|(var, _)| var.into_string().ok())
        .find(|var| var.eq_ignore_ascii_case(&name))
        .unwrap_or(name)
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named(NAME).interpolater(|_: &Profile, keys: &[&str]| set_name(keys))
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        // figment skips a name with an empty part: a typo would leave its default in silence.
        if let Some(name) = std::env::vars_os()
            .filter_map(|(var, _)| var.into_string().ok())
            .find(|var| has_an_empty_part(var))
        {
            return Err(format!(
                "{NAME} `{name}`: a part of its key is empty (parts are joined by two \
                 underscores: `WS_HEALTH_PING__INTERVAL`)"
            )
            .into());
        }
        let not_keys = [Config::PROFILE_ENV, Config::FILE_ENV]
            .map(|var| var.strip_prefix(Config::ENV_PREFIX).unwrap_or(var));
        Env::prefixed(Config::ENV_PREFIX)
            .ignore(&not_keys)
            .split("__")
            .global()
            .data()
    }
}

/// Whether `var` is one of ours whose key has an empty part: `WS_HEALTH_PING____INTERVAL`,
/// `WS_HEALTH_PING__`, `WS_HEALTH_`.
fn has_an_empty_part(var: &str) -> bool {
    let prefix = Config::ENV_PREFIX;
    let Some(key) = var
        .get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
    else {
        return false;
    };
    var[key.len()..].split("__").any(str::is_empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_names_nest_with_double_underscores() {
        assert_eq!(var_name(&["ping", "interval"]), "WS_HEALTH_PING__INTERVAL");
        assert_eq!(
            var_name(&["policy", "on_unhealthy", "0", "code"]),
            "WS_HEALTH_POLICY__ON_UNHEALTHY"
        );
    }
}
