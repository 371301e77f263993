//! Profiles: the built-in named ones, and checking the one selected.

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};

use super::suggest::nearest;
use super::written::dotted;
use super::Config;
use crate::{Error, Result};

/// ws-health's built-in named profiles, as a figment [`Provider`]. [`Config::figment`]
/// includes it; merge it into your own figment to offer them too.
///
/// | profile | for | what it changes, and why |
/// |---|---|---|
/// | `mobile` | peers on phones and other battery-powered radios | ping every 45 s (each ping wakes the radio; still under 60 s proxy idle timeouts), 30 s timeout (round trips spike during radio wake-up and handovers), 2 failures before Unhealthy (one pong lost in a handover is not a dead peer) |
/// | `datacenter` | services in one datacenter or region | ping every 5 s with a 2 s timeout and 1 s jitter (sub-millisecond round trips: detection within about 8 s; no lockstep after a deploy), 2 s close timeout, TCP keepalive after 10 s idle and `TCP_USER_TIMEOUT` 10 s (bound the kernel's own stall on a dead peer) |
/// | `development` | local development | Unhealthy logs a warning instead of closing (a debugger pausing either side must not end the session) |
///
/// [`BuiltinProfiles::TOML`] is their exact definition, with the reasons as comments.
///
/// ```
/// use figment::Figment;
/// use ws_health::config::BuiltinProfiles;
/// use ws_health::Config;
///
/// let figment = Figment::from(Config::default())
///     .merge(BuiltinProfiles)
///     .select("mobile");
/// let config = Config::from(figment)?;
/// assert_eq!(config.ping.interval.as_secs(), 45);
/// # Ok::<_, ws_health::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinProfiles;

impl BuiltinProfiles {
    /// The names of the built-in profiles.
    pub const NAMES: [&'static str; 3] = ["datacenter", "development", "mobile"];

    /// Their definition: one TOML table per profile, with the reasons as comments.
    pub const TOML: &'static str = include_str!("profiles.toml");
}

impl Provider for BuiltinProfiles {
    fn metadata(&self) -> Metadata {
        Metadata::named("built-in profile")
            .interpolater(|profile: &Profile, keys: &[&str]| format!("{profile}.{}", dotted(keys)))
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        Toml::string(Self::TOML).nested().data()
    }
}

/// Checks that the figment's selected profile is one it knows: `default`, `global`, or a
/// profile some provider gave values for.
/// `selected_by` names who selected it, if known; else [`Config::PROFILE_ENV`] if it holds
/// the profile, else the figment given to `Config::from` (an application's own).
pub(crate) fn check_selected(figment: &Figment, selected_by: Option<&str>) -> Result<()> {
    let selected = figment.profile();
    let mut known: Vec<&str> = figment.profiles().map(|p| p.as_str().as_str()).collect();
    known.push("default");
    if known.iter().any(|k| selected == *k) || *selected == Profile::Global {
        return Ok(());
    }
    known.retain(|k| *k != "global");
    known.sort_unstable();
    known.dedup();
    let from_env = || {
        figment::providers::Env::var(Config::PROFILE_ENV)
            .is_some_and(|var| *selected == var.as_str())
    };
    let source = match selected_by {
        Some(by) => by.to_owned(),
        None if from_env() => format!("environment variable {}", Config::PROFILE_ENV),
        None => "the figment given to `Config::from`".to_owned(),
    };
    let hint = nearest(selected.as_str().as_str(), known.iter().copied())
        .map(|n| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    // A value under the profile's name (`production = 5`) is neither a profile nor a key:
    // its own error (an unknown key) shows only where the profile is known.
    let name = selected.as_str().as_str();
    let value = figment
        .find_value(name)
        .ok()
        .filter(|value| value.as_dict().is_none())
        .map(|_| {
            let from = super::diagnose::locate(figment, &[name.to_owned()]);
            format!("; `{name}` is a value ({from}), and a profile is a table: `[{name}]`")
        })
        .unwrap_or_default();
    Err(Error::config(format!(
        "unknown profile `{selected}`{hint} (from {source}); known profiles: {}{value}",
        known.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_profiles_the_toml_defines() {
        let data = BuiltinProfiles.data().unwrap();
        let mut defined: Vec<_> = data.keys().map(|p| p.as_str().to_string()).collect();
        defined.sort();
        assert_eq!(defined, BuiltinProfiles::NAMES);
    }
}
