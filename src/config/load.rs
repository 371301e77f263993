//! Loading: figment's recipe for library authors, with checked values and precise errors.

use figment::providers::Serialized;
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider};

use super::diagnose;
use super::file::config_keys;
use super::profile::check_selected;
use super::suggest::nearest;
use super::validate::{Validate, Validator};
use super::written::dotted;
use super::{Config, ConfigLoader};
use crate::Result;
use serde::Deserialize;

impl Config {
    /// The configuration file read from the working directory by default.
    pub const FILE: &'static str = "ws-health.toml";
    /// The environment variable naming another configuration file.
    pub const FILE_ENV: &'static str = "WS_HEALTH_CONFIG";
    /// The environment variable selecting the profile.
    pub const PROFILE_ENV: &'static str = "WS_HEALTH_PROFILE";
    /// The prefix of environment variables that set keys, nested with `__`.
    pub const ENV_PREFIX: &'static str = "WS_HEALTH_";

    /// ws-health's default sources, merged in this order: [`Config::default()`], the
    /// [`BuiltinProfiles`](super::BuiltinProfiles), the TOML file ([`Config::FILE`], or the
    /// one named by [`Config::FILE_ENV`]), then `WS_HEALTH_*` environment variables; with
    /// the profile named by [`Config::PROFILE_ENV`] selected. The same as
    /// [`ConfigLoader::new().figment()`](ConfigLoader::figment).
    ///
    /// ```
    /// use ws_health::Config;
    ///
    /// figment::Jail::expect_with(|jail| {
    ///     jail.create_file("ws-health.toml", r#"
    ///         [ping]
    ///         interval = "5s"
    ///         timeout = "3s"
    ///
    ///         [staging.ping]
    ///         interval = "10s"
    ///     "#)?;
    ///     jail.set_env("WS_HEALTH_PING__TIMEOUT", "2s");
    ///     jail.set_env("WS_HEALTH_PROFILE", "staging");
    ///
    ///     let config = Config::from(Config::figment()).map_err(|e| e.to_string())?;
    ///     assert_eq!(config.ping.interval.as_secs(), 10); // the staging profile
    ///     assert_eq!(config.ping.timeout.as_secs(), 2); // the environment wins
    ///     assert_eq!(config.policy.close_timeout.as_secs(), 10); // the default
    ///     Ok(())
    /// });
    /// ```
    pub fn figment() -> Figment {
        ConfigLoader::new().figment()
    }

    /// Extracts the configuration from any figment [`Provider`] (e.g. [`Config::figment`],
    /// or an application's own figment), checks every value, and logs a `tracing` warning
    /// for each risky one. Every profile the provider has is checked, selected or not.
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config), naming the key, the value and its
    /// source, with figment's error as the [`source`](std::error::Error::source) when
    /// figment found it: an unknown key or profile, a value of the wrong type, an
    /// unparsable, zero or negative duration, one over [`Config::MAX_DURATION`], an unknown
    /// action, a close code that may not be sent, a close reason over 123 bytes.
    ///
    /// ```
    /// use figment::{providers::Serialized, Figment};
    /// use ws_health::Config;
    ///
    /// let figment = Figment::from(Config::default())
    ///     .merge(Serialized::default("ping.interval", "1m"));
    /// assert_eq!(Config::from(figment)?.ping.interval.as_secs(), 60);
    /// # Ok::<_, ws_health::Error>(())
    /// ```
    pub fn from<T: Provider>(provider: T) -> Result<Config> {
        extract(&Figment::from(provider))
    }
}

/// `Config` as a figment provider: its values, in the default profile.
impl Provider for Config {
    fn metadata(&self) -> Metadata {
        Metadata::named("ws-health Config").interpolater(|_: &Profile, keys: &[&str]| dotted(keys))
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        Serialized::defaults(self).data()
    }
}

/// [`Config::default()`], the first source of [`Config::figment`] and [`ConfigLoader`],
/// named as the defaults in errors and warnings (a `Config` given in code is a "ws-health
/// Config").
pub(super) struct Defaults;

