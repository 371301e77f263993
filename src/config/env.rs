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
/// figment also reads `.` as `__` (`WS_HEALTH_PING.INTERVAL`), and a variable nested under a
/// value (`WS_HEALTH_PING__INTERVAL__X`) as a table in the value's place.
fn set_name(keys: &[&str]) -> String {
    let name = var_name(keys);
    let vars = ours();
    let nested = format!("{name}__");
    vars.iter()
        .find(|var| normal(var) == name)
        .or_else(|| vars.iter().find(|var| normal(var).starts_with(&nested)))
        .cloned()
        .unwrap_or(name)
}

/// A variable's name as figment reads it: case ignored, `.` as `__`.
fn normal(var: &str) -> String {
    var.to_ascii_uppercase().replace('.', "__")
}

impl Provider for EnvVars {
    fn metadata(&self) -> Metadata {
        Metadata::named(NAME).interpolater(|_: &Profile, keys: &[&str]| set_name(keys))
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        check_names(&ours()).map_err(figment::Error::from)?;
        let not_keys = [Config::PROFILE_ENV, Config::FILE_ENV]
            .map(|var| var.strip_prefix(Config::ENV_PREFIX).unwrap_or(var));
        Env::prefixed(Config::ENV_PREFIX)
            .ignore(&not_keys)
            .split("__")
            .global()
            .data()
    }
}

/// The variables named `WS_HEALTH_*` in any case, as figment reads them.
fn ours() -> Vec<String> {
    let prefix = Config::ENV_PREFIX;
    std::env::vars_os()
        .filter_map(|(var, _)| var.into_string().ok())
        .filter(|var| {
            var.get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        })
        .collect()
}

/// Refuses the names figment would read wrongly, or not at all, in silence.
fn check_names(ours: &[String]) -> Result<(), String> {
    let selectors = [Config::PROFILE_ENV, Config::FILE_ENV];
    for (i, var) in ours.iter().enumerate() {
        let normal_var = normal(var);
        let key = &normal_var[Config::ENV_PREFIX.len()..];
        // figment skips a name with an empty part: a typo would leave its default in silence.
        if key.split("__").any(str::is_empty) {
            return Err(format!(
                "{NAME} `{var}`: a part of its key is empty (parts are joined by two \
                 underscores: `WS_HEALTH_PING__INTERVAL`)"
            ));
        }
        // figment reads `WS_HEALTH_PROFILE__X` as a key `profile.x`, named for the selector.
        if let Some(selector) = selectors.iter().find(|s| {
            var.get(..s.len())
                .is_some_and(|v| v.eq_ignore_ascii_case(s))
                && var[s.len()..].starts_with("__")
        }) {
            return Err(format!(
                "{NAME} `{var}`: `{selector}` has no keys under it (it names the profile or \
                 the file to read); a variable sets a key of every profile: \
                 `WS_HEALTH_PING__INTERVAL`"
            ));
        }
        // figment keeps one value and names the other variable; which one is up to the order.
        if let Some(first) = ours[..i].iter().find(|o| normal(o) == normal_var) {
            return Err(format!(
                "{NAME}s `{first}` and `{var}` both set one key (names are read whatever \
                 their case, and `.` as `__`): unset one"
            ));
        }
    }
    Ok(())
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