impl Provider for Defaults {
    fn metadata(&self) -> Metadata {
        Metadata::named("built-in defaults").interpolater(|_: &Profile, keys: &[&str]| dotted(keys))
    }

    fn data(&self) -> figment::Result<Map<Profile, Dict>> {
        Config::default().data()
    }
}

fn extract(figment: &Figment) -> Result<Config> {
    // A source that failed to read (a missing named file, bad TOML) comes first: without
    // it, the profiles it defines are missing too.
    if let Err(e) = figment.find_value("") {
        return Err(diagnose::figment_error(figment, e, ""));
    }
    check_selected(figment, None)?;
    let config = checked(figment, &String::new, true)?;
    let selected = figment.profile();
    // The default first: a bad top-level value is named as its own, not as that of the
    // first profile that inherits it; checked even where every profile in use overrides it.
    let default = Profile::Default;
    let profiles = std::iter::once(&default).chain(figment.profiles().filter(|p| p.is_custom()));
    // Figment's `extract` copies every profile's values to read one: thousands of profiles
    // would take minutes. Each is read from one copy here, and only one found wrong is read
    // again through figment, for a message that names its sources.
    let data = figment.data().unwrap_or_default();
    for profile in profiles.filter(|p| *p != selected && !valid(&data, p)) {
        // Worked out on an error only: the hint reads the sources again.
        let context = || {
            let data = figment.data().unwrap_or_default();
            format!(
                " in profile `{profile}` (every profile is checked; `{selected}` is selected){}",
                hint(profile, data.get(profile))
            )
        };
        checked(&figment.clone().select(profile.clone()), &context, false)?;
    }
    Ok(config)
}

/// Whether `profile` over `default`, under `global`, as figment selects it, is a valid
/// configuration: a check without figment's messages, for the profiles not selected.
fn valid(data: &Map<Profile, Dict>, profile: &Profile) -> bool {
    let mut merged = Dict::new();
    for p in [&Profile::Default, profile, &Profile::Global] {
        if let Some(dict) = data.get(p) {
            super::loader::merge(&mut merged, dict.clone());
        }
    }
    let value = figment::value::Value::from(merged);
    let Ok(config) = Config::deserialize(&value) else {
        return false;
    };
    problems(&config).errors.is_empty()
}

/// What is wrong or risky in a loaded configuration: its values against their ranges, and
/// integers a TOML file could not hold.
fn problems(config: &Config) -> Validator {
    let mut v = Validator::default();
    config.report(&mut v);
    super::toml_range::report(&mut v, config);
    v
}

/// Extracts and validates the selected profile, logging warnings if `warn`; an error says
/// where with `context`.
fn checked(figment: &Figment, context: &dyn Fn() -> String, warn: bool) -> Result<Config> {
    let config: Config = figment
        .extract()
        .map_err(|e| diagnose::figment_error(figment, e, &context()))?;
    let v = problems(&config);
    if !v.errors.is_empty() {
        return Err(diagnose::problems(figment, &v.errors, &context()));
    }
    if warn {
        for w in &v.warnings {
            let source = diagnose::sources(figment, w);
            tracing::warn!(
                key = %w.key(),
                value = %w.value,
                source = %source,
                "risky configuration: {w} ({source})"
            );
        }
    }
    Ok(config)
}

/// A hint when a profile is a table that is not one: a misspelt key (`[pnig]`), or the
/// application's own settings (`[fleet]`), none of whose keys is ws-health's.
fn hint(profile: &Profile, data: Option<&Dict>) -> String {
    let keys = config_keys();
    let not_a_key = " (a top-level table that is not a key is read as a profile";
    if let Some(key) = nearest(profile.as_str().as_str(), keys.iter().map(String::as_str)) {
        return format!("{not_a_key}: did you mean `[{key}]`?)");
    }
    match data {
        Some(data) if !data.is_empty() && !data.keys().any(|k| keys.contains(k)) => format!(
            "{not_a_key}: an application's own settings belong in a file of their own, or \
             ws-health's under a table of the application's file, read with `Figment::focus`: \
             see \"In an application's own figment\" in docs/configuration.md)"
        ),
        _ => String::new(),
    }
}
